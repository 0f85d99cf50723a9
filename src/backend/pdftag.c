/*
 * pdftag.c — see pdftag.h.
 *
 * The tree, by the boxes' roles:
 *
 *   Document
 *     Sect (a form; /Lang when not the document's)
 *       Figure (the logo, on the form's first page; the clinic's name as Alt)
 *       P (the letterhead), H1 (the title), H2 (a heading), P (a paragraph)
 *       L > LI > Lbl, LBody (bullets; benefits, risks, alternatives, whose
 *           LBody holds the initials box as a Figure; checkboxes, whose Lbl
 *           is the box to tick as a Figure)
 *       Table > TR > TH (Scope Row), TD (the patient's facts)
 *       Div > Div > P (the signature block: a group per signer, described by
 *           its labels; a P per label)
 *       P (a QR code's caption), Link > Figure (the code; Alt says what it
 *           is and where it leads) and the link's OBJR, P (its URL)
 *       Div (/Lang) > H3, P (an entry of the language notice)
 *     and inside any of them a Span with its own /Lang for a run of text
 *     in a script the form's language does not write (a name in Arabic on
 *     an English form).
 *
 * Everything else drawn (the running header and footer, rules, signature
 * lines, watermarks, highlights, the logo on later pages) is an artifact.
 * Elements are made before drawing, in the order the boxes come; an
 * element's kids are sorted by the piece they belong to (form, seq, part),
 * so that the tree reads in the forms' order whatever the pages did, and
 * its marked content keeps the order it was drawn in.
 */
#include "pdftag.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uloc.h>
#include <unicode/uscript.h>

#include "utf8.h"

/* An entry of an element's /K in drawing order: marked content on a page,
 * an annotation (OBJR), or an inline kid (a Span). */
typedef struct kitem {
    pdftag_elem *kid;
    uint32_t page;  /* the page object */
    int32_t mcid;   /* -1: the annotation below */
    uint32_t annot; /* the annotation object */
} kitem;

struct pdftag_elem {
    const char *s;   /* its type: "P", "H1", "LI"... */
    pdftag_elem *up; /* its parent; NULL for the Document */
    int form, seq;   /* what it is made of, for the order of kids */
    unsigned part;
    pdftag_elem **kids; /* block kids, sorted at pdftag_finish() */
    size_t nkids, capkids;
    kitem *k;
    size_t nk, capk;
    uint32_t pg; /* the page of its first marked content (/Pg), or 0 */
    const char *alt, *lang;
    mp_buf group_alt; /* a signer's labels, for the group's /Alt */
    bool scope_row;   /* a TH of a row */
    bool is_inline;   /* a Span among its parent's marked content */
    uint32_t num;     /* its object number, set at pdftag_finish() */
};

/* A key of the map from what boxes are to the element made for them. */
typedef struct slot {
    uint64_t key;
    pdftag_elem *e;
} slot;

/* An entry of the parent tree: a page's elements by MCID, or the element
 * of an annotation. */
typedef struct parent {
    int key;
    size_t page; /* index in pages, or SIZE_MAX for an annotation */
    pdftag_elem *annot_elem;
} parent;

typedef struct tag_page {
    uint32_t num; /* its object */
    pdftag_elem **mc;
    size_t nmc, capmc;
} tag_page;

/* The scripts a language is written in, and the language a script's text
 * is most likely in, remembered. */
#define SCRIPTS_MAX 8
typedef struct script_lang {
    UScriptCode script;
    const char *lang;
} script_lang;

struct pdftag {
    arena *a;
    const layout_doc *doc;
    const char *lang, *logo_alt;
    pdftag_elem *root;
    pdftag_elem **all;
    size_t nall, capall;
    slot *map;
    size_t slots, used;
    bool oom;
    pdftag_elem ***box_elems; /* the element of each box, by page */
    /* The list chunks form one L while they follow each other. */
    pdftag_elem *list;
    int list_form, list_seq;
    lrole list_role;
    /* Drawing. */
    tag_page *pages;
    size_t cur;
    int mcid, next_key;
    parent *parents;
    size_t nparents, capparents;
    /* The scripts of the language of the page last asked about. */
    bool scripts_known;
    const char *scripts_of;
    UScriptCode scripts[SCRIPTS_MAX];
    int nscripts;
    script_lang seen[SCRIPTS_MAX];
    int nseen;
};

