/*
 * wording.c — see wording.h for the canonical text.
 */
#include "wording.h"

#include <string.h>

#include "buf.h"
#include "sha256.h"

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Text with white space squashed and placeholder braces tightened. */
static void put_text(mp_buf *b, const char *s, size_t n)
{
    bool pending = false, in_braces = false;
    size_t start_len = b->len;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (space(c)) {
            pending = b->len > start_len && !in_braces;
            continue;
        }
        if (c == '{' && i + 1 < n && s[i + 1] == '{' && !(i > 0 && s[i - 1] == '\\'))
            in_braces = true;
        if (pending)
            buf_putc(b, ' ');
        pending = false;
        buf_putc(b, c);
        if (c == '}' && in_braces && i > 0 && s[i - 1] == '}')
            in_braces = false;
    }
}

static void put_mp(mp_buf *b, const mp_text *t)
{
    if (t->s)
        put_text(b, t->s, t->len);
}

/* Whether s[0..n) has more than white space: put_text writes nothing else. */
static bool has_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!space(s[i]))
            return true;
    return false;
}

/* One line per paragraph: each line break splits, as the layout does; an
 * empty piece gives no line. */
static void put_paragraphs(mp_buf *b, const char *label, const mp_text *t)
{
    const char *p = t->s, *end = t->s + t->len;
    while (p < end) {
        const char *stop = memchr(p, '\n', (size_t)(end - p));
        const char *next = stop ? stop + 1 : end;
        if (!stop)
            stop = end;
        if (has_text(p, (size_t)(stop - p))) {
            buf_puts(b, label);
            buf_puts(b, ": ");
            put_text(b, p, (size_t)(stop - p));
            buf_putc(b, '\n');
        }
        p = next;
    }
}

static void put_line(mp_buf *b, const char *label, const mp_text *t)
{
    buf_puts(b, label);
    buf_puts(b, ": ");
    put_mp(b, t);
    buf_putc(b, '\n');
}

char *wording_text(const form *f, arena *a, size_t *len)
{
    mp_buf b;
    buf_init(&b, a);
    buf_puts(&b, "medpacket-wording 1\n");
    static const char *const kinds[] = {[FORM_HANDOUT] = "kind: handout\n",
                                        [FORM_CONSENT] = "kind: consent\n",
                                        [FORM_NOTICE] = "kind: notice\n"};
    buf_puts(&b, kinds[f->kind]);
    put_line(&b, "language", &f->language);
    put_line(&b, "title", &f->title);
    /* A notice's heading is its language's name: printed, so wording. */
    if (f->language_name.s)
        put_line(&b, "language_name", &f->language_name);
    static const char *const signers[] = {"", "patient", "clinician", "witness", "interpreter"};
    for (size_t i = 0; i < f->nblocks; i++) {
        const form_block *bl = &f->blocks[i];
        switch (bl->kind) {
        case BLOCK_HEADING:
            put_line(&b, "heading", &bl->text);
            break;
        case BLOCK_PARAGRAPH:
        case BLOCK_PROCEDURE:
        case BLOCK_QUESTIONS:
            put_paragraphs(&b, block_kind_name(bl->kind), &bl->text);
            break;
        case BLOCK_LIST:
        case BLOCK_CHECKBOXES:
            for (size_t k = 0; k < bl->nitems; k++)
                put_line(&b, bl->kind == BLOCK_LIST ? "list" : "checkbox", &bl->items[k].text);
            break;
        case BLOCK_BENEFITS:
        case BLOCK_RISKS:
        case BLOCK_ALTERNATIVES: {
            const char *label = bl->kind == BLOCK_BENEFITS ? "benefit"
                                : bl->kind == BLOCK_RISKS  ? "risk"
                                                           : "alternative";
            for (size_t k = 0; k < bl->nitems; k++) {
                buf_puts(&b, label);
                buf_puts(&b, ": ");
                put_mp(&b, &bl->items[k].title);
                buf_puts(&b, " | ");
                put_mp(&b, &bl->items[k].text);
                buf_puts(&b, "\n");
            }
            break;
        }
        case BLOCK_PATIENT_ID:
            buf_puts(&b, "patient_id:");
            for (size_t k = 0; k < bl->nfields; k++) {
                buf_puts(&b, " ");
                buf_puts(&b, patient_field_name(bl->fields[k]));
            }
            buf_puts(&b, "\n");
            break;
        case BLOCK_SIGNATURES:
            for (size_t k = 0; k < bl->nsigs; k++) {
                const form_signature *s = &bl->sigs[k];
                buf_puts(&b, "signature: ");
                put_mp(&b, &s->role);
                buf_puts(&b, " | signer=");
                buf_puts(&b, signers[s->signer]);
                buf_puts(&b, " |");
                if (s->printed_name)
                    buf_puts(&b, " printed_name");
                if (s->date)
                    buf_puts(&b, " date");
                if (s->time)
                    buf_puts(&b, " time");
                buf_puts(&b, " | extra:");
                for (size_t j = 0; j < s->nextra; j++) {
                    buf_puts(&b, j ? "; " : " ");
                    put_mp(&b, &s->extra[j]);
                }
                buf_puts(&b, "\n");
            }
            break;
        case BLOCK_BOOKING_QR:
            buf_puts(&b, "booking_qr: ");
            put_mp(&b, &bl->text);
            buf_puts(&b, " | ");
            put_mp(&b, &bl->url);
            buf_puts(&b, "\n");
            break;
        case BLOCK_PAGE_BREAK:
            break;
        }
    }
    if (b.oom)
        return NULL;
    if (len)
        *len = b.len;
    return b.data;
}

int wording_fingerprint(const form *f, arena *a, char out[65])
{
    size_t len;
    char *text = wording_text(f, a, &len);
    return text ? sha256_hex(text, len, out) : -1;
}
