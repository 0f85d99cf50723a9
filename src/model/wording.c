/*
 * wording.c — see wording.h for the canonical text.
 */
#include "wording.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

typedef struct buf {
    arena *a;
    char *s;
    size_t len, cap;
    bool oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap;
        char *ns = arena_grow(b->a, b->s, &cap, b->len + n + 1, 1);
        if (!ns) {
            b->oom = true;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Text with white space squashed and placeholder braces tightened. */
static void put_text(buf *b, const char *s, size_t n)
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
            put(b, " ", 1);
        pending = false;
        put(b, &c, 1);
        if (c == '}' && in_braces && i > 0 && s[i - 1] == '}')
            in_braces = false;
    }
}

static void put_mp(buf *b, const mp_text *t)
{
    if (t->s)
        put_text(b, t->s, t->len);
}

/* One line per paragraph: each line break splits, as the layout does. */
static void put_paragraphs(buf *b, const char *label, const mp_text *t)
{
    const char *p = t->s, *end = t->s + t->len;
    while (p < end) {
        const char *stop = memchr(p, '\n', (size_t)(end - p));
        const char *next = stop ? stop + 1 : end;
        if (!stop)
            stop = end;
        size_t before = b->len;
        puts_(b, label);
        puts_(b, ": ");
        size_t text_start = b->len;
        put_text(b, p, (size_t)(stop - p));
        if (b->len == text_start) /* an empty piece gives no line */
            b->len = before;
        else
            puts_(b, "\n");
        if (b->s)
            b->s[b->len] = '\0';
        p = next;
    }
}

static void put_line(buf *b, const char *label, const mp_text *t)
{
    puts_(b, label);
    puts_(b, ": ");
    put_mp(b, t);
    puts_(b, "\n");
}

char *wording_text(const form *f, arena *a, size_t *len)
{
    buf b = {.a = a};
    puts_(&b, "medpacket-wording 1\n");
    puts_(&b, f->kind == FORM_CONSENT ? "kind: consent\n" : "kind: handout\n");
    put_line(&b, "language", &f->language);
    put_line(&b, "title", &f->title);
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
                puts_(&b, label);
                puts_(&b, ": ");
                put_mp(&b, &bl->items[k].title);
                puts_(&b, " | ");
                put_mp(&b, &bl->items[k].text);
                puts_(&b, "\n");
            }
            break;
        }
        case BLOCK_PATIENT_ID:
            puts_(&b, "patient_id:");
            for (size_t k = 0; k < bl->nfields; k++) {
                puts_(&b, " ");
                puts_(&b, patient_field_name(bl->fields[k]));
            }
            puts_(&b, "\n");
            break;
        case BLOCK_SIGNATURES:
            for (size_t k = 0; k < bl->nsigs; k++) {
                const form_signature *s = &bl->sigs[k];
                puts_(&b, "signature: ");
                put_mp(&b, &s->role);
                puts_(&b, " | signer=");
                puts_(&b, signers[s->signer]);
                puts_(&b, " |");
                if (s->printed_name)
                    puts_(&b, " printed_name");
                if (s->date)
                    puts_(&b, " date");
                if (s->time)
                    puts_(&b, " time");
                puts_(&b, " | extra:");
                for (size_t j = 0; j < s->nextra; j++) {
                    puts_(&b, j ? "; " : " ");
                    put_mp(&b, &s->extra[j]);
                }
                puts_(&b, "\n");
            }
            break;
        case BLOCK_BOOKING_QR:
            puts_(&b, "booking_qr: ");
            put_mp(&b, &bl->text);
            puts_(&b, " | ");
            put_mp(&b, &bl->url);
            puts_(&b, "\n");
            break;
        case BLOCK_PAGE_BREAK:
            break;
        }
    }
    if (b.oom)
        return NULL;
    if (len)
        *len = b.len;
    return b.s;
}

int wording_fingerprint(const form *f, arena *a, char out[65])
{
    size_t len;
    char *text = wording_text(f, a, &len);
    if (!text)
        return -1;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(text, len, md, &n, EVP_sha256(), NULL) || n != 32)
        return -1;
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}