/* Appends one element of size sz to the arena array *v; false (and t->oom)
 * when out of memory. */
static bool push(pdftag *t, void **v, size_t *n, size_t *cap, size_t sz)
{
    if (*n == *cap) {
        void *nv = arena_grow(t->a, *v, cap, *n + 1, sz);
        if (!nv)
            return !(t->oom = true);
        *v = nv;
    }
    (*n)++;
    return true;
}

static uint64_t key_of(int form, int seq, unsigned code)
{
    return ((uint64_t)(unsigned)(form + 1) << 44 | (uint64_t)(unsigned)(seq + 2) << 20 | code) + 1;
}

/* The slot of key, or the empty slot it would take. */
static size_t slot_of(const pdftag *t, uint64_t key)
{
    size_t s = (size_t)((key * 0x9E3779B97F4A7C15u) >> 32) & (t->slots - 1);
    while (t->map[s].key && t->map[s].key != key)
        s = (s + 1) & (t->slots - 1);
    return s;
}

static pdftag_elem *lookup(const pdftag *t, uint64_t key)
{
    if (!t->slots)
        return NULL;
    size_t s = slot_of(t, key);
    return t->map[s].key ? t->map[s].e : NULL;
}

/* Remembers e for key; e is returned (NULL when out of memory). */
static pdftag_elem *store(pdftag *t, uint64_t key, pdftag_elem *e)
{
    if (!e)
        return NULL;
    if (2 * (t->used + 1) > t->slots) {
        size_t n = t->slots ? t->slots * 2 : 512;
        slot *old = t->map;
        size_t old_n = t->slots;
        if (!(t->map = arena_array(t->a, n, sizeof *t->map))) {
            t->map = old;
            t->oom = true;
            return NULL;
        }
        t->slots = n;
        for (size_t i = 0; i < old_n; i++)
            if (old[i].key)
                t->map[slot_of(t, old[i].key)] = old[i];
    }
    size_t s = slot_of(t, key);
    if (!t->map[s].key)
        t->used++;
    t->map[s] = (slot){key, e};
    return e;
}

/* A new element of type s under up (NULL: the Document), made of piece
 * seq of form, part part; a block kid of up unless is_inline. NULL when
 * out of memory. */
static pdftag_elem *elem_new(pdftag *t, pdftag_elem *up, const char *s, int form, int seq,
                             unsigned part, bool is_inline)
{
    pdftag_elem *e = arena_alloc(t->a, sizeof *e);
    if (!e || !push(t, (void **)&t->all, &t->nall, &t->capall, sizeof *t->all)) {
        t->oom = true;
        return NULL;
    }
    t->all[t->nall - 1] = e;
    e->s = s;
    e->up = up;
    e->form = form;
    e->seq = seq;
    e->part = part;
    e->is_inline = is_inline;
    buf_init(&e->group_alt, t->a);
    if (up && !is_inline) {
        if (!push(t, (void **)&up->kids, &up->nkids, &up->capkids, sizeof *up->kids))
            return NULL;
        up->kids[up->nkids - 1] = e;
    }
    return e;
}

/* The element for key under up, made as type s the first time. */
static pdftag_elem *elem_at(pdftag *t, pdftag_elem *up, const char *s, int form, int seq,
                            unsigned part, unsigned code)
{
    if (!up)
        return NULL;
    uint64_t key = key_of(form, seq, code);
    pdftag_elem *e = lookup(t, key);
    return e ? e : store(t, key, elem_new(t, up, s, form, seq, part, false));
}

/* ---- names in another script ------------------------------------------ */

/* Han in any of its forms is one script here: a Chinese form writes a
 * Japanese name's kanji. */
