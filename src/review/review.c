/*
 * review.c — see review.h.
 */
#include "review.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

typedef struct out {
    arena *a;
    char *s;
    size_t len, cap;
    bool oom, md;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->oom)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap;
        char *ns = arena_grow(o->a, o->s, &cap, o->len + n + 1, 1);
        if (!ns) {
            o->oom = true;
            return;
        }
        o->s = ns;
        o->cap = cap;
    }
    memcpy(o->s + o->len, s, n);
    o->len += n;
    o->s[o->len] = '\0';
}

static void putf(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(out *o, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(o, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

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
            put(o, "\n", 1);
            for (size_t k = 0; k < indent; k++)
                put(o, " ", 1);
            col = indent;
        } else if (!first) {
            put(o, " ", 1);
            col++;
        }
        put(o, text + start, i - start);
        col += w;
        first = false;
    }
    put(o, "\n", 1);
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
            put(o, "\n", 1);
        }
        p = nl ? nl + 1 : end;
    }
}

static void heading(out *o, const char *text, char underline)
{
    if (o->md) {
        putf(o, "%s %s\n\n", underline == '=' ? "#" : "##", text);
        return;
    }
    putf(o, "%s\n", text);
    size_t n = columns(text, strlen(text));
    for (size_t i = 0; i < n; i++)
        put(o, &underline, 1);
    put(o, "\n\n", 2);
}

static void item(out *o, const char *mark, const form_item *it, bool initials)
{
    size_t start = o->len;
    (void)start;
    put(o, mark, strlen(mark));
    size_t col = columns(mark, strlen(mark));
    if (initials) {
        const char *box = o->md ? "Initials: ____ " : "[Initials: ____] ";
        put(o, box, strlen(box));
        col += strlen(box);
    }
    if (it->title.s) {
        if (o->md)
            putf(o, "**%s.** ", it->title.s);
        else
            putf(o, "%s. ", it->title.s);
        col += columns(it->title.s, it->title.len) + 2;
    }
    if (it->text.s)
        wrapped(o, it->text.s, it->text.len, col, 4);
    else
        put(o, "\n", 1);
}

char *review_text(const form *f, const check_report *r, bool markdown, arena *a)
{
    out o = {.a = a, .md = markdown};
    char title[600];
    snprintf(title, sizeof title, "%s: %s", f->status == FORM_DRAFT ? "DRAFT" : "SPECIMEN",
             f->title.s);
    heading(&o, title, '=');
    const char *li = markdown ? "- " : "";
    putf(&o, "%sForm: %s, version %s, %s\n", li, f->id.s, f->version.s,
         f->kind == FORM_CONSENT ? "consent" : "handout");
    putf(&o, "%sStatus: %s", li, f->status == FORM_DRAFT ? "draft (not for patients)" : "approved");
    if (f->approved_by.s)
        putf(&o, " by %s", f->approved_by.s);
    if (f->approved_on.s)
        putf(&o, " on %s", f->approved_on.s);
    put(&o, "\n", 1);
    putf(&o, "%sLanguage: %s\n", li, f->language.s);
    putf(&o, "%sWording fingerprint: %s\n", li, f->fingerprint);
    putf(&o, "%sReading grade (%s, target %d or below):\n", li,
         r && r->nsections ? readability_formula(&r->sections[0].r) : "Flesch-Kincaid",
         f->reading_grade);
    for (size_t i = 0; r && i < r->nsections; i++) {
        const check_section *s = &r->sections[i];
        putf(&o, "%s  %s%5.1f  %s (%zu words)%s\n", markdown ? "  " : "", markdown ? "- " : "",
             s->r.grade, s->title, s->r.words, s->above ? "  <- above target" : "");
    }
    put(&o, "\n", 1);
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
            put(&o, "\n", 1);
            break;
        case BLOCK_CHECKBOXES:
            for (size_t k = 0; k < b->nitems; k++)
                item(&o, markdown ? "- [ ] " : "  [ ] ", &b->items[k], false);
            put(&o, "\n", 1);
            break;
        case BLOCK_PATIENT_ID:
            for (size_t k = 0; k < b->nfields; k++)
                putf(&o, "%s%s: {{patient.%s}}\n", li, patient_field_name(b->fields[k]),
                     patient_field_name(b->fields[k]));
            put(&o, "\n", 1);
            break;
        case BLOCK_SIGNATURES:
            for (size_t k = 0; k < b->nsigs; k++) {
                const form_signature *s = &b->sigs[k];
                putf(&o, "%sSignature of %s: ________________", li, s->role.s);
                if (s->date)
                    put(&o, "  Date: ________", 16);
                if (s->time)
                    put(&o, "  Time: ______", 14);
                put(&o, "\n", 1);
                if (s->printed_name)
                    putf(&o, "%s  Printed name: ________________\n", markdown ? "  " : "");
                for (size_t j = 0; j < s->nextra; j++)
                    putf(&o, "%s  %s: ________________\n", markdown ? "  " : "", s->extra[j].s);
            }
            put(&o, "\n", 1);
            break;
        case BLOCK_BOOKING_QR:
            putf(&o, "%s[QR code: %s]\n\n", li, b->text.s ? b->text.s : "booking link");
            break;
        case BLOCK_PAGE_BREAK:
            break;
        }
    }
    return o.oom ? NULL : o.s;
}
