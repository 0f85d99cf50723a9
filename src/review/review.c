/*
 * review.c — see review.h.
 */
#include "review.h"

#include "approval.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

/* The review being written, and whether as Markdown. */
typedef struct out {
    mp_buf b;
    bool md;
} out;

static size_t columns(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Text with its white space squashed, wrapped at 72 columns (plain text) or
 * left to one line (Markdown wraps by itself), each line after the first
 * indented by `indent` spaces. */
static void wrapped(out *o, const char *text, size_t len, size_t first_col, size_t indent)
{
    size_t col = first_col;
    size_t i = 0;
    bool first = true;
    while (i < len) {
        while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r'))
            i++;
        size_t start = i;
        while (i < len &&
               !(text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r'))
            i++;
        if (i == start)
            break;
        size_t w = columns(text + start, i - start);
        if (!first && !o->md && col + 1 + w > 72) {
            buf_putc(&o->b, '\n');
            for (size_t k = 0; k < indent; k++)
                buf_putc(&o->b, ' ');
            col = indent;
        } else if (!first) {
            buf_putc(&o->b, ' ');
            col++;
        }
        buf_put(&o->b, text + start, i - start);
        col += w;
        first = false;
    }
    buf_putc(&o->b, '\n');
}

static void paragraphs(out *o, const mp_text *t)
{
    const char *p = t->s, *end = t->s + t->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        const char *q = p;
        while (q < stop && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < stop) {
            wrapped(o, p, (size_t)(stop - p), 0, 0);
            buf_putc(&o->b, '\n');
        }
        p = nl ? nl + 1 : end;
    }
}

static void heading(out *o, const char *text, char underline)
{
    if (o->md) {
        buf_putf(&o->b, "%s %s\n\n", underline == '=' ? "#" : "##", text);
        return;
    }
    buf_putf(&o->b, "%s\n", text);
    size_t n = columns(text, strlen(text));
    for (size_t i = 0; i < n; i++)
        buf_putc(&o->b, underline);
    buf_puts(&o->b, "\n\n");
}

static void item(out *o, const char *mark, const form_item *it, bool initials)
{
    buf_puts(&o->b, mark);
    size_t col = columns(mark, strlen(mark));
    if (initials) {
        const char *box = o->md ? "Initials: ____ " : "[Initials: ____] ";
        buf_puts(&o->b, box);
        col += strlen(box);
    }
    if (it->title.s) {
        if (o->md)
            buf_putf(&o->b, "**%s.** ", it->title.s);
        else
            buf_putf(&o->b, "%s. ", it->title.s);
        col += columns(it->title.s, it->title.len) + 2;
    }
    if (it->text.s)
        wrapped(o, it->text.s, it->text.len, col, 4);
    else
        buf_putc(&o->b, '\n');
}

char *review_text(const form *f, const check_report *r, bool markdown, arena *a)
{
    out o = {.md = markdown};
    buf_init(&o.b, a);
    char title[600];
    snprintf(title, sizeof title, "%s: %s", f->status == FORM_DRAFT ? "DRAFT" : "SPECIMEN",
             f->title.s);
    heading(&o, title, '=');
    const char *li = markdown ? "- " : "";
    buf_putf(&o.b, "%sForm: %s, version %s, %s\n", li, f->id.s, f->version.s,
             f->kind == FORM_CONSENT ? "consent" : "handout");
    /* Where the approval stands: whether this is the wording approved. */
    approval ap;
    const char *status = approval_examine(f, a, &ap) ? NULL : approval_status(f, &ap, a);
    if (!status)
        return NULL;
    buf_putf(&o.b, "%sStatus: %s", li, status);
    if (f->approved_by.s)
        buf_putf(&o.b, "; approved by %s", f->approved_by.s);
    if (f->approved_on.s)
        buf_putf(&o.b, " on %s", f->approved_on.s);
    buf_putc(&o.b, '\n');
    buf_putf(&o.b, "%sLanguage: %s\n", li, f->language.s);
    buf_putf(&o.b, "%sWording fingerprint: %s\n", li, f->fingerprint);
    /* A language without a formula says so, rather than show a grade by
     * another language's rules. */
    if (r && r->no_grade)
        buf_putf(&o.b, "%sReading grade: %s\n", li, r->no_grade);
    else
        buf_putf(&o.b, "%sReading grade (%s, target %d or below):\n", li,
                 r && r->grade_formula ? r->grade_formula : "Flesch-Kincaid", f->reading_grade);
    for (size_t i = 0; r && !r->no_grade && i < r->nsections; i++) {
        const check_section *s = &r->sections[i];
        buf_putf(&o.b, "%s  %s%5.1f  %s (%zu words)%s\n", markdown ? "  " : "",
                 markdown ? "- " : "", s->r.grade, s->title, s->r.words,
                 s->above ? "  <- above target" : "");
    }
    buf_putc(&o.b, '\n');
    for (size_t i = 0; i < f->nblocks; i++) {
        const form_block *b = &f->blocks[i];
        switch (b->kind) {
        case BLOCK_HEADING:
            heading(&o, b->text.s, '-');
            break;
        case BLOCK_PARAGRAPH:
        case BLOCK_PROCEDURE:
        case BLOCK_QUESTIONS:
            paragraphs(&o, &b->text);
            break;
        case BLOCK_LIST:
        case BLOCK_BENEFITS:
        case BLOCK_RISKS:
        case BLOCK_ALTERNATIVES:
            for (size_t k = 0; k < b->nitems; k++)
                item(&o, markdown ? "- " : "  * ", &b->items[k],
                     b->kind == BLOCK_RISKS && f->kind == FORM_CONSENT);
            buf_putc(&o.b, '\n');
            break;
        case BLOCK_CHECKBOXES:
            for (size_t k = 0; k < b->nitems; k++)
                item(&o, markdown ? "- [ ] " : "  [ ] ", &b->items[k], false);
            buf_putc(&o.b, '\n');
            break;
        case BLOCK_PATIENT_ID:
            for (size_t k = 0; k < b->nfields; k++)
                buf_putf(&o.b, "%s%s: {{patient.%s}}\n", li, patient_field_name(b->fields[k]),
                         patient_field_name(b->fields[k]));
            buf_putc(&o.b, '\n');
            break;
        case BLOCK_SIGNATURES:
            for (size_t k = 0; k < b->nsigs; k++) {
                const form_signature *s = &b->sigs[k];
                buf_putf(&o.b, "%sSignature of %s: ________________", li, s->role.s);
                if (s->date)
                    buf_puts(&o.b, "  Date: ________");
                if (s->time)
                    buf_puts(&o.b, "  Time: ______");
                buf_putc(&o.b, '\n');
                if (s->printed_name)
                    buf_putf(&o.b, "%s  Printed name: ________________\n", markdown ? "  " : "");
                for (size_t j = 0; j < s->nextra; j++)
                    buf_putf(&o.b, "%s  %s: ________________\n", markdown ? "  " : "",
                             s->extra[j].s);
            }
            buf_putc(&o.b, '\n');
            break;
        case BLOCK_BOOKING_QR:
            buf_putf(&o.b, "%s[QR code: %s]\n\n", li, b->text.s ? b->text.s : "booking link");
            break;
        case BLOCK_PAGE_BREAK:
            break;
        }
    }
    return o.b.oom ? NULL : o.b.data;
}