static UScriptCode plain_script(UScriptCode s)
{
    return s == USCRIPT_SIMPLIFIED_HAN || s == USCRIPT_TRADITIONAL_HAN ? USCRIPT_HAN : s;
}

/* The scripts lang is written in (ICU's table), Japanese and Korean as
 * the scripts they mix. */
static void scripts_for(pdftag *t, const char *lang)
{
    t->scripts_known = true;
    t->scripts_of = lang;
    UErrorCode st = U_ZERO_ERROR;
    UScriptCode got[SCRIPTS_MAX];
    int n = uscript_getCode(lang ? lang : "en", got, SCRIPTS_MAX, &st);
    t->nscripts = 0;
    for (int i = 0; U_SUCCESS(st) && i < n && t->nscripts < SCRIPTS_MAX - 3; i++) {
        if (got[i] == USCRIPT_JAPANESE) {
            t->scripts[t->nscripts++] = USCRIPT_HAN;
            t->scripts[t->nscripts++] = USCRIPT_HIRAGANA;
            t->scripts[t->nscripts++] = USCRIPT_KATAKANA;
        } else if (got[i] == USCRIPT_KOREAN) {
            t->scripts[t->nscripts++] = USCRIPT_HANGUL;
            t->scripts[t->nscripts++] = USCRIPT_HAN;
        } else {
            t->scripts[t->nscripts++] = plain_script(got[i]);
        }
    }
}

/* The language text[0..len) is likely in when its first letter is in a
 * script the page's language lang does not write ("ar" for an Arabic
 * name on an English form), else NULL. */
static const char *foreign_lang(pdftag *t, const char *text, size_t len, const char *lang)
{
    UScriptCode s = USCRIPT_COMMON;
    for (size_t i = 0; i < len && (s == USCRIPT_COMMON || s == USCRIPT_INHERITED);) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x80) {
            /* Most text starts with a Latin letter or a digit: no ICU. */
            s = (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? USCRIPT_LATIN : USCRIPT_COMMON;
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = utf8_decode(text + i, len - i, &cp);
        i += k ? k : 1;
        UErrorCode st = U_ZERO_ERROR;
        s = uscript_getScript((UChar32)cp, &st);
        if (U_FAILURE(st))
            s = USCRIPT_COMMON;
    }
    s = plain_script(s);
    if (s == USCRIPT_COMMON || s == USCRIPT_INHERITED || s == USCRIPT_UNKNOWN)
        return NULL;
    if (!t->scripts_known || t->scripts_of != lang)
        scripts_for(t, lang);
    for (int i = 0; i < t->nscripts; i++)
        if (t->scripts[i] == s)
            return NULL;
    for (int i = 0; i < t->nseen; i++)
        if (t->seen[i].script == s)
            return t->seen[i].lang;
    /* "und-Arab" -> "ar-Arab-EG": CLDR's likely subtags. */
    char und[16], likely[ULOC_FULLNAME_CAPACITY], out[ULOC_LANG_CAPACITY];
    snprintf(und, sizeof und, "und_%s", uscript_getShortName(s));
    UErrorCode st = U_ZERO_ERROR;
    uloc_addLikelySubtags(und, likely, sizeof likely, &st);
    int32_t n = U_SUCCESS(st) ? uloc_getLanguage(likely, out, sizeof out, &st) : 0;
    if (U_FAILURE(st) || n <= 0 || strcmp(out, "und") == 0)
        return NULL;
    const char *l = arena_strdup(t->a, out);
    if (!l)
        t->oom = true;
    else if (t->nseen < SCRIPTS_MAX)
        t->seen[t->nseen++] = (script_lang){s, l};
    return l;
}

/* ---- the tree, from the boxes ----------------------------------------- */

/* The list (L) a list chunk goes in: the one before it while list chunks of
 * the same kind follow each other in a form. */
static pdftag_elem *list_for(pdftag *t, pdftag_elem *sect, const lbox *b, int form)
{
    if (!t->list || t->list_form != form || t->list_role != b->role ||
        (b->seq != t->list_seq && b->seq != t->list_seq + 1)) {
        t->list = elem_new(t, sect, "L", form, b->seq, 0, false);
        t->list_form = form;
        t->list_role = b->role;
    }
    t->list_seq = b->seq;
    return t->list;
}

/* A figure under up for box b, which says what it is (b->alt). */
static pdftag_elem *figure(pdftag *t, pdftag_elem *up, const lbox *b, int form, unsigned code)
{
    pdftag_elem *fig = elem_at(t, up, "Figure", form, b->seq, b->part, code);
    if (fig && b->alt)
        fig->alt = b->alt;
    return fig;
}

static pdftag_elem *list_item(pdftag *t, pdftag_elem *sect, const lbox *b, int form)
{
    int seq = b->seq;
    pdftag_elem *li = lookup(t, key_of(form, seq, 4));
    if (!li) {
        pdftag_elem *l = list_for(t, sect, b, form);
        li = l ? store(t, key_of(form, seq, 4), elem_new(t, l, "LI", form, seq, 0, false)) : NULL;
    }
    if (!li)
        return NULL;
    if (b->part == LPART_LABEL) {
        pdftag_elem *lbl = elem_at(t, li, "Lbl", form, seq, LPART_LABEL, 5);
        return lbl && b->kind == LBOX_RECT ? figure(t, lbl, b, form, 6) : lbl;
    }
    pdftag_elem *body = elem_at(t, li, "LBody", form, seq, LPART_BODY, 7);
    if (!body || b->part != LPART_INITIALS)
        return body;
    /* The initials box and the word under it are one figure. */
    return b->kind == LBOX_RECT ? figure(t, body, b, form, 8)
                                : elem_at(t, body, "Figure", form, seq, LPART_INITIALS, 8);
}

static pdftag_elem *table_cell(pdftag *t, pdftag_elem *sect, const lbox *b, int form)
{
    if (b->part < LPART_CELL)
        return NULL;
    unsigned row = (b->part - LPART_CELL) / 2, col = (b->part - LPART_CELL) % 2;
    pdftag_elem *table = elem_at(t, sect, "Table", form, b->seq, 0, 9);
    pdftag_elem *tr =
        table ? elem_at(t, table, "TR", form, b->seq, LPART_CELL + 2 * row, 16 + 4 * row) : NULL;
    pdftag_elem *cell =
        tr ? elem_at(t, tr, col ? "TD" : "TH", form, b->seq, b->part, 17 + 4 * row + col) : NULL;
    if (cell && !col)
        cell->scope_row = true;
    return cell;
}

static pdftag_elem *signature(pdftag *t, pdftag_elem *sect, const lbox *b, int form)
{
    if (b->part < LPART_CELL || b->kind != LBOX_TEXT)
        return NULL; /* the lines to write on */
    unsigned signer = (b->part - LPART_CELL) / 16;
    pdftag_elem *block = elem_at(t, sect, "Div", form, b->seq, 0, 10);
    pdftag_elem *one =
        block ? elem_at(t, block, "Div", form, b->seq, LPART_CELL + 16 * signer, 1u << 19 | signer)
              : NULL;
    if (!one)
        return NULL;
    /* The group is described by its labels: "Signature of patient or
     * legal representative, Date, Time". */
    mp_buf *g = &one->group_alt;
    bool more_of_label = lookup(t, key_of(form, b->seq, 1u << 18 | b->part)) != NULL;
    if (g->len)
        buf_puts(g, more_of_label ? " " : ", ");
    buf_put(g, b->text, b->len);
    if (g->oom)
        t->oom = true;
    return elem_at(t, one, "P", form, b->seq, b->part, 1u << 18 | b->part);
}

static pdftag_elem *qr(pdftag *t, pdftag_elem *sect, const lbox *b, int form)
{
    if (b->part == LPART_CAPTION || b->part == LPART_URL)
        return elem_at(t, sect, "P", form, b->seq, b->part, 11 + b->part);
    if (b->part != LPART_SYMBOL)
        return NULL;
    pdftag_elem *link = elem_at(t, sect, "Link", form, b->seq, b->part, 12);
    return link && b->kind == LBOX_QR ? figure(t, link, b, form, 13) : link;
}

static pdftag_elem *notice_entry(pdftag *t, pdftag_elem *sect, const lpage *pg, const lbox *b,
                                 int form)
{
    if (b->part < LPART_CELL)
        return NULL;
    unsigned entry = (b->part - LPART_CELL) / 2;
    uint64_t dk = key_of(form, b->seq, 1u << 17 | entry);
    pdftag_elem *div = lookup(t, dk);
    if (!div) {
        div = store(t, dk, elem_new(t, sect, "Div", form, b->seq, LPART_CELL + 2 * entry, false));
        if (div && b->lang && (!pg->lang || strcmp(b->lang, pg->lang) != 0))
            div->lang = b->lang;
    }
    bool name = (b->part - LPART_CELL) % 2 == 0;
    return div ? elem_at(t, div, name ? "H3" : "P", form, b->seq, b->part, 1u << 16 | b->part)
               : NULL;
}

/* The element box b of page pg belongs to, made the first time. */
static pdftag_elem *classify(pdftag *t, const lpage *pg, const lbox *b)
{
    int form = pg->form_index, seq = b->seq;
    if (b->kind == LBOX_WATERMARK || b->kind == LBOX_HIGHLIGHT || b->kind == LBOX_LINE)
        return NULL;
    if (b->kind != LBOX_IMAGE && (b->role == LROLE_PAGE || b->role == LROLE_PATIENT))
        return NULL; /* the running header and footer */
    pdftag_elem *sect = lookup(t, key_of(form, -2, 1));
    if (!sect) {
        sect = store(t, key_of(form, -2, 1), elem_new(t, t->root, "Sect", form, -2, 0, false));
        /* A Sect says its form's language when it is not the document's (a
         * page of no language is the program's own English: a review's
         * cover page). */
        const char *lang = pg->lang ? pg->lang : "en", *doc = t->lang ? t->lang : "en";
        if (sect && strcmp(lang, doc) != 0)
            sect->lang = lang;
    }
    if (!sect)
        return NULL;
    if (b->kind == LBOX_IMAGE) {
        /* The logo, once per form: on later pages it decorates. */
        if (lookup(t, key_of(form, -2, 2)))
            return NULL;
        pdftag_elem *logo =
            store(t, key_of(form, -2, 2), elem_new(t, sect, "Figure", form, -1, 0, false));
        if (logo)
            logo->alt = t->logo_alt ? t->logo_alt : "Logo";
        return logo;
    }
    switch (b->role) {
    case LROLE_LETTERHEAD:
    case LROLE_TEXT:
        return elem_at(t, sect, "P", form, seq, 0, 3);
    case LROLE_TITLE:
        return elem_at(t, sect, "H1", form, seq, 0, 3);
    case LROLE_HEADING:
        return elem_at(t, sect, "H2", form, seq, 0, 3);
    case LROLE_BULLET:
    case LROLE_ITEM:
    case LROLE_CHECKBOX:
        return list_item(t, sect, b, form);
    case LROLE_FIELDS:
        return table_cell(t, sect, b, form);
    case LROLE_SIGNATURES:
        return signature(t, sect, b, form);
    case LROLE_QR:
        return qr(t, sect, b, form);
    case LROLE_NOTICE:
        return notice_entry(t, sect, pg, b, form);
    default:
        return NULL;
    }
}

pdftag *pdftag_new(arena *a, const layout_doc *doc, const char *lang, const char *logo_alt)
{
    pdftag *t = arena_alloc(a, sizeof *t);
    if (!t)
        return NULL;
    t->a = a;
    t->doc = doc;
    t->lang = lang;
    t->logo_alt = logo_alt;
    t->root = elem_new(t, NULL, "Document", -1, -2, 0, false);
    t->box_elems = arena_array(a, doc->npages ? doc->npages : 1, sizeof *t->box_elems);
    t->pages = arena_array(a, doc->npages ? doc->npages : 1, sizeof *t->pages);
    if (!t->root || !t->box_elems || !t->pages)
        return NULL;
    for (size_t p = 0; p < doc->npages && !t->oom; p++) {
        const lpage *pg = &doc->pages[p];
        if (!(t->box_elems[p] = arena_array(a, pg->nboxes ? pg->nboxes : 1, sizeof **t->box_elems)))
            return NULL;
        for (size_t i = 0; i < pg->nboxes && !t->oom; i++) {
            const lbox *b = &pg->boxes[i];
            pdftag_elem *e = classify(t, pg, b);
            /* A run in a script the form's language does not write is a
             * Span in its own language. */
            const char *other = e && b->kind == LBOX_TEXT && b->role != LROLE_NOTICE
                                    ? foreign_lang(t, b->text, b->len, pg->lang)
                                    : NULL;
            if (other) {
                pdftag_elem *span = elem_new(t, e, "Span", e->form, e->seq, e->part, true);
                if (span)
                    span->lang = other;
                e = span;
            }
            t->box_elems[p][i] = e;
        }
    }
    return t->oom ? NULL : t;
}

bool pdftag_page(pdftag *t, size_t p, HPDF_Page page)
{
    t->cur = p;
    t->mcid = 0;
    t->pages[p].num = pdfwrite_num(page);
    if (!push(t, (void **)&t->parents, &t->nparents, &t->capparents, sizeof *t->parents))
        return false;
    t->parents[t->nparents - 1] = (parent){.key = t->next_key, .page = p};
    if (HPDF_Dict_AddNumber(page, "StructParents", t->next_key++) != HPDF_OK ||
        HPDF_Dict_AddName(page, "Tabs", "S") != HPDF_OK)
        return !(t->oom = true);
    return true;
}

pdftag_elem *pdftag_elem_of(const pdftag *t, const lbox *b)
{
    const lpage *pg = &t->doc->pages[t->cur];
    if (b < pg->boxes || b >= pg->boxes + pg->nboxes)
        return NULL;
    return t->box_elems[t->cur][b - pg->boxes];
}

/* Adds item to e's /K; an inline kid goes into its parent's the first
 * time it has content. */
static bool add_k(pdftag *t, pdftag_elem *e, kitem item)
{
    if (e->is_inline && e->nk == 0 &&
        !add_k(t, e->up, (kitem){.kid = e, .page = item.page, .mcid = -1}))
        return false;
    if (!e->pg && !item.kid)
        e->pg = item.page;
    if (!push(t, (void **)&e->k, &e->nk, &e->capk, sizeof *e->k))
        return false;
    e->k[e->nk - 1] = item;
    return true;
}

bool pdftag_begin(pdftag *t, pdftag_elem *e, bool header_footer, mp_buf *c)
{
    if (!e) {
        buf_puts(c, header_footer ? "/Artifact <</Type /Pagination>> BDC\n" : "/Artifact BMC\n");
        return !c->oom;
    }
    tag_page *pg = &t->pages[t->cur];
    int id = t->mcid++;
    buf_putc(c, '/');
    buf_puts(c, e->s);
    buf_puts(c, " <</MCID ");
    pdfwrite_uint(c, (unsigned)id);
    buf_puts(c, ">> BDC\n");
    if (!push(t, (void **)&pg->mc, &pg->nmc, &pg->capmc, sizeof *pg->mc))
        return false;
    pg->mc[pg->nmc - 1] = e;
    return add_k(t, e, (kitem){.page = pg->num, .mcid = id}) && !c->oom;
}

bool pdftag_annot(pdftag *t, pdftag_elem *e, HPDF_Annotation a)
{
    if (!e)
        return true;
    if (!push(t, (void **)&t->parents, &t->nparents, &t->capparents, sizeof *t->parents))
        return false;
    t->parents[t->nparents - 1] = (parent){.key = t->next_key, .page = SIZE_MAX, .annot_elem = e};
    if (!add_k(t, e, (kitem){.page = t->pages[t->cur].num, .mcid = -1, .annot = pdfwrite_num(a)}))
        return false;
    if (HPDF_Dict_AddNumber(a, "StructParent", t->next_key++) != HPDF_OK)
        return !(t->oom = true);
    /* What the link opens, as its figure says it. */
    const char *what = NULL;
    for (size_t i = 0; i < e->nkids && !what; i++)
        what = e->kids[i]->alt;
    if (!what)
        return true;
    mp_buf s;
    buf_init(&s, t->a);
    pdfwrite_utf16(&s, what, strlen(what));
    /* libharu has no text string of its own: a binary is written as hex,
     * which a UTF-16 text string may be. */
    bool ok = !s.oom && HPDF_Dict_Add(a, "Contents",
                                      HPDF_Binary_New(a->mmgr, (HPDF_BYTE *)s.data,
                                                      (HPDF_UINT)s.len)) == HPDF_OK;
    return ok || !(t->oom = true);
}

/* ---- writing ---------------------------------------------------------- */

static int by_piece(const void *x, const void *y)
{
    const pdftag_elem *a = *(pdftag_elem *const *)x, *b = *(pdftag_elem *const *)y;
    if (a->form != b->form)
        return a->form < b->form ? -1 : 1;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    if (a->part != b->part)
        return a->part < b->part ? -1 : 1;
    return 0;
}

static void put_elem(mp_buf *b, const pdftag_elem *e, uint32_t root_num)
{
    buf_puts(b, "<</S/");
    buf_puts(b, e->s);
    buf_puts(b, "/P ");
    pdfwrite_ref(b, e->up ? e->up->num : root_num);
    if (e->pg) {
        buf_puts(b, "/Pg ");
        pdfwrite_ref(b, e->pg);
    }
    if (e->nk + e->nkids) {
        buf_puts(b, "/K[");
        for (size_t i = 0; i < e->nk; i++) {
            const kitem *k = &e->k[i];
            if (i)
                buf_putc(b, ' ');
            if (k->kid) {
                pdfwrite_ref(b, k->kid->num);
            } else if (k->mcid < 0) {
                buf_puts(b, "<</Type/OBJR/Obj ");
                pdfwrite_ref(b, k->annot);
                buf_puts(b, "/Pg ");
                pdfwrite_ref(b, k->page);
                buf_puts(b, ">>");
            } else if (k->page == e->pg) {
                pdfwrite_uint(b, (unsigned)k->mcid);
            } else {
                buf_puts(b, "<</Type/MCR/Pg ");
                pdfwrite_ref(b, k->page);
                buf_puts(b, "/MCID ");
                pdfwrite_uint(b, (unsigned)k->mcid);
                buf_puts(b, ">>");
            }
        }
        for (size_t i = 0; i < e->nkids; i++) {
            if (i || e->nk)
                buf_putc(b, ' ');
            pdfwrite_ref(b, e->kids[i]->num);
        }
        buf_putc(b, ']');
    }
    const char *alt = e->group_alt.len ? e->group_alt.data : e->alt;
    if (alt) {
        buf_puts(b, "/Alt");
        pdfwrite_text(b, alt, e->group_alt.len ? e->group_alt.len : strlen(alt));
    }
    if (e->lang) {
        buf_puts(b, "/Lang");
        pdfwrite_text(b, e->lang, strlen(e->lang));
    }
    if (e->scope_row)
        buf_puts(b, "/A<</O/Table/Scope/Row>>");
    buf_puts(b, ">>");
}

static const char xmp_head[] =
    "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
    "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
    "xmlns:pdfuaid=\"http://www.aiim.org/pdfua/ns/id/\">\n"
    "<pdfuaid:part>1</pdfuaid:part>\n";

static void put_xml(mp_buf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '<')
            buf_puts(b, "&lt;");
        else if (*s == '>')
            buf_puts(b, "&gt;");
        else if (*s == '&')
            buf_puts(b, "&amp;");
        else if (*s == '"')
            buf_puts(b, "&quot;");
        else
            buf_putc(b, *s);
    }
}

/* The XMP metadata stream: the title, the language and the PDF/UA
 * identification, as PDF/UA-1 (5) asks. */
static bool add_metadata(pdftag *t, HPDF_Doc pdf, const char *title)
{
    mp_buf x;
    buf_init(&x, t->a);
    buf_puts(&x, xmp_head);
    buf_puts(&x, "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">");
    put_xml(&x, title);
    buf_puts(&x, "</rdf:li></rdf:Alt></dc:title>\n");
    if (t->lang) {
        buf_puts(&x, "<dc:language><rdf:Bag><rdf:li>");
        put_xml(&x, t->lang);
        buf_puts(&x, "</rdf:li></rdf:Bag></dc:language>\n");
    }
    buf_puts(&x, "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"r\"?>");
    HPDF_Dict meta = x.oom ? NULL : HPDF_DictStream_New(pdf->mmgr, pdf->xref);
    if (!meta)
        return false;
    meta->filter = HPDF_STREAM_FILTER_NONE; /* readable as it is, as XMP asks */
    return HPDF_Dict_AddName(meta, "Type", "Metadata") == HPDF_OK &&
           HPDF_Dict_AddName(meta, "Subtype", "XML") == HPDF_OK &&
           HPDF_Stream_Write(meta->stream, (const HPDF_BYTE *)x.data, (HPDF_UINT)x.len) ==
               HPDF_OK &&
           HPDF_Dict_Add(pdf->catalog, "Metadata", meta) == HPDF_OK;
}

bool pdftag_finish(pdftag *t, HPDF_Doc pdf, const char *title, pdfwrite_extra *x)
{
    if (t->oom || !add_metadata(t, pdf, title))
        return false;
    /* Numbers: the StructTreeRoot, then the elements as they were made. */
    uint32_t root_num = pdfwrite_next(pdf);
    for (size_t i = 0; i < t->nall; i++) {
        t->all[i]->num = root_num + 1 + (uint32_t)i;
        if (t->all[i]->nkids > 1)
            qsort(t->all[i]->kids, t->all[i]->nkids, sizeof *t->all[i]->kids, by_piece);
    }
    uint32_t *at = arena_array(t->a, t->nall + 1, sizeof *at);
    mp_buf b;
    buf_init(&b, t->a);
    if (!at)
        return false;
    at[0] = 0;
    buf_puts(&b, "<</Type/StructTreeRoot/K ");
    pdfwrite_ref(&b, t->root->num);
    buf_puts(&b, "/ParentTree<</Nums[");
    for (size_t i = 0; i < t->nparents; i++) {
        const parent *p = &t->parents[i];
        if (i)
            buf_putc(&b, ' ');
        pdfwrite_uint(&b, (unsigned)p->key);
        buf_putc(&b, ' ');
        if (p->page == SIZE_MAX) {
            pdfwrite_ref(&b, p->annot_elem->num);
            continue;
        }
        const tag_page *pg = &t->pages[p->page];
        buf_putc(&b, '[');
        for (size_t k = 0; k < pg->nmc; k++) {
            if (k)
                buf_putc(&b, ' ');
            pdfwrite_ref(&b, pg->mc[k]->num);
        }
        buf_putc(&b, ']');
    }
    buf_putf(&b, "]>>/ParentTreeNextKey %d>>", t->next_key);
    for (size_t i = 0; i < t->nall; i++) {
        at[i + 1] = (uint32_t)b.len;
        put_elem(&b, t->all[i], root_num);
    }
    mp_buf cat;
    buf_init(&cat, t->a);
    buf_puts(&cat, "/StructTreeRoot ");
    pdfwrite_ref(&cat, root_num);
    buf_puts(&cat, "/MarkInfo<</Marked true>>/ViewerPreferences<</DisplayDocTitle true>>");
    if (b.oom || cat.oom)
        return false;
    *x = (pdfwrite_extra){.body = b.data,
                          .len = b.len,
                          .at = at,
                          .n = t->nall + 1,
                          .catalog = cat.data,
                          .catalog_len = cat.len};
    return true;
}
