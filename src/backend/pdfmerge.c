/*
 * pdfmerge.c — see pdfmerge.h.
 *
 * Reading. An input is parsed in place, from its end: startxref gives the
 * cross-reference table, the table gives each object's byte offset, the
 * trailer names the catalog, and the catalog's /Pages is the root of the
 * page tree, walked in order to list the pages. One small recursive-descent
 * parser over PDF's token syntax does all of it. It knows literal strings
 * (nested parentheses, backslash escapes), hex strings, names and comments,
 * so "5 0 R" inside a URI stays text. Every offset, length and nesting depth
 * is checked against the buffer: whatever this module did not expect from
 * libharu is EX_SOFTWARE "cannot merge: ...", never a read out of bounds.
 *
 * PDF 1.5 (7.5.7, 7.5.8). startxref may point to a cross-reference stream
 * instead: its dictionary is the trailer, its entries (any /W, /Index
 * subsections, FlateDecode with or without a PNG predictor) give a plain
 * object's offset or a compressed object's object stream and index. The
 * parser then reads from a view: the file, or one object's part of an
 * inflated object stream (from its offset to the next object's), so
 * nothing reads past an object and a compressed object that goes on into
 * "stream" is caught. Object streams are inflated once, on first use, and
 * kept until the input is done; every header pair, offset and index is
 * checked before anything is written, and all inflating of an input stops
 * at MAX_INFLATE. No /Prev (no incremental update), no object stream
 * inside another, no stream's /Length in an object stream that would need
 * itself. The xref stream and the object streams are the input's own
 * structure and are not copied.
 *
 * What is copied. Only what an input's pages lead to: a walk from each page
 * follows every reference of its dictionary (/Contents, /Resources, /Annots
 * ...) and of whatever that reaches, at any depth, except the back-links
 * that lead up out of the page: a page's /Parent (the merged tree replaces
 * the input's, and above it is the catalog) and an annotation's /P (its
 * page, which must be one: pages are where the walk starts, so no reference
 * to a page is followed). What only the catalog holds is left behind: the
 * structure tree of a tagged (PDF/UA) input, its XMP /Metadata, outlines,
 * names. The print file is for a printer, not a screen reader, and drops the
 * catalog's /MarkInfo and /StructTreeRoot, so copying the tree would only
 * leave orphans; its elements point down at pages (/Pg) and annotations
 * (an OBJR's /Obj) but nothing on a page points at them, and a walk that
 * meets one anyway (a /Type /StructTreeRoot, /StructElem, /OBJR or /MCR) is
 * an error rather than a tree dragged along. For the same reason a page's
 * /StructParents and an annotation's or form XObject's /StructParent, keys
 * into that tree's parent tree, are dropped from what is copied (/Tabs /S
 * stays: it only orders the annotations). The walk reads each object it
 * reaches once, before any is written; its stack holds each object at most
 * once.
 *
 * Writing. The objects reached, with the pages, take the next free numbers
 * of the output in their original order and are copied as they are, except
 * that every indirect reference is renumbered, each page's /Parent points
 * into the merged tree and the /StructParent(s) entries are left out. The
 * output is PDF 1.4 in form, whatever the inputs: a classic table, and a
 * compressed object becomes a plain "N 0 obj ... endobj" like any other. Stream data
 * is copied verbatim, by /Length (which libharu writes as an indirect object
 * after the stream, so that object is read first). Output goes through a
 * fixed buffer to outfile; kept until commit are only an offset per output
 * object and a number per page (and per leaf of the page tree); while an
 * input is read, a role and number per object of it and the walk's stack.
 *
 * The merged page tree is balanced, PAGE_FANOUT kids per node, rather than
 * one /Kids array with every page: a day's packets run to tens of thousands
 * of pages, readers and print servers find a page by walking the tree, and
 * older consumers cap arrays at 8191 elements (PDF Reference, appendix C).
 * A page's leaf is known when the page is copied (page k goes under leaf
 * k / PAGE_FANOUT, numbered when its first page arrives); the levels above
 * the leaves are numbered and written at commit.
 *
 * Rows. pdfmerge_add_row records where a row's pages start; the commit
 * writes them as the catalog's /PageLabels (a flat /Nums, "row N, page ").
 * pdfmerge_src reads such a file once (cross-reference, page list, labels,
 * in a dry merge of its own) and pdfmerge_add_src_row copies one row's
 * pages from it: the walk starts from those pages only, the file's other
 * pages take ROLE_PAGE_OUT (not followed, and a reference to one is an
 * error), and what was reached for an earlier row is reached anew. Objects
 * no page shares are copied once; the cost per row is a pass over the
 * file's object table.
 *
 * A failed add may have written part of an input, so the merge is then
 * spent: further adds and the commit fail, and only abort is left.
 */
#include "pdfmerge.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "outfile.h"
#include "utf8.h"

enum {
    PAGE_FANOUT = 32,
    MAX_NESTING = 32,    /* arrays and dictionaries inside one object */
    MAX_TREE_DEPTH = 32, /* levels of an input's page tree */
    MAX_TREE_LEVELS = 8, /* of the merged tree: 32^6 leaves is past MAX_OBJECTS */
    OUT_BUF_SIZE = 256 * 1024,
    STARTXREF_WINDOW = 1024, /* "startxref" is this close to the end */
};

/* ISO 32000-1 annex C: the largest object number a reader must accept. */
#define MAX_OBJECTS 8388607u
/* A cross-reference entry has ten digits for the offset. */
#define MAX_OFFSET 9999999999ull
/* fail() without a byte position. */
#define NO_POS ((size_t)-1)
/* Bytes one input's cross-reference and object streams may inflate to, in
 * all: they hold dictionaries only (a packet's come to some kilobytes), and
 * a few kilobytes of flate data can claim gigabytes. */
#define MAX_INFLATE ((size_t)64 << 20)

/* Returns from the calling function when a step fails. */
#define TRY(expr)                                                                                  \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

/* ---- Tokens and values ---- */

typedef enum {
    T_END,     /* end of the input */
    T_INT,     /* unsigned integer: an object number, a generation, a length */
    T_NUM,     /* any other number */
    T_KEYWORD, /* true, false, null, R, obj, stream, ... */
    T_NAME,
    T_STRING, /* literal or hex */
    T_ARRAY,
    T_ARRAY_END,
    T_DICT,
    T_DICT_END,
    T_REF, /* a parsed value only: "N G R" */
} tkind;

/* A token, or a whole value once parsed (an array or dictionary spans up to
 * its closing bracket). */
typedef struct tok {
    tkind kind;
    size_t start, end; /* bytes [start, end) of the input */
    uint64_t num;      /* T_INT: the value; T_REF: the object number */
    uint64_t gen;      /* T_REF */
} tok;

/* Dictionary keys the merge looks at, in the top-level dictionary of an
 * object or the trailer. */
enum {
    KEY_NONE = -1,
    KEY_LENGTH,
    KEY_PARENT,
    KEY_TYPE,
    KEY_KIDS,
    KEY_COUNT,
    KEY_PAGES,
    KEY_VERSION,
    KEY_ROOT,
    KEY_INFO,
    KEY_SIZE,
    KEY_PREV,
    KEY_ENCRYPT,
    KEY_XREFSTM,
    /* Attributes a page inherits from its page-tree nodes. */
    KEY_RESOURCES,
    KEY_MEDIABOX,
    KEY_CROPBOX,
    KEY_ROTATE,
    /* Cross-reference and object streams. */
    KEY_W,
    KEY_INDEX,
    KEY_FILTER,
    KEY_DECODEPARMS,
    KEY_OBJCOUNT, /* /N */
    KEY_FIRST,
    /* An annotation's link back to its page; keys into the parent tree of
     * the input's structure tree. */
    KEY_P,
    KEY_STRUCTPARENT,
    KEY_STRUCTPARENTS,
    /* A merged file's rows (pdfmerge_add_row). */
    KEY_PAGELABELS,
    KEY_NUMS,
    KEY_N,
};

static const char *const key_names[KEY_N] = {
    [KEY_LENGTH] = "/Length",
    [KEY_PARENT] = "/Parent",
    [KEY_TYPE] = "/Type",
    [KEY_KIDS] = "/Kids",
    [KEY_COUNT] = "/Count",
    [KEY_PAGES] = "/Pages",
    [KEY_VERSION] = "/Version",
    [KEY_ROOT] = "/Root",
    [KEY_INFO] = "/Info",
    [KEY_SIZE] = "/Size",
    [KEY_PREV] = "/Prev",
    [KEY_ENCRYPT] = "/Encrypt",
    [KEY_XREFSTM] = "/XRefStm",
    [KEY_RESOURCES] = "/Resources",
    [KEY_MEDIABOX] = "/MediaBox",
    [KEY_CROPBOX] = "/CropBox",
    [KEY_ROTATE] = "/Rotate",
    [KEY_W] = "/W",
    [KEY_INDEX] = "/Index",
    [KEY_FILTER] = "/Filter",
    [KEY_DECODEPARMS] = "/DecodeParms",
    [KEY_OBJCOUNT] = "/N",
    [KEY_FIRST] = "/First",
    [KEY_P] = "/P",
    [KEY_STRUCTPARENT] = "/StructParent",
    [KEY_STRUCTPARENTS] = "/StructParents",
    [KEY_PAGELABELS] = "/PageLabels",
    [KEY_NUMS] = "/Nums",
};

/* ---- The merge ---- */

/* ROLE_OBJSTM and ROLE_SKIP (a cross-reference stream, an object stream
 * no entry uses) are containers of the input's own structure: the output
 * has a classic table and plain objects, so they are not copied. Nor is
 * ROLE_UNUSED, an object no page leads to (the structure tree, the XMP
 * metadata, whatever else only the catalog holds). */
typedef enum {
    ROLE_FREE,
    ROLE_COPY,
    ROLE_UNUSED,
    ROLE_PAGE,
    ROLE_TREE,
    ROLE_CATALOG,
    ROLE_INFO,
    ROLE_OBJSTM,
    ROLE_SKIP,
    ROLE_PAGE_OUT, /* a page of a source outside the range being added */
} obj_role;

/* One object of the input being added. */
typedef struct in_obj {
    size_t off;      /* of "N G obj"; compressed: its index in its object stream */
    uint32_t newnum; /* in the output (ROLE_COPY, ROLE_PAGE) */
    uint32_t page;   /* ROLE_PAGE: index of the page in the merge; ROLE_OBJSTM:
                        1 + its slot in reader.stms once inflated, else 0 */
    uint32_t stm;    /* compressed: the number of its object stream; else 0 */
    uint16_t gen;
    uint8_t role; /* obj_role */
} in_obj;

/* Where a row's pages start in a merged file: its /PageLabels. */
typedef struct row_label {
    size_t page;
    long row;
} row_label;

struct pdfmerge {
    outfile *out;
    unsigned char *buf; /* OUT_BUF_SIZE bytes not yet handed to outfile */
    size_t used;
    uint64_t flushed; /* bytes handed to outfile */
    uint64_t *off;    /* off[n]: byte offset of output object n (0: not written yet) */
    size_t off_cap;
    uint32_t nobj;   /* output objects numbered so far, counting 0 */
    uint32_t *pages; /* output object number of each page, in order */
    size_t npages, pages_cap;
    uint32_t *leaves; /* leaf k of the page tree holds pages [k*FANOUT, (k+1)*FANOUT) */
    size_t nleaves, leaves_cap;
    in_obj *tab; /* the current input's objects; reused */
    size_t tab_cap;
    uint32_t *todo; /* objects reached but not yet read; reused */
    size_t todo_cap;
    int version;       /* highest PDF version of the inputs, times ten */
    int failed;        /* status of a failed add: the merge is spent */
    row_label *labels; /* each row's first page (pdfmerge_add_row), in page order */
    size_t nlabels, labels_cap;
    bool dry; /* pdfmerge_check: everything is read, nothing written */
};

/* Fixed numbers of the objects written at commit. */
enum { OBJ_CATALOG = 1, OBJ_INFO = 2 };

/* An object stream, inflated: the objects of an input's xref-stream entries
 * of type 2 are read from here. */
typedef struct objstm {
    unsigned char *data;
    size_t len;
    uint32_t n;     /* its /N */
    uint32_t *nums; /* object number of each of the n objects */
    size_t *offs;   /* where each starts in data (its offset plus /First); rising */
} objstm;

/* Bytes being parsed: the input file, or one object's part of an inflated
 * object stream. */
typedef struct view {
    const unsigned char *p;
    size_t len;
    uint32_t stm; /* the object stream, 0 for the file */
} view;

/* An input being read; while m is set, its object is being copied. Token
 * positions are in the view of the moment. */
typedef struct reader {
    const unsigned char *p; /* the view: p, len, stm */
    size_t len;
    uint32_t stm;
    const unsigned char *file; /* the whole input */
    size_t file_len;
    objstm *stms; /* inflated so far; freed when the input is done */
    size_t nstms, stms_cap;
    size_t inflated; /* bytes, against MAX_INFLATE */
    in_obj *obj;
    uint32_t nobj; /* the trailer's /Size */
    mp_err *err;
    tok top[KEY_N]; /* entries of the last top-level dictionary parsed; T_END if absent */
    pdfmerge *m;
    size_t cursor;      /* input before this has been written */
    uint32_t parent_to; /* copying a page: its leaf in the merged tree */
    int parents;        /* /Parent entries so rewritten */
    uint32_t *todo;     /* while set, the objects' references are followed */
    size_t ntodo;       /* (reach_ref) and what they reach is pushed here */
    bool at_page;       /* the object being followed is a page */
} reader;

static int oom(mp_err *err)
{
    return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
}

/* What went wrong at byte `at` of the view (NO_POS: nowhere in particular). */
static int fail(const reader *r, size_t at, const char *what)
{
    if (at == NO_POS)
        return err_set(r->err, EX_SOFTWARE, NULL, 0, 0, "cannot merge: %s", what);
    if (r->stm)
        return err_set(r->err, EX_SOFTWARE, NULL, 0, 0,
                       "cannot merge: %s at byte %zu of object stream %u (inflated)", what, at,
                       r->stm);
    return err_set(r->err, EX_SOFTWARE, NULL, 0, 0, "cannot merge: %s at byte %zu", what, at);
}

/* What went wrong with object num, whatever the view. */
static int fail_obj(const reader *r, uint32_t num, const char *what)
{
    const in_obj *o = &r->obj[num];
    if (o->stm)
        return err_set(r->err, EX_SOFTWARE, NULL, 0, 0,
                       "cannot merge: %s (object %u, in object stream %u)", what, num, o->stm);
    return err_set(r->err, EX_SOFTWARE, NULL, 0, 0, "cannot merge: %s at byte %zu", what, o->off);
}

static view get_view(const reader *r)
{
    return (view){r->p, r->len, r->stm};
}

static void set_view(reader *r, view v)
{
    r->p = v.p;
    r->len = v.len;
    r->stm = v.stm;
}

static void view_file(reader *r)
{
    set_view(r, (view){r->file, r->file_len, 0});
}

/* Makes room for need elements of size elem in *p. */
static int grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            return -1;
        n *= 2;
    }
    void *q = realloc(*(void **)p, n * elem);
    if (!q)
        return -1;
    *(void **)p = q;
    *cap = n;
    return 0;
}

/* ---- Output ---- */

static int flush(pdfmerge *m, mp_err *err)
{
    if (m->used == 0 || m->dry)
        return 0;
    TRY(outfile_put(m->out, m->buf, m->used, err));
    m->flushed += m->used;
    m->used = 0;
    return 0;
}

static int emit(pdfmerge *m, const void *p, size_t n, mp_err *err)
{
    if (m->dry) {
        m->flushed += n; /* offsets are still checked against the 10 GB limit */
        return 0;
    }
    if (n > OUT_BUF_SIZE - m->used) {
        TRY(flush(m, err));
        if (n >= OUT_BUF_SIZE) {
            TRY(outfile_put(m->out, p, n, err));
            m->flushed += n;
            return 0;
        }
    }
    memcpy(m->buf + m->used, p, n);
    m->used += n;
    return 0;
}

static int emit_str(pdfmerge *m, const char *s, mp_err *err)
{
    return emit(m, s, strlen(s), err);
}

static int emit_u64(pdfmerge *m, uint64_t v, mp_err *err)
{
    char b[20];
    size_t i = sizeof b;
    do
        b[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    return emit(m, b + i, sizeof b - i, err);
}

/* " N 0 R" */
static int emit_ref(pdfmerge *m, uint32_t num, mp_err *err)
{
    TRY(emit_u64(m, num, err));
    return emit(m, " 0 R", 4, err);
}

static uint64_t out_pos(const pdfmerge *m)
{
    return m->flushed + m->used;
}

/* Records that object num starts here and writes "num 0 obj". */
static int begin_object(pdfmerge *m, uint32_t num, mp_err *err)
{
    uint64_t at = out_pos(m);
    if (at > MAX_OFFSET)
        return err_set(err, EX_SOFTWARE, NULL, 0, 0,
                       "cannot merge: the output passes 10 GB, more than a PDF can address");
    m->off[num] = at;
    TRY(emit_u64(m, num, err));
    return emit(m, " 0 obj\n", 7, err);
}

/* Takes the next object number of the output; it is written later. */
static int reserve(pdfmerge *m, uint32_t *num, mp_err *err)
{
    if (m->nobj > MAX_OBJECTS)
        return err_set(err, EX_SOFTWARE, NULL, 0, 0,
                       "cannot merge: more than %u objects, the most a PDF reader must accept",
                       MAX_OBJECTS);
    if (grow(&m->off, &m->off_cap, (size_t)m->nobj + 1, sizeof *m->off))
        return oom(err);
    m->off[m->nobj] = 0;
    *num = m->nobj++;
    return 0;
}

/* ---- Lexing ---- */

/* Character classes of 7.2.2, one lookup a byte: every byte of every
 * dictionary goes through here, in the walk from the pages and again in the
 * copy, so a chain of comparisons a byte showed in profiles. */
enum { C_SPACE = 1, C_DELIM = 2 };
static const unsigned char char_class[256] = {
    ['\0'] = C_SPACE, ['\t'] = C_SPACE, ['\n'] = C_SPACE, ['\f'] = C_SPACE,
    ['\r'] = C_SPACE, [' '] = C_SPACE,  ['('] = C_DELIM,  [')'] = C_DELIM,
    ['<'] = C_DELIM,  ['>'] = C_DELIM,  ['['] = C_DELIM,  [']'] = C_DELIM,
    ['{'] = C_DELIM,  ['}'] = C_DELIM,  ['/'] = C_DELIM,  ['%'] = C_DELIM,
};

static inline bool is_space(unsigned char c)
{
    return char_class[c] & C_SPACE;
}

static inline bool is_regular(unsigned char c)
{
    return char_class[c] == 0;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Skips white space and comments. */
static size_t skip_space(const reader *r, size_t pos)
{
    while (pos < r->len) {
        unsigned char c = r->p[pos];
        if (is_space(c)) {
            pos++;
        } else if (c == '%') {
            while (pos < r->len && r->p[pos] != '\n' && r->p[pos] != '\r')
                pos++;
        } else {
            break;
        }
    }
    return pos;
}

/* Reads the token at or after *pos and moves *pos past it. */
static int lex(const reader *r, size_t *pos, tok *t)
{
    const unsigned char *p = r->p;
    size_t n = r->len, i = skip_space(r, *pos);
    t->start = t->end = i;
    t->num = t->gen = 0;
    t->kind = T_END; /* also when a failure returns: no field is left unset */
    if (i == n) {
        t->kind = T_END;
        t->end = *pos = i;
        return 0;
    }
    switch (p[i]) {
    case '(': {
        /* Balanced parentheses need no escape inside a literal string. */
        size_t depth = 1;
        for (i++; i < n && depth > 0; i++) {
            if (p[i] == '\\')
                i++; /* the escaped byte, whatever it is */
            else if (p[i] == '(')
                depth++;
            else if (p[i] == ')')
                depth--;
        }
        if (depth > 0)
            return fail(r, t->start, "unterminated string");
        t->kind = T_STRING;
        break;
    }
    case '<':
        if (i + 1 < n && p[i + 1] == '<') {
            t->kind = T_DICT;
            i += 2;
            break;
        }
        for (i++; i < n && p[i] != '>'; i++)
            if (!is_hex(p[i]) && !is_space(p[i]))
                return fail(r, i, "bad hex string");
        if (i == n)
            return fail(r, t->start, "unterminated hex string");
        i++;
        t->kind = T_STRING;
        break;
    case '>':
        if (i + 1 < n && p[i + 1] == '>') {
            t->kind = T_DICT_END;
            i += 2;
            break;
        }
        return fail(r, i, "unexpected '>'");
    case '[':
        t->kind = T_ARRAY;
        i++;
        break;
    case ']':
        t->kind = T_ARRAY_END;
        i++;
        break;
    case '/':
        for (i++; i < n && is_regular(p[i]); i++)
            ;
        t->kind = T_NAME;
        break;
    case ')':
    case '{':
    case '}':
        return fail(r, i, "unexpected delimiter");
    default: {
        /* Eighteen digits cannot overflow; longer runs are no offset or
         * object number of a real file, so they are just "a number". */
        bool digits = true;
        uint64_t v = 0;
        size_t s = i;
        for (; i < n && is_regular(p[i]); i++) {
            if (is_digit(p[i]) && i - s < 18)
                v = v * 10 + (uint64_t)(p[i] - '0');
            else
                digits = false;
        }
        if (digits) {
            t->kind = T_INT;
            t->num = v;
        } else if (is_digit(p[s]) || p[s] == '+' || p[s] == '-' || p[s] == '.') {
            t->kind = T_NUM;
        } else {
            t->kind = T_KEYWORD;
        }
    }
    }
    t->end = *pos = i;
    return 0;
}

static bool tok_is(const reader *r, const tok *t, tkind kind, const char *text)
{
    size_t n = strlen(text);
    return t->kind == kind && t->end - t->start == n && memcmp(r->p + t->start, text, n) == 0;
}

static bool is_kw(const reader *r, const tok *t, const char *kw)
{
    return tok_is(r, t, T_KEYWORD, kw);
}

/* ---- Parsing ---- */

/* The input object a reference names, or NULL when there is none. */
static in_obj *lookup(const reader *r, const tok *ref)
{
    if (ref->kind != T_REF || ref->num >= r->nobj)
        return NULL;
    in_obj *o = &r->obj[ref->num];
    return o->role != ROLE_FREE && o->gen == ref->gen ? o : NULL;
}

/* Copying: writes the input up to reference v, then v renumbered. */
static int rewrite_ref(reader *r, const tok *v, int key)
{
    const in_obj *o = lookup(r, v);
    if (!o)
        return fail(r, v->start, "reference to an object the file does not have");
    uint32_t to;
    if (key == KEY_PARENT && r->parent_to) {
        if (o->role != ROLE_TREE)
            return fail(r, v->start, "a page's /Parent is not a page-tree node");
        to = r->parent_to;
        r->parents++;
    } else if (o->role == ROLE_COPY || o->role == ROLE_PAGE) {
        to = o->newnum;
    } else if (o->role == ROLE_OBJSTM || o->role == ROLE_SKIP) {
        return fail(r, v->start, "reference to an object stream or a cross-reference stream");
    } else if (o->role == ROLE_PAGE_OUT) {
        return fail(r, v->start, "reference to a page of another row");
    } else if (o->role == ROLE_UNUSED) {
        /* reach_ref follows every reference but these; a guard. */
        return fail(r, v->start, "reference to an object no page leads to");
    } else {
        return fail(r, v->start, "reference to the catalog, the page tree or the info dictionary");
    }
    TRY(emit(r->m, r->p + r->cursor, v->start - r->cursor, r->err));
    TRY(emit_ref(r->m, to, r->err));
    r->cursor = v->end;
    return 0;
}

/* Following the references of an object (r->todo set): v is one, the
 * value of top-level key `key`. What is not yet reached is pushed to be
 * followed in turn. */
static int reach_ref(reader *r, const tok *v, int key)
{
    in_obj *o = lookup(r, v);
    if (!o)
        return fail(r, v->start, "reference to an object the file does not have");
    /* A page's /Parent leads up into the input's page tree, which the merged
     * tree replaces; up there is the catalog, and from it all the rest. */
    if (key == KEY_PARENT && r->at_page)
        return 0;
    /* An annotation's /P is a link back to its page: follow_object decides,
     * once it knows whether the object is an annotation. */
    if (key == KEY_P)
        return 0;
    /* Pages are where the walk starts (ROLE_PAGE), so a reference to one
     * (an annotation's /P, a link's destination) is never followed again.
     * The catalog, page-tree nodes, info and the input's own streams are
     * not copied at all: copy_object refuses a reference to them. */
    if (o->role != ROLE_UNUSED)
        return 0;
    o->role = ROLE_COPY;
    r->todo[r->ntodo++] = (uint32_t)v->num; /* once per object: fits in r->nobj */
    return 0;
}

static int key_of(const reader *r, const tok *name, int *key)
{
    /* libharu writes keys plainly; an escaped one could hide a /Parent. */
    if (memchr(r->p + name->start, '#', name->end - name->start))
        return fail(r, name->start, "escaped name as a dictionary key");
    /* Every top-level key of every object comes here, in the walk from the
     * pages and in the copy: the first letter rules out most candidates
     * before tok_is measures them. No key is "/" alone. */
    unsigned char first = name->end - name->start > 1 ? r->p[name->start + 1] : 0;
    *key = KEY_NONE;
    for (int k = 0; k < KEY_N; k++)
        if ((unsigned char)key_names[k][1] == first && tok_is(r, name, T_NAME, key_names[k]))
            *key = k;
    return 0;
}

static int parse_rest(reader *r, size_t *pos, int depth, int key, tok *v);
static int drop_entry(reader *r, const tok *name, size_t *pos, int depth);

/* Parses the value at *pos. depth is 0 for an object's own value; key is
 * the top-level dictionary key the value belongs to, or KEY_NONE. */
static int parse_value(reader *r, size_t *pos, int depth, int key, tok *v)
{
    TRY(lex(r, pos, v));
    return parse_rest(r, pos, depth, key, v);
}

/* v is the first token of a value and *pos is just after it: reads the rest
 * (the "G R" of a reference, an array's or dictionary's contents). */
static int parse_rest(reader *r, size_t *pos, int depth, int key, tok *v)
{
    switch (v->kind) {
    case T_INT: {
        /* "N G R" or a number. Most integers are in arrays of numbers (a
         * font's /W, a /MediaBox), so the look ahead is by bytes, digits
         * then "R": lexing the next two tokens lexed each number thrice. */
        size_t at = skip_space(r, *pos), g_at = at;
        while (at < r->len && is_digit(r->p[at]))
            at++;
        if (at == g_at || (at < r->len && is_regular(r->p[at])))
            return 0;
        at = skip_space(r, at);
        if (at == r->len || r->p[at] != 'R' || (at + 1 < r->len && is_regular(r->p[at + 1])))
            return 0;
        tok g;
        TRY(lex(r, &g_at, &g));
        if (g.kind != T_INT)
            return 0; /* too many digits to be a generation */
        v->kind = T_REF;
        v->gen = g.num;
        v->end = *pos = at + 1;
        if (r->m)
            return rewrite_ref(r, v, key);
        return r->todo ? reach_ref(r, v, key) : 0;
    }
    case T_NUM:
    case T_NAME:
    case T_STRING:
        return 0;
    case T_KEYWORD:
        if (is_kw(r, v, "true") || is_kw(r, v, "false") || is_kw(r, v, "null"))
            return 0;
        return fail(r, v->start, "unexpected keyword");
    case T_ARRAY:
        if (depth >= MAX_NESTING)
            return fail(r, v->start, "arrays and dictionaries nested too deeply");
        for (;;) {
            tok e;
            TRY(lex(r, pos, &e));
            if (e.kind == T_ARRAY_END)
                break;
            TRY(parse_rest(r, pos, depth + 1, KEY_NONE, &e));
        }
        v->end = *pos;
        return 0;
    case T_DICT:
        if (depth >= MAX_NESTING)
            return fail(r, v->start, "arrays and dictionaries nested too deeply");
        if (depth == 0)
            for (int k = 0; k < KEY_N; k++)
                r->top[k].kind = T_END;
        for (;;) {
            tok name, val;
            int k = KEY_NONE;
            TRY(lex(r, pos, &name));
            if (name.kind == T_DICT_END)
                break;
            if (name.kind == T_END)
                return fail(r, name.start, "unexpected end of file");
            if (name.kind != T_NAME)
                return fail(r, name.start, "dictionary key is not a name");
            if (depth == 0)
                TRY(key_of(r, &name, &k));
            if (k == KEY_STRUCTPARENT || k == KEY_STRUCTPARENTS) {
                TRY(drop_entry(r, &name, pos, depth));
                continue;
            }
            TRY(parse_value(r, pos, depth + 1, k, &val));
            if (k != KEY_NONE)
                r->top[k] = val;
        }
        v->end = *pos;
        return 0;
    case T_END:
        return fail(r, v->start, "unexpected end of file");
    default:
        return fail(r, v->start, "unexpected ']' or '>>'");
    }
}

/* The top-level entry whose key is name and whose value is at *pos is read
 * but neither followed nor copied. A page's /StructParents and an
 * annotation's or form XObject's /StructParent(s) are keys into the input's
 * parent tree (14.7.4.4), which the merge leaves out: kept, they would point
 * into a tree the merged file does not have. */
static int drop_entry(reader *r, const tok *name, size_t *pos, int depth)
{
    pdfmerge *m = r->m;
    uint32_t *todo = r->todo;
    tok val;
    if (m)
        TRY(emit(m, r->p + r->cursor, name->start - r->cursor, r->err));
    r->m = NULL;
    r->todo = NULL;
    int rc = parse_value(r, pos, depth + 1, KEY_NONE, &val);
    r->m = m;
    r->todo = todo;
    TRY(rc);
    if (m)
        r->cursor = val.end;
    return 0;
}

/* Checks that "num gen obj" starts where the xref says; *pos goes past it.
 * The view is the file. */
static int open_object(const reader *r, uint32_t num, size_t *pos)
{
    const in_obj *o = &r->obj[num];
    size_t at = o->off;
    tok a, b, c;
    TRY(lex(r, &at, &a));
    TRY(lex(r, &at, &b));
    TRY(lex(r, &at, &c));
    if (a.start != o->off || a.kind != T_INT || a.num != num || b.kind != T_INT ||
        b.num != o->gen || !is_kw(r, &c, "obj"))
        return err_set(r->err, EX_SOFTWARE, NULL, 0, 0,
                       "cannot merge: object %u is not at byte %zu where the xref puts it", num,
                       o->off);
    *pos = at;
    return 0;
}

static int load_objstm(reader *r, uint32_t num, const objstm **out);

/* Points the view at object num, plain or compressed; *pos gets where its
 * value starts. A compressed object's view ends where the next object of
 * its stream starts, so nothing of it is read as part of another. */
static int enter_object(reader *r, uint32_t num, size_t *pos)
{
    const in_obj *o = &r->obj[num];
    if (!o->stm) {
        view_file(r);
        return open_object(r, num, pos);
    }
    const objstm *s = NULL;
    int rc = load_objstm(r, o->stm, &s);
    if (rc || !s) /* (s is set when rc is 0; said for the analyzer) */
        return rc ? rc : EX_SOFTWARE;
    if (o->off >= s->n)
        return fail_obj(r, num, "the xref puts an object past the /N of its object stream");
    size_t i = (size_t)o->off;
    if (s->nums[i] != num)
        return fail_obj(r, num, "the xref puts an object where its object stream has another");
    set_view(r, (view){s->data, i + 1 < s->n ? s->offs[i + 1] : s->len, o->stm});
    /* load_objstm filled offs[0..n) when it inflated the stream; the
     * analyzer cannot follow that across the calls. */
    *pos = s->offs[i]; // NOLINT(clang-analyzer-core.uninitialized.Assign)
    return 0;
}

/* After an object's value comes "endobj", or, for a compressed object, the
 * end of its view: whether kw is that. A compressed object that goes on is
 * an error, which *rc gets (0 otherwise). */
static bool at_endobj(const reader *r, const tok *kw, int *rc)
{
    *rc = 0;
    if (!r->stm)
        return is_kw(r, kw, "endobj");
    if (kw->kind == T_END)
        return true;
    *rc = fail(r, kw->start,
               is_kw(r, kw, "stream") ? "a compressed object claims to be a stream"
                                      : "a compressed object holds more than one value");
    return false;
}

/* Reads object num, which must be a dictionary without a stream; its
 * top-level entries are left in r->top, and the view at the object. */
static int read_dict_object(reader *r, uint32_t num, tok *v)
{
    size_t pos;
    tok kw;
    int rc;
    TRY(enter_object(r, num, &pos));
    TRY(parse_value(r, &pos, 0, KEY_NONE, v));
    TRY(lex(r, &pos, &kw));
    bool end = at_endobj(r, &kw, &rc);
    TRY(rc);
    if (v->kind != T_DICT || !end)
        return err_set(r->err, EX_SOFTWARE, NULL, 0, 0,
                       "cannot merge: object %u is not a dictionary", num);
    return 0;
}

/* The length of a stream: a direct integer or (libharu) an indirect one.
 * The view is as it was. */
static int stream_length(reader *r, const tok *len, uint64_t *out)
{
    if (len->kind == T_INT) {
        *out = len->num;
        return 0;
    }
    const in_obj *o = lookup(r, len);
    if (!o)
        return fail(r, len->start, "stream without a usable /Length");
    uint32_t num = (uint32_t)len->num;
    view was = get_view(r);
    size_t pos;
    tok v, kw;
    int rc;
    TRY(enter_object(r, num, &pos));
    TRY(parse_value(r, &pos, 0, KEY_NONE, &v));
    TRY(lex(r, &pos, &kw));
    bool end = at_endobj(r, &kw, &rc);
    TRY(rc);
    if (v.kind != T_INT || !end)
        return fail_obj(r, num, "a stream's /Length object is not an integer");
    set_view(r, was);
    *out = v.num;
    return 0;
}

/* kw is the "stream" keyword after a dictionary whose /Length is len, in
 * the file: *data and *n get where the data is and how long, *end where
 * "endstream" ends. Checks that "endstream endobj" follow the data. */
static int stream_data(reader *r, const tok *kw, const tok *len, size_t *data, size_t *n,
                       size_t *end)
{
    uint64_t length = 0;
    TRY(stream_length(r, len, &length));
    /* The keyword is followed by CRLF or LF, never CR alone (7.3.8.1). */
    size_t at = kw->end;
    if (at + 1 < r->len && r->p[at] == '\r' && r->p[at + 1] == '\n')
        at += 2;
    else if (at < r->len && r->p[at] == '\n')
        at += 1;
    else
        return fail(r, kw->end, "stream keyword not followed by an end of line");
    if (length > r->len - at)
        return fail(r, at, "stream data runs past the end of the file");
    size_t pos = at + (size_t)length;
    tok es, eo;
    TRY(lex(r, &pos, &es));
    if (!is_kw(r, &es, "endstream"))
        return fail(r, at, "stream data does not end where its /Length says");
    TRY(lex(r, &pos, &eo));
    if (!is_kw(r, &eo, "endobj"))
        return fail(r, eo.start, "object does not end with endobj");
    *data = at;
    *n = (size_t)length;
    *end = es.end;
    return 0;
}

/* ---- Cross-reference and object streams ---- */

/* An array of one element stands for the element (a /Filter, a
 * /DecodeParms); an empty one for nothing (T_END). */
static int only_element(reader *r, tok *v)
{
    if (v->kind != T_ARRAY)
        return 0;
    size_t pos = v->start + 1;
    tok e, close;
    TRY(lex(r, &pos, &e));
    if (e.kind == T_ARRAY_END) {
        v->kind = T_END;
        return 0;
    }
    TRY(parse_rest(r, &pos, 1, KEY_NONE, &e));
    TRY(lex(r, &pos, &close));
    if (close.kind != T_ARRAY_END)
        return fail(r, v->start, "a stream with more than one filter");
    *v = e;
    return 0;
}

/* The value of key in dictionary d (T_END if absent). */
static int dict_get(reader *r, const tok *d, const char *key, tok *out)
{
    size_t pos = d->start + 2;
    out->kind = T_END;
    out->start = d->start;
    for (;;) {
        tok name, val;
        TRY(lex(r, &pos, &name));
        if (name.kind == T_DICT_END)
            return 0;
        if (name.kind != T_NAME)
            return fail(r, name.start, "dictionary key is not a name");
        TRY(parse_value(r, &pos, 1, KEY_NONE, &val));
        if (tok_is(r, &name, T_NAME, key))
            *out = val;
    }
}

/* An integer entry of a /DecodeParms dictionary, or def. */
static int parm(reader *r, const tok *d, const char *key, uint64_t def, uint64_t *out)
{
    tok v;
    *out = def;
    if (d->kind != T_DICT)
        return 0;
    TRY(dict_get(r, d, key, &v));
    if (v.kind == T_END)
        return 0;
    if (v.kind != T_INT)
        return fail(r, v.start, "a /DecodeParms entry is not an integer");
    *out = v.num;
    return 0;
}

/* Inflates in[0..n) (zlib format) into *out, *outlen, failing rather than
 * going past cap bytes. num names the stream in messages. */
static int inflate_capped(reader *r, uint32_t num, const unsigned char *in, size_t n, size_t cap,
                          unsigned char **out, size_t *outlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK)
        return oom(r->err);
    /* One byte more than allowed, to tell "exactly cap" from "more". */
    size_t limit = cap + 1, size = 0, have = 0;
    unsigned char *buf = NULL;
    int rc = 0, zrc = Z_OK;
    while (!rc && zrc != Z_STREAM_END) {
        if (have == size) {
            if (size == limit) {
                rc = err_set(r->err, EX_SOFTWARE, NULL, 0, 0,
                             "cannot merge: stream %u inflates to more than %zu bytes", num, cap);
                break;
            }
            size_t ns = size ? size * 2 : 4096;
            if (ns > limit || ns < size)
                ns = limit;
            unsigned char *nb = realloc(buf, ns);
            if (!nb) {
                rc = oom(r->err);
                break;
            }
            buf = nb;
            size = ns;
        }
        if (zs.avail_in == 0 && n > 0) {
            uInt chunk = n > UINT_MAX ? UINT_MAX : (uInt)n;
            zs.next_in = (Bytef *)(uintptr_t)in; /* zlib does not write it */
            zs.avail_in = chunk;
            in += chunk;
            n -= chunk;
        }
        size_t room = size - have;
        zs.next_out = buf + have;
        zs.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
        uInt before = zs.avail_out;
        zrc = inflate(&zs, Z_NO_FLUSH);
        have += before - zs.avail_out;
        if (zrc == Z_STREAM_END || zrc == Z_OK)
            continue;
        if (zrc == Z_BUF_ERROR && zs.avail_out == 0)
            continue; /* only out of room */
        rc = err_set(r->err, EX_SOFTWARE, NULL, 0, 0,
                     "cannot merge: stream %u does not inflate (%s)", num,
                     zrc == Z_BUF_ERROR ? "truncated"
                     : zs.msg           ? zs.msg
                                        : "bad data");
    }
    inflateEnd(&zs);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    *outlen = have;
    return 0;
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes a PNG predictor (7.4.4.4) on d[0..*n) in place: rows of one
 * filter-type byte and `columns` bytes become rows of `columns` bytes. */
static int unpredict(reader *r, uint32_t num, unsigned char *d, size_t *n, size_t columns)
{
    size_t row = columns + 1;
    if (*n % row != 0)
        return err_set(r->err, EX_SOFTWARE, NULL, 0, 0,
                       "cannot merge: stream %u is not whole rows of its predictor", num);
    size_t rows = *n / row;
    for (size_t y = 0; y < rows; y++) {
        unsigned char type = d[y * row];
        const unsigned char *in = d + y * row + 1;
        unsigned char *o = d + y * columns; /* never past in: decoded in place */
        const unsigned char *up = y ? o - columns : NULL;
        if (type > 4)
            return err_set(r->err, EX_SOFTWARE, NULL, 0, 0,
                           "cannot merge: stream %u has a bad PNG predictor row", num);
        for (size_t x = 0; x < columns; x++) {
            int a = x ? o[x - 1] : 0, b = up ? up[x] : 0, c = x && up ? up[x - 1] : 0;
            int pred = type == 1   ? a
                       : type == 2 ? b
                       : type == 3 ? (a + b) / 2
                       : type == 4 ? paeth(a, b, c)
                                   : 0;
            o[x] = (unsigned char)(in[x] + pred);
        }
    }
    *n = rows * columns;
    return 0;
}

/* The data of stream num, d[at, at + n) of the file, decoded by its /Filter
 * and /DecodeParms (tokens of the file; T_END if absent) into *out (malloc'd),
 * counted against MAX_INFLATE. FlateDecode, with or without a PNG predictor,
 * is what PDF writers put on cross-reference and object streams. */
static int decode_stream(reader *r, uint32_t num, size_t at, size_t n, tok filter, tok parms,
                         unsigned char **out, size_t *outlen)
{
    size_t cap = MAX_INFLATE - r->inflated;
    TRY(only_element(r, &filter));
    TRY(only_element(r, &parms));
    unsigned char *d = NULL;
    size_t len = 0;
    if (filter.kind == T_END) {
        if (n > cap)
            return err_set(r->err, EX_SOFTWARE, NULL, 0, 0,
                           "cannot merge: stream %u is longer than %zu bytes", num, cap);
        if (!(d = malloc(n ? n : 1)))
            return oom(r->err);
        memcpy(d, r->p + at, n);
        len = n;
    } else {
        if (!tok_is(r, &filter, T_NAME, "/FlateDecode"))
            return fail(r, filter.start, "a stream filter other than /FlateDecode");
        if (parms.kind != T_END && parms.kind != T_DICT && !is_kw(r, &parms, "null"))
            return fail(r, parms.start, "bad /DecodeParms");
        uint64_t predictor, columns, colors, bits;
        TRY(parm(r, &parms, "/Predictor", 1, &predictor));
        TRY(parm(r, &parms, "/Columns", 1, &columns));
        TRY(parm(r, &parms, "/Colors", 1, &colors));
        TRY(parm(r, &parms, "/BitsPerComponent", 8, &bits));
        if (predictor != 1 && (predictor < 10 || predictor > 15 || colors != 1 || bits != 8 ||
                               columns == 0 || columns > cap))
            return fail(r, parms.start, "a predictor other than PNG on bytes");
        TRY(inflate_capped(r, num, r->p + at, n, cap, &d, &len));
        if (predictor != 1) {
            int rc = unpredict(r, num, d, &len, (size_t)columns);
            if (rc) {
                free(d);
                return rc;
            }
        }
    }
    r->inflated += len;
    *out = d;
    *outlen = len;
    return 0;
}

/* Inflates object stream num (ROLE_OBJSTM) on first use and checks its
 * header: /N pairs "object offset" before /First, offsets rising and inside
 * the data. *out is valid until the next load; its data until the input is
 * done. */
static int load_objstm(reader *r, uint32_t num, const objstm **out)
{
    in_obj *o = &r->obj[num];
    if (o->role != ROLE_OBJSTM)
        return fail_obj(r, num, "an object stream the xref does not use as one");
    if (o->page) {
        *out = &r->stms[o->page - 1];
        return 0;
    }
    size_t pos, at, n, end;
    tok v, kw;
    view_file(r);
    TRY(open_object(r, num, &pos));
    TRY(parse_value(r, &pos, 0, KEY_NONE, &v));
    tok count = r->top[KEY_OBJCOUNT], first = r->top[KEY_FIRST], len = r->top[KEY_LENGTH],
        filter = r->top[KEY_FILTER], parms = r->top[KEY_DECODEPARMS];
    if (v.kind != T_DICT || !tok_is(r, &r->top[KEY_TYPE], T_NAME, "/ObjStm"))
        return fail_obj(r, num, "an object stream without /Type /ObjStm");
    if (count.kind != T_INT || first.kind != T_INT)
        return fail_obj(r, num, "an object stream without /N or /First");
    /* Its length inside an object stream could need this very stream. */
    const in_obj *lo = lookup(r, &len);
    if (lo && lo->stm)
        return fail_obj(r, num, "an object stream whose /Length is in an object stream");
    TRY(lex(r, &pos, &kw));
    if (!is_kw(r, &kw, "stream"))
        return fail_obj(r, num, "an object stream that is no stream");
    TRY(stream_data(r, &kw, &len, &at, &n, &end));

    if (grow(&r->stms, &r->stms_cap, r->nstms + 1, sizeof *r->stms))
        return oom(r->err);
    objstm *s = &r->stms[r->nstms++];
    memset(s, 0, sizeof *s); /* freed with the reader from here on */
    TRY(decode_stream(r, num, at, n, filter, parms, &s->data, &s->len));
    if (first.num > s->len)
        return fail_obj(r, num, "an object stream whose /First is past its end");
    /* A pair takes four bytes at least ("1 0 "), so /N past that cannot be
     * right and would only make a large allocation. */
    if (count.num > (first.num + 1) / 4)
        return fail_obj(r, num, "an object stream whose /N does not fit before /First");
    s->n = (uint32_t)count.num;
    s->nums = malloc((s->n ? s->n : 1) * sizeof *s->nums);
    s->offs = malloc((s->n ? s->n : 1) * sizeof *s->offs);
    if (!s->nums || !s->offs)
        return oom(r->err);
    set_view(r, (view){s->data, (size_t)first.num, num});
    pos = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        tok a, b;
        TRY(lex(r, &pos, &a));
        TRY(lex(r, &pos, &b));
        if (a.kind != T_INT || b.kind != T_INT)
            return fail(r, a.start, "an object stream header with fewer than /N pairs");
        if (a.num == 0 || a.num > MAX_OBJECTS)
            return fail(r, a.start, "an object stream header with a bad object number");
        if (b.num >= s->len - first.num)
            return fail(r, b.start, "an object stream offset past its end");
        size_t off = (size_t)(first.num + b.num);
        if (i > 0 && off <= s->offs[i - 1])
            return fail(r, b.start, "object stream offsets out of order");
        s->nums[i] = (uint32_t)a.num;
        s->offs[i] = off;
    }
    TRY(lex(r, &pos, &kw));
    if (kw.kind != T_END)
        return fail(r, kw.start, "an object stream header with more than /N pairs");
    o->page = (uint32_t)r->nstms;
    *out = s;
    return 0;
}

/* Reads the big-endian field of w bytes at *p and moves *p past it. */
static uint64_t field(const unsigned char **p, uint64_t w, uint64_t def)
{
    if (w == 0)
        return def;
    uint64_t v = 0;
    for (uint64_t i = 0; i < w; i++)
        v = v << 8 | *(*p)++;
    return v;
}

/* The integers of array a (from the file), up to max of them, into out;
 * *n gets how many. */
static int int_array(reader *r, const tok *a, uint64_t *out, size_t max, size_t *n,
                     const char *what)
{
    if (a->kind != T_ARRAY)
        return fail(r, a->start, what);
    size_t pos = a->start + 1;
    *n = 0;
    for (;;) {
        tok t;
        TRY(lex(r, &pos, &t));
        if (t.kind == T_ARRAY_END)
            return 0;
        if (t.kind != T_INT || *n == max)
            return fail(r, a->start, what);
        out[(*n)++] = t.num;
    }
}

/* Reads the cross-reference stream whose dictionary's entries are in top
 * (the view is the file, *pos after the dictionary) into r->obj, whose
 * r->nobj entries (the /Size) are zeroed. xnum is its own number. */
static int read_xref_stream(reader *r, const tok *top, size_t pos, uint32_t xnum)
{
    uint64_t w[3] = {0, 0, 0}, sumw = 0;
    size_t nw = 0;
    TRY(int_array(r, &top[KEY_W], w, 3, &nw, "bad /W in the xref stream"));
    /* Eight bytes hold any offset; type 2's index fits in its field too. */
    if (nw != 3 || w[0] > 8 || w[1] > 8 || w[2] > 8 || w[0] + w[1] + w[2] == 0)
        return fail(r, top[KEY_W].start, "bad /W in the xref stream");
    sumw = w[0] + w[1] + w[2];

    /* /Index: pairs "first count", by default one for all of /Size. At
     * most /Size entries in all, each inside /Size. */
    uint64_t total = 0;
    size_t npairs = 1, ipos = 0;
    const tok *index = &top[KEY_INDEX];
    if (index->kind != T_END) {
        if (index->kind != T_ARRAY)
            return fail(r, index->start, "bad /Index in the xref stream");
        ipos = index->start + 1;
        npairs = 0;
    }
    for (size_t k = 0, p = ipos;; k++) {
        uint64_t start = 0, count = r->nobj;
        if (index->kind != T_END) {
            tok a, b;
            TRY(lex(r, &p, &a));
            if (a.kind == T_ARRAY_END)
                break;
            TRY(lex(r, &p, &b));
            if (a.kind != T_INT || b.kind != T_INT)
                return fail(r, index->start, "bad /Index in the xref stream");
            start = a.num;
            count = b.num;
            npairs++;
        } else if (k == 1) {
            break;
        }
        if (start > r->nobj || count > r->nobj - start || count > r->nobj - total)
            return fail(r, index->start, "an xref stream /Index past /Size");
        total += count;
    }

    tok kw;
    size_t at = 0, n = 0, end = 0;
    TRY(lex(r, &pos, &kw));
    if (!is_kw(r, &kw, "stream"))
        return fail(r, kw.start, "the xref stream is no stream");
    /* Its /Length cannot be in an object the xref stream has yet to list. */
    if (top[KEY_LENGTH].kind != T_INT)
        return fail(r, top[KEY_LENGTH].start, "the xref stream's /Length is not an integer");
    TRY(stream_data(r, &kw, &top[KEY_LENGTH], &at, &n, &end));
    unsigned char *d = NULL;
    size_t len = 0;
    TRY(decode_stream(r, xnum, at, n, top[KEY_FILTER], top[KEY_DECODEPARMS], &d, &len));
    if (!d) /* (set when decode_stream returns 0; said for the analyzer) */
        return EX_SOFTWARE;
    r->inflated -= len; /* freed below */
    int rc = 0;
    if (len != total * sumw)
        rc = fail(r, at, "xref stream data is not as long as its entries");

    const unsigned char *e = d;
    size_t p = ipos;
    for (size_t k = 0; k < npairs && !rc; k++) {
        uint64_t start = 0, count = r->nobj;
        if (index->kind != T_END) {
            tok a, b;
            (void)lex(r, &p, &a); /* read once already */
            (void)lex(r, &p, &b);
            start = a.num;
            count = b.num;
        }
        for (uint64_t i = 0; i < count && !rc; i++) {
            uint64_t type = field(&e, w[0], 1), f2 = field(&e, w[1], 0), f3 = field(&e, w[2], 0);
            uint32_t num = (uint32_t)(start + i);
            in_obj *o = &r->obj[num];
            /* Other types are references to null (7.5.8.3): free ones. */
            if (type != 1 && type != 2)
                continue;
            if (num == 0)
                rc = fail(r, NO_POS, "object 0 is listed as in use");
            else if (o->role != ROLE_FREE)
                rc = fail(r, NO_POS, "an object is listed twice in the xref stream");
            else if (type == 1 && (f2 >= r->file_len || f3 > 65535))
                rc = err_set(r->err, EX_SOFTWARE, NULL, 0, 0,
                             "cannot merge: the xref stream entry of object %u points past the "
                             "end of the file",
                             num);
            else if (type == 2 && (f2 == 0 || f2 >= r->nobj || f3 > MAX_OBJECTS))
                rc = err_set(r->err, EX_SOFTWARE, NULL, 0, 0,
                             "cannot merge: the xref stream entry of object %u names no object "
                             "stream the file can have",
                             num);
            if (rc)
                break;
            o->role = ROLE_COPY;
            if (type == 1) {
                o->off = (size_t)f2;
                o->gen = (uint16_t)f3;
            } else {
                o->stm = (uint32_t)f2;
                o->off = (size_t)f3;
            }
        }
    }
    free(d);
    return rc;
}

/* After an xref stream: marks the object streams, leaves out the streams
 * of the file's own structure, and checks that every compressed object is
 * where its entry says, all before anything is written. */
static int sort_xref_stream_objects(reader *r)
{
    for (uint32_t i = 1; i < r->nobj; i++) {
        const in_obj *o = &r->obj[i];
        if (o->role == ROLE_FREE || !o->stm)
            continue;
        in_obj *s = &r->obj[o->stm];
        if (s->role == ROLE_FREE)
            return fail_obj(r, i, "a compressed object in an object stream the file does not have");
        if (s->stm)
            return fail_obj(r, i, "an object stream inside an object stream");
        s->role = ROLE_OBJSTM;
    }
    /* The xref stream itself, and any object stream no entry points into. */
    for (uint32_t i = 1; i < r->nobj; i++) {
        in_obj *o = &r->obj[i];
        if (o->role != ROLE_COPY || o->stm)
            continue;
        size_t pos;
        tok v;
        TRY(open_object(r, i, &pos));
        TRY(parse_value(r, &pos, 0, KEY_NONE, &v));
        if (v.kind == T_DICT && (tok_is(r, &r->top[KEY_TYPE], T_NAME, "/XRef") ||
                                 tok_is(r, &r->top[KEY_TYPE], T_NAME, "/ObjStm")))
            o->role = ROLE_SKIP;
    }
    for (uint32_t i = 1; i < r->nobj; i++) {
        size_t pos;
        if (r->obj[i].role == ROLE_COPY && r->obj[i].stm)
            TRY(enter_object(r, i, &pos));
    }
    view_file(r);
    return 0;
}

/* ---- One input ---- */

static int read_header(const reader *r, int *version)
{
    const unsigned char *p = r->p;
    if (r->len < 8 || memcmp(p, "%PDF-", 5) != 0 || !is_digit(p[5]) || p[6] != '.' ||
        !is_digit(p[7]))
        return fail(r, NO_POS, "not a PDF (no %PDF-n.n header)");
    *version = (p[5] - '0') * 10 + (p[7] - '0');
    return 0;
}

static int find_startxref(const reader *r, size_t *xref)
{
    static const char kw[] = "startxref";
    const size_t n = sizeof kw - 1;
    if (r->len < n)
        return fail(r, NO_POS, "no startxref");
    size_t lo = r->len > STARTXREF_WINDOW ? r->len - STARTXREF_WINDOW : 0;
    for (size_t i = r->len - n + 1; i > lo;) {
        i--;
        if (memcmp(r->p + i, kw, n) == 0) {
            size_t pos = i + n;
            tok t;
            TRY(lex(r, &pos, &t));
            if (t.kind != T_INT || t.num >= r->len)
                return fail(r, t.start, "bad startxref");
            *xref = (size_t)t.num;
            return 0;
        }
    }
    return fail(r, NO_POS, "no startxref near the end of the file");
}

/* Reads the cross-reference table at `at`: checks its shape and, when fill
 * is set, enters each object in r->obj. *trailer gets the position after
 * "trailer"; *count 1 + the highest object number listed. */
static int read_xref(reader *r, size_t at, bool fill, size_t *trailer, uint64_t *count)
{
    size_t pos = at;
    tok t, c;
    TRY(lex(r, &pos, &t));
    if (t.start != at || !is_kw(r, &t, "xref"))
        return fail(r, at, "startxref does not point to an xref table");
    *count = 0;
    for (;;) {
        TRY(lex(r, &pos, &t));
        if (is_kw(r, &t, "trailer"))
            break;
        TRY(lex(r, &pos, &c));
        if (t.kind != T_INT || c.kind != T_INT)
            return fail(r, t.start, "bad xref subsection");
        if (t.num + c.num > (uint64_t)MAX_OBJECTS + 1)
            return fail(r, t.start, "object numbers too high");
        while (pos < r->len && is_space(r->p[pos]))
            pos++;
        /* Entries are exactly 20 bytes: "oooooooooo ggggg n" and a
         * two-byte end of line. */
        if (c.num > (r->len - pos) / 20)
            return fail(r, pos, "xref table runs past the end of the file");
        for (uint64_t i = 0; i < c.num; i++, pos += 20) {
            const unsigned char *e = r->p + pos;
            uint64_t off = 0, gen = 0;
            bool ok = e[10] == ' ' && e[16] == ' ' && (e[17] == 'n' || e[17] == 'f') &&
                      ((e[18] == ' ' && (e[19] == '\n' || e[19] == '\r')) ||
                       (e[18] == '\r' && e[19] == '\n'));
            for (int d = 0; d < 10 && ok; d++) {
                ok = is_digit(e[d]);
                off = off * 10 + (uint64_t)(e[d] - '0');
            }
            for (int d = 11; d < 16 && ok; d++) {
                ok = is_digit(e[d]);
                gen = gen * 10 + (uint64_t)(e[d] - '0');
            }
            if (!ok)
                return fail(r, pos, "bad xref entry");
            uint64_t num = t.num + i;
            if (!fill || e[17] == 'f')
                continue;
            if (num == 0)
                return fail(r, pos, "object 0 is listed as in use");
            in_obj *o = &r->obj[num];
            if (o->role != ROLE_FREE)
                return fail(r, pos, "an object is listed twice in the xref table");
            if (off >= r->len || gen > 65535)
                return fail(r, pos, "xref entry points past the end of the file");
            o->off = (size_t)off;
            o->gen = (uint16_t)gen;
            o->role = ROLE_COPY;
        }
        if (c.num && t.num + c.num > *count)
            *count = t.num + c.num;
    }
    *trailer = pos;
    return 0;
}

/* Enters the page-tree node or page ref names, in reading order. */
typedef struct tree_frame {
    uint32_t node;
    view at;           /* the node's, which pos is in */
    size_t pos;        /* next kid in the node's /Kids */
    size_t first_page; /* m->npages when the node was entered */
    uint64_t count;    /* its /Count */
} tree_frame;

static int visit(pdfmerge *m, reader *r, const tok *ref, tree_frame *stack, int *depth)
{
    in_obj *o = lookup(r, ref);
    if (!o)
        return fail(r, ref->start, "the page tree refers to an object the file does not have");
    if (o->role != ROLE_COPY)
        return fail(r, ref->start, "the page tree is not a tree");
    uint32_t num = (uint32_t)ref->num;
    tok v;
    TRY(read_dict_object(r, num, &v));
    const tok *type = &r->top[KEY_TYPE];
    if (tok_is(r, type, T_NAME, "/Page")) {
        if (m->npages >= MAX_OBJECTS)
            return fail(r, NO_POS, "too many pages");
        if (grow(&m->pages, &m->pages_cap, m->npages + 1, sizeof *m->pages))
            return oom(r->err);
        o->role = ROLE_PAGE;
        o->page = (uint32_t)m->npages;
        m->pages[m->npages++] = num; /* renumbered once the input is numbered */
        return 0;
    }
    if (!tok_is(r, type, T_NAME, "/Pages"))
        return fail_obj(r, num, "page-tree node is neither /Type /Page nor /Pages");
    /* Such attributes would have to be pushed down into each page. libharu
     * puts them on the pages themselves, so meeting one is a surprise. */
    for (int k = KEY_RESOURCES; k <= KEY_ROTATE; k++)
        if (r->top[k].kind != T_END)
            return fail_obj(r, num, "page-tree node with inherited page attributes");
    if (r->top[KEY_KIDS].kind != T_ARRAY || r->top[KEY_COUNT].kind != T_INT)
        return fail_obj(r, num, "page-tree node without /Kids or /Count");
    if (*depth == MAX_TREE_DEPTH)
        return fail_obj(r, num, "page tree too deep");
    o->role = ROLE_TREE;
    stack[*depth] = (tree_frame){num, get_view(r), r->top[KEY_KIDS].start + 1, m->npages,
                                 r->top[KEY_COUNT].num};
    ++*depth;
    return 0;
}

/* Appends the pages under ref to m->pages (input object numbers for now). */
static int walk_pages(pdfmerge *m, reader *r, const tok *ref)
{
    tree_frame stack[MAX_TREE_DEPTH];
    int depth = 0;
    TRY(visit(m, r, ref, stack, &depth));
    while (depth > 0) {
        tree_frame *f = &stack[depth - 1];
        tok kid;
        set_view(r, f->at); /* a kid may have been read from elsewhere */
        TRY(lex(r, &f->pos, &kid));
        if (kid.kind == T_ARRAY_END) {
            if (m->npages - f->first_page != f->count)
                return fail_obj(r, f->node, "page-tree node whose /Count is wrong");
            depth--;
            continue;
        }
        TRY(parse_rest(r, &f->pos, 1, KEY_NONE, &kid));
        if (kid.kind != T_REF)
            return fail(r, kid.start, "/Kids holds something other than a reference");
        TRY(visit(m, r, &kid, stack, &depth));
    }
    return 0;
}

/* Follows the references of object num, which the walk has reached. */
static int follow_object(reader *r, uint32_t num)
{
    size_t pos;
    tok v;
    TRY(enter_object(r, num, &pos));
    r->at_page = r->obj[num].role == ROLE_PAGE;
    TRY(parse_value(r, &pos, 0, KEY_NONE, &v));
    if (v.kind != T_DICT)
        return 0; /* r->top is another object's */
    /* The structure tree is reached only from the catalog (its elements'
     * /Pg and /Obj point down at pages and annotations, never the other
     * way), so meeting a part of it here means a link this module does not
     * know: copied, it would drag the tree along. */
    const tok *type = &r->top[KEY_TYPE];
    if (tok_is(r, type, T_NAME, "/StructTreeRoot") || tok_is(r, type, T_NAME, "/StructElem") ||
        tok_is(r, type, T_NAME, "/OBJR") || tok_is(r, type, T_NAME, "/MCR"))
        return fail_obj(r, num, "the pages lead into the structure tree");
    const tok *p = &r->top[KEY_P];
    if (p->kind != T_REF)
        return 0;
    if (tok_is(r, type, T_NAME, "/Annot")) {
        const in_obj *to = lookup(r, p);
        if (!to || to->role != ROLE_PAGE)
            return fail_obj(r, num, "an annotation whose /P is not a page of the file");
        return 0; /* a page: reached already */
    }
    return reach_ref(r, p, KEY_NONE);
}

/* Marks ROLE_COPY what the pages from first_page on lead to, through any
 * reference but the back-links reach_ref leaves alone; whatever is left is
 * ROLE_UNUSED. Each object is read once more than it is copied. */
static int reach_from_pages(pdfmerge *m, reader *r, size_t first_page)
{
    for (uint32_t i = 1; i < r->nobj; i++)
        if (r->obj[i].role == ROLE_COPY)
            r->obj[i].role = ROLE_UNUSED;
    /* Each object is pushed at most once: as a page, or on the change from
     * ROLE_UNUSED to ROLE_COPY. */
    if (grow(&m->todo, &m->todo_cap, r->nobj, sizeof *m->todo))
        return oom(r->err);
    r->ntodo = 0;
    for (size_t k = first_page; k < m->npages; k++)
        m->todo[r->ntodo++] = m->pages[k];
    r->todo = m->todo;
    int rc = 0;
    while (r->ntodo > 0 && !rc)
        rc = follow_object(r, r->todo[--r->ntodo]);
    r->todo = NULL;
    r->at_page = false;
    return rc;
}

/* Numbers the leaves the new pages need, then the input's objects. */
static int number_objects(pdfmerge *m, reader *r, size_t first_page)
{
    for (size_t g = first_page / PAGE_FANOUT; g <= (m->npages - 1) / PAGE_FANOUT; g++) {
        if (g < m->nleaves)
            continue;
        if (grow(&m->leaves, &m->leaves_cap, m->nleaves + 1, sizeof *m->leaves))
            return oom(r->err);
        TRY(reserve(m, &m->leaves[m->nleaves], r->err));
        m->nleaves++;
    }
    for (uint32_t i = 1; i < r->nobj; i++)
        if (r->obj[i].role == ROLE_COPY || r->obj[i].role == ROLE_PAGE)
            TRY(reserve(m, &r->obj[i].newnum, r->err));
    for (size_t k = first_page; k < m->npages; k++)
        m->pages[k] = r->obj[m->pages[k]].newnum;
    return 0;
}

static int copy_object(pdfmerge *m, reader *r, uint32_t num)
{
    const in_obj *o = &r->obj[num];
    size_t pos = 0;
    int rc;
    TRY(enter_object(r, num, &pos));
    TRY(begin_object(m, o->newnum, r->err));

    r->m = m;
    r->cursor = skip_space(r, pos);
    r->parent_to = o->role == ROLE_PAGE ? m->leaves[o->page / PAGE_FANOUT] : 0;
    r->parents = 0;
    tok v, kw;
    rc = parse_value(r, &pos, 0, KEY_NONE, &v);
    r->m = NULL;
    TRY(rc);
    TRY(lex(r, &pos, &kw));
    if (o->role == ROLE_PAGE && r->parents != 1)
        return fail_obj(r, num, "page without exactly one /Parent");
    bool end = at_endobj(r, &kw, &rc);
    TRY(rc);
    if (end && r->stm) {
        /* Out of its object stream: the value, then what makes it a plain
         * object. The end of line keeps "41" from running into "endobj". */
        TRY(emit(m, r->p + r->cursor, v.end - r->cursor, r->err));
        return emit(m, "\nendobj\n", 8, r->err);
    }
    if (end) {
        TRY(emit(m, r->p + r->cursor, kw.start - r->cursor, r->err));
        return emit(m, "endobj\n", 7, r->err);
    }
    if (!is_kw(r, &kw, "stream"))
        return fail(r, kw.start, "object does not end with endobj");
    if (v.kind != T_DICT)
        return fail(r, kw.start, "stream without a dictionary");

    tok len_tok = r->top[KEY_LENGTH];
    size_t data = 0, n = 0, es_end = 0;
    TRY(stream_data(r, &kw, &len_tok, &data, &n, &es_end));
    /* The rest of the dictionary, the keyword, the data: all as they are. */
    TRY(emit(m, r->p + r->cursor, es_end - r->cursor, r->err));
    return emit(m, "\nendobj\n", 8, r->err);
}

/* Reads the trailer, or the dictionary of the cross-reference stream, at
 * startxref into r->top, and enters the input's objects in r->obj. */
static int read_xrefs(pdfmerge *m, reader *r, size_t xref)
{
    size_t trailer = 0, pos = xref;
    uint64_t listed = 0;
    uint32_t xnum = 0;
    tok v, a, b, c;
    TRY(lex(r, &pos, &a));
    bool classic = is_kw(r, &a, "xref");
    if (classic) {
        TRY(read_xref(r, xref, false, &trailer, &listed));
    } else {
        /* PDF 1.5: "N G obj", a dictionary with /Type /XRef, the stream. */
        TRY(lex(r, &pos, &b));
        TRY(lex(r, &pos, &c));
        if (a.start != xref || a.kind != T_INT || a.num > MAX_OBJECTS || b.kind != T_INT ||
            !is_kw(r, &c, "obj"))
            return fail(r, xref, "startxref does not point to an xref table or stream");
        xnum = (uint32_t)a.num;
        trailer = pos;
    }

    TRY(parse_value(r, &trailer, 0, KEY_NONE, &v));
    if (v.kind != T_DICT)
        return fail(r, v.start,
                    classic ? "trailer is not a dictionary"
                            : "startxref does not point to an xref table or stream");
    if (!classic && !tok_is(r, &r->top[KEY_TYPE], T_NAME, "/XRef"))
        return fail(r, v.start, "startxref points to an object other than an xref stream");
    if (r->top[KEY_PREV].kind != T_END)
        return fail(r, NO_POS, "the file has incremental updates (/Prev)");
    if (r->top[KEY_ENCRYPT].kind != T_END)
        return fail(r, NO_POS, "the file is encrypted");
    if (r->top[KEY_XREFSTM].kind != T_END)
        return fail(r, NO_POS, "the file has a cross-reference stream");
    tok size = r->top[KEY_SIZE];
    /* Every object takes more than a byte: a larger /Size is no table of ours
     * and would only make a large allocation. */
    if (size.kind != T_INT || size.num < listed || size.num > (uint64_t)MAX_OBJECTS + 1 ||
        size.num > r->file_len)
        return fail(r, size.start,
                    classic ? "bad /Size in the trailer" : "bad /Size in the xref stream");

    r->nobj = (uint32_t)size.num;
    if (grow(&m->tab, &m->tab_cap, r->nobj, sizeof *m->tab))
        return oom(r->err);
    r->obj = m->tab;
    memset(r->obj, 0, r->nobj * sizeof *r->obj);
    if (classic)
        return read_xref(r, xref, true, &trailer, &listed);
    tok top[KEY_N];
    memcpy(top, r->top, sizeof top);
    TRY(read_xref_stream(r, top, trailer, xnum));
    TRY(sort_xref_stream_objects(r));
    memcpy(r->top, top, sizeof top); /* for the caller, like a trailer's */
    return 0;
}

/* A merged file's rows, from its catalog's /PageLabels (pl, parsed in the
 * catalog's view) as write_tail writes them: a flat /Nums of page index and
 * << /S /D /P (row N, page ) >>, rising. */
static int read_labels(reader *r, const tok *pl, row_label **out, size_t *n, size_t *cap)
{
    if (pl->kind == T_END)
        return 0;
    if (pl->kind != T_DICT)
        return fail(r, pl->start, "/PageLabels is not a dictionary");
    size_t pos = pl->start;
    tok v;
    TRY(parse_value(r, &pos, 0, KEY_NONE, &v));
    tok nums = r->top[KEY_NUMS];
    if (nums.kind != T_ARRAY)
        return fail(r, pl->start, "/PageLabels without a /Nums array");
    size_t at = nums.start + 1;
    for (;;) {
        tok k, d;
        TRY(lex(r, &at, &k));
        if (k.kind == T_ARRAY_END)
            return 0;
        if (k.kind != T_INT)
            return fail(r, k.start, "a page label's page is not a number");
        size_t dpos = at;
        TRY(parse_value(r, &dpos, 0, KEY_NONE, &d));
        at = dpos;
        tok p = r->top[KEY_P];
        const char *text = (const char *)r->p + p.start, *want = "(row ";
        size_t len = p.end - p.start, wl = strlen(want), i = wl;
        long row = 0;
        bool ok = d.kind == T_DICT && p.kind == T_STRING && len > wl && !memcmp(text, want, wl);
        for (; ok && i < len && is_digit((unsigned char)text[i]) && row < 100000000; i++)
            row = row * 10 + (text[i] - '0');
        if (!ok || i == wl || i >= len || text[i] != ',')
            return fail(r, k.start, "a page label that names no row");
        if (*n && ((*out)[*n - 1].page >= k.num || (*out)[*n - 1].row >= row))
            return fail(r, k.start, "page labels whose pages or rows do not rise");
        if (grow(out, cap, *n + 1, sizeof **out))
            return oom(r->err);
        (*out)[(*n)++] = (row_label){(size_t)k.num, row};
    }
}

/* Reads an input's header, cross-reference and catalog, and appends its
 * pages to m->pages (as input object numbers); *version gets its PDF
 * version, and labels (when not NULL) its rows. */
static int open_input(pdfmerge *m, reader *r, int *version, row_label **labels, size_t *nlabels,
                      size_t *labels_cap)
{
    size_t xref = 0;
    *version = 0;
    TRY(read_header(r, version));
    TRY(find_startxref(r, &xref));
    TRY(read_xrefs(m, r, xref));
    tok root = r->top[KEY_ROOT], info = r->top[KEY_INFO];

    in_obj *catalog = lookup(r, &root);
    if (!catalog || catalog->role != ROLE_COPY)
        return fail(r, root.start, "the trailer has no usable /Root");
    catalog->role = ROLE_CATALOG;
    if (info.kind != T_END) {
        in_obj *o = lookup(r, &info);
        if (!o || o->role != ROLE_COPY)
            return fail(r, info.start, "the trailer has a bad /Info");
        o->role = ROLE_INFO;
    }
    tok v;
    TRY(read_dict_object(r, (uint32_t)root.num, &v));
    tok pages = r->top[KEY_PAGES], cat_version = r->top[KEY_VERSION];
    if (!tok_is(r, &r->top[KEY_TYPE], T_NAME, "/Catalog") || pages.kind != T_REF)
        return fail_obj(r, (uint32_t)root.num, "the catalog has no /Type /Catalog or no /Pages");
    /* A catalog's /Version overrides the header when it is later (7.7.2). */
    const unsigned char *cv = r->p + cat_version.start; /* in the catalog's view */
    if (cat_version.kind == T_NAME && cat_version.end - cat_version.start == 4 && is_digit(cv[1]) &&
        cv[2] == '.' && is_digit(cv[3])) {
        int n = (cv[1] - '0') * 10 + (cv[3] - '0');
        if (n > *version)
            *version = n;
    }
    if (labels) {
        tok pl = r->top[KEY_PAGELABELS];
        TRY(read_labels(r, &pl, labels, nlabels, labels_cap));
    }
    return walk_pages(m, r, &pages);
}

/* Copies what pages [first_page, m->npages) of the input lead to. */
static int copy_pages(pdfmerge *m, reader *r, size_t first_page, int version)
{
    TRY(reach_from_pages(m, r, first_page));
    TRY(number_objects(m, r, first_page));
    for (uint32_t i = 1; i < r->nobj; i++)
        if (r->obj[i].role == ROLE_COPY || r->obj[i].role == ROLE_PAGE)
            TRY(copy_object(m, r, i));
    if (version > m->version)
        m->version = version;
    return 0;
}

static int read_input(pdfmerge *m, reader *r)
{
    int version;
    size_t first_page = m->npages;
    TRY(open_input(m, r, &version, NULL, NULL, NULL));
    if (m->npages == first_page)
        return 0; /* no pages: nothing of this input is needed */
    return copy_pages(m, r, first_page, version);
}

static int add_input(pdfmerge *m, const unsigned char *pdf, size_t len, mp_err *err)
{
    reader r = {.err = err};
    r.file = r.p = pdf;
    r.file_len = r.len = pdf ? len : 0;
    int rc = read_input(m, &r);
    for (size_t i = 0; i < r.nstms; i++) {
        free(r.stms[i].data);
        free(r.stms[i].nums);
        free(r.stms[i].offs);
    }
    free(r.stms);
    return rc;
}

/* ---- The public face ---- */

static void free_merge(pdfmerge *m)
{
    free(m->buf);
    free(m->off);
    free(m->pages);
    free(m->leaves);
    free(m->tab);
    free(m->todo);
    free(m->labels);
    free(m);
}

/* A merge with nothing written yet: objects 1 and 2 are kept for the
 * catalog and the info dictionary written at commit. */
static pdfmerge *new_merge(bool dry)
{
    pdfmerge *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    uint32_t num;
    m->dry = dry;
    m->version = 14;
    m->nobj = 1; /* object 0 heads the free list */
    if ((!dry && !(m->buf = malloc(OUT_BUF_SIZE))) || reserve(m, &num, NULL) ||
        reserve(m, &num, NULL)) {
        free_merge(m);
        return NULL;
    }
    return m;
}

int pdfmerge_open_opts(const char *path, const outfile_opts *opts, pdfmerge **out, mp_err *err)
{
    *out = NULL;
    pdfmerge *m = new_merge(false);
    if (!m)
        return oom(err);
    int rc = outfile_open_opts(path, opts, &m->out, err);
    if (rc) {
        free_merge(m);
        return rc;
    }
    /* A comment line of high bytes tells transfer tools the file is binary. */
    static const char header[] = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
    emit(m, header, sizeof header - 1, err); /* into the empty buffer: cannot fail */
    *out = m;
    return 0;
}

int pdfmerge_open(const char *path, pdfmerge **out, mp_err *err)
{
    return pdfmerge_open_opts(path, NULL, out, err);
}

int pdfmerge_check(const unsigned char *pdf, size_t len, long *pages, mp_err *err)
{
    pdfmerge *m = new_merge(true);
    if (!m)
        return oom(err);
    int rc = add_input(m, pdf, len, err);
    /* A PDF without pages would add nothing: a row missing from the merge. */
    if (!rc && m->npages == 0)
        rc = err_set(err, EX_SOFTWARE, NULL, 0, 0, "cannot merge: the file has no pages");
    if (!rc && pages)
        *pages = (long)m->npages;
    free_merge(m);
    return rc;
}

int pdfmerge_add(pdfmerge *m, const unsigned char *pdf, size_t len, mp_err *err)
{
    if (!m)
        return err_set(err, EX_SOFTWARE, NULL, 0, 0, "cannot merge: no merge open");
    if (m->failed)
        return err_set(err, m->failed, NULL, 0, 0, "cannot merge: an earlier input failed");
    int rc = add_input(m, pdf, len, err);
    if (rc)
        m->failed = rc;
    return rc;
}

int pdfmerge_add_row(pdfmerge *m, const unsigned char *pdf, size_t len, long row, mp_err *err)
{
    size_t first = m ? m->npages : 0;
    int rc = pdfmerge_add(m, pdf, len, err);
    if (rc || m->npages == first)
        return rc;
    if (grow(&m->labels, &m->labels_cap, m->nlabels + 1, sizeof *m->labels))
        return m->failed = oom(err);
    m->labels[m->nlabels++] = (row_label){first, row};
    return 0;
}

/* A merged file read once and added a row at a time: a dry merge holds its
 * objects and its pages (input numbers), the reader stays on it. */
struct pdfmerge_src {
    pdfmerge *d;
    reader r;
    int version;
    row_label *rows;
    size_t nrows, rows_cap;
};

void pdfmerge_src_free(pdfmerge_src *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->r.nstms; i++) {
        free(s->r.stms[i].data);
        free(s->r.stms[i].nums);
        free(s->r.stms[i].offs);
    }
    free(s->r.stms);
    if (s->d)
        free_merge(s->d);
    free(s->rows);
    free(s);
}

int pdfmerge_src_open(const unsigned char *pdf, size_t len, pdfmerge_src **out, mp_err *err)
{
    *out = NULL;
    pdfmerge_src *s = calloc(1, sizeof *s);
    if (!s || !(s->d = new_merge(true))) {
        pdfmerge_src_free(s);
        return oom(err);
    }
    s->r = (reader){
        .err = err, .file = pdf, .p = pdf, .file_len = pdf ? len : 0, .len = pdf ? len : 0};
    int rc = open_input(s->d, &s->r, &s->version, &s->rows, &s->nrows, &s->rows_cap);
    if (!rc && s->d->npages == 0)
        rc = err_set(err, EX_SOFTWARE, NULL, 0, 0, "cannot merge: the file has no pages");
    if (!rc && s->nrows && s->rows[s->nrows - 1].page >= s->d->npages)
        rc = err_set(err, EX_SOFTWARE, NULL, 0, 0, "cannot merge: a page label past the last page");
    if (rc) {
        pdfmerge_src_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

size_t pdfmerge_src_rows(const pdfmerge_src *s)
{
    return s->nrows;
}

long pdfmerge_src_row(const pdfmerge_src *s, size_t i, size_t *first, size_t *count)
{
    *first = s->rows[i].page;
    *count = (i + 1 < s->nrows ? s->rows[i + 1].page : s->d->npages) - *first;
    return s->rows[i].row;
}

int pdfmerge_add_src_row(pdfmerge *m, pdfmerge_src *s, size_t i, mp_err *err)
{
    if (!m)
        return err_set(err, EX_SOFTWARE, NULL, 0, 0, "cannot merge: no merge open");
    if (m->failed)
        return err_set(err, m->failed, NULL, 0, 0, "cannot merge: an earlier input failed");
    size_t first, count;
    long row = pdfmerge_src_row(s, i, &first, &count);
    reader *r = &s->r;
    r->err = err;
    /* Only the row's pages are pages now; the others are left alone by the
     * walk and refused if something of the row points at them. */
    for (size_t k = 0; k < s->d->npages; k++)
        r->obj[s->d->pages[k]].role = k >= first && k < first + count ? ROLE_PAGE : ROLE_PAGE_OUT;
    size_t first_page = m->npages;
    int rc = grow(&m->pages, &m->pages_cap, m->npages + count, sizeof *m->pages) ||
                     grow(&m->labels, &m->labels_cap, m->nlabels + 1, sizeof *m->labels)
                 ? oom(err)
                 : 0;
    for (size_t k = first; !rc && k < first + count; k++) {
        r->obj[s->d->pages[k]].page = (uint32_t)m->npages;
        m->pages[m->npages++] = s->d->pages[k];
    }
    if (!rc)
        rc = copy_pages(m, r, first_page, s->version);
    if (rc)
        return m->failed = rc;
    m->labels[m->nlabels++] = (row_label){first_page, row};
    return 0;
}

long pdfmerge_pages(const pdfmerge *m)
{
    return m ? (long)m->npages : 0;
}

/* A PDF text string: literal when printable ASCII, else UTF-16BE with a byte
 * order mark (7.9.2.2), the one encoding that holds any name. */
static int emit_text(pdfmerge *m, const char *key, const char *what, const char *s, mp_err *err)
{
    if (!s)
        return 0;
    size_t n = strlen(s), bad;
    bool ascii = true;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] <= 0x7E;
    if (!ascii && !utf8_valid(s, n, &bad))
        return err_set(err, EX_DATAERR, NULL, 0, 0,
                       "cannot merge: the %s is not valid UTF-8 (byte %zu)", what, bad + 1);
    TRY(emit_str(m, key, err));
    if (ascii) {
        TRY(emit(m, "(", 1, err));
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '(' || s[i] == ')' || s[i] == '\\')
                TRY(emit(m, "\\", 1, err));
            TRY(emit(m, s + i, 1, err));
        }
        return emit(m, ")", 1, err);
    }
    static const char hex[] = "0123456789ABCDEF";
    TRY(emit(m, "<FEFF", 5, err));
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += utf8_decode(s + i, n - i, &cp);
        uint32_t units[2] = {cp, 0};
        int nu = 1;
        if (cp >= 0x10000) {
            units[0] = 0xD800 + ((cp - 0x10000) >> 10);
            units[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
            nu = 2;
        }
        for (int u = 0; u < nu; u++) {
            char b[4] = {hex[units[u] >> 12 & 15], hex[units[u] >> 8 & 15], hex[units[u] >> 4 & 15],
                         hex[units[u] & 15]};
            TRY(emit(m, b, 4, err));
        }
    }
    return emit(m, ">", 1, err);
}

/* "D:YYYYMMDDHHmmSSZ" (7.9.4), in UTC. */
static int format_date(int64_t t, char *buf, size_t n, mp_err *err)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if ((int64_t)tt != t || !gmtime_r(&tt, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
        return err_set(err, EX_DATAERR, NULL, 0, 0, "cannot merge: date out of range");
    snprintf(buf, n, "D:%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    return 0;
}

/* Writes the page-tree nodes; *root gets the root's number. Level 0 are the
 * leaves numbered during the adds; the levels above are numbered here. */
static int write_page_tree(pdfmerge *m, uint32_t *root, mp_err *err)
{
    /* Zeroed: clang-tidy cannot tell that every level above 0 is numbered. */
    uint32_t *upper = calloc(m->nleaves + MAX_TREE_LEVELS, sizeof *upper);
    if (!upper)
        return oom(err);
    uint32_t *level[MAX_TREE_LEVELS];
    size_t width[MAX_TREE_LEVELS], nlev = 1, used = 0;
    int rc = 0;
    level[0] = m->leaves;
    width[0] = m->nleaves;
    while (width[nlev - 1] > 1 && !rc) {
        if (nlev == MAX_TREE_LEVELS) {
            rc = err_set(err, EX_SOFTWARE, NULL, 0, 0, "cannot merge: page tree too deep");
            break;
        }
        width[nlev] = (width[nlev - 1] + PAGE_FANOUT - 1) / PAGE_FANOUT;
        level[nlev] = upper + used;
        for (size_t i = 0; i < width[nlev] && !rc; i++)
            rc = reserve(m, &level[nlev][i], err);
        used += width[nlev++];
    }

    uint64_t span = PAGE_FANOUT; /* pages under a full node of the level */
    for (size_t l = 0; l < nlev && !rc; l++, span *= PAGE_FANOUT) {
        const uint32_t *kids = l == 0 ? m->pages : level[l - 1];
        size_t nkids = l == 0 ? m->npages : width[l - 1];
        for (size_t i = 0; i < width[l] && !rc; i++) {
            uint64_t count = m->npages - i * span < span ? m->npages - i * span : span;
            size_t k0 = i * PAGE_FANOUT, k1 = k0 + PAGE_FANOUT < nkids ? k0 + PAGE_FANOUT : nkids;
            if ((rc = begin_object(m, level[l][i], err)) ||
                (rc = emit_str(m, "<< /Type /Pages", err)))
                break;
            if (l + 1 < nlev && ((rc = emit_str(m, " /Parent ", err)) ||
                                 (rc = emit_ref(m, level[l + 1][i / PAGE_FANOUT], err))))
                break;
            if ((rc = emit_str(m, " /Kids [", err)))
                break;
            for (size_t k = k0; k < k1 && !rc; k++)
                if (!(rc = emit(m, " ", 1, err)))
                    rc = emit_ref(m, kids[k], err);
            if (rc || (rc = emit_str(m, " ] /Count ", err)) || (rc = emit_u64(m, count, err)) ||
                (rc = emit_str(m, " >>\nendobj\n", err)))
                break;
        }
    }
    if (!rc)
        *root = level[nlev - 1][0];
    free(upper);
    return rc;
}

static int write_tail(pdfmerge *m, const pdfmerge_meta *meta, mp_err *err)
{
    static const pdfmerge_meta none = {0};
    if (!meta)
        meta = &none;
    char date[64];
    uint32_t root = 0;
    TRY(format_date(meta->date_unix, date, sizeof date, err));
    TRY(write_page_tree(m, &root, err));

    TRY(begin_object(m, OBJ_CATALOG, err));
    TRY(emit_str(m, "<< /Type /Catalog /Pages ", err));
    TRY(emit_ref(m, root, err));
    /* Each row's pages, labelled "row N, page 1", ... in a viewer; merge
     * reads them to join shards' files in row order. */
    if (m->nlabels) {
        TRY(emit_str(m, " /PageLabels << /Nums [", err));
        for (size_t i = 0; i < m->nlabels; i++) {
            char l[96];
            snprintf(l, sizeof l, "%s%zu << /S /D /P (row %ld, page ) >>", i ? " " : "",
                     m->labels[i].page, m->labels[i].row);
            TRY(emit_str(m, l, err));
        }
        TRY(emit_str(m, "] >>", err));
    }
    if (m->version > 14) {
        char v[32];
        snprintf(v, sizeof v, " /Version /%d.%d", m->version / 10, m->version % 10);
        TRY(emit_str(m, v, err));
    }
    TRY(emit_str(m, " >>\nendobj\n", err));

    TRY(begin_object(m, OBJ_INFO, err));
    TRY(emit_str(m, "<<", err));
    TRY(emit_text(m, " /Title ", "title", meta->title, err));
    TRY(emit_text(m, " /Author ", "author", meta->author, err));
    TRY(emit_text(m, " /Creator ", "creator", meta->creator, err));
    TRY(emit_str(m, " /CreationDate (", err));
    TRY(emit_str(m, date, err));
    TRY(emit_str(m, ") /ModDate (", err));
    TRY(emit_str(m, date, err));
    TRY(emit_str(m, ") >>\nendobj\n", err));

    uint64_t xref = out_pos(m);
    TRY(emit_str(m, "xref\n0 ", err));
    TRY(emit_u64(m, m->nobj, err));
    /* Each entry is 20 bytes; the end of line must be two bytes (7.5.4). */
    TRY(emit_str(m, "\n0000000000 65535 f \n", err));
    for (uint32_t i = 1; i < m->nobj; i++) {
        if (m->off[i] == 0)
            return err_set(err, EX_SOFTWARE, NULL, 0, 0,
                           "cannot merge: object %u was never written", i);
        char e[20];
        uint64_t v = m->off[i];
        for (int d = 9; d >= 0; d--, v /= 10)
            e[d] = (char)('0' + v % 10);
        memcpy(e + 10, " 00000 n \n", 10);
        TRY(emit(m, e, sizeof e, err));
    }
    TRY(emit_str(m, "trailer\n<< /Size ", err));
    TRY(emit_u64(m, m->nobj, err));
    TRY(emit_str(m, " /Root 1 0 R /Info 2 0 R >>\nstartxref\n", err));
    TRY(emit_u64(m, xref, err));
    TRY(emit_str(m, "\n%%EOF\n", err));
    return flush(m, err);
}

int pdfmerge_commit(pdfmerge *m, const pdfmerge_meta *meta, mp_err *err)
{
    if (!m)
        return err_set(err, EX_SOFTWARE, NULL, 0, 0, "cannot merge: no merge open");
    int rc;
    if (m->failed)
        rc = err_set(err, m->failed, NULL, 0, 0, "cannot merge: an earlier input failed");
    else if (m->npages == 0)
        rc = err_set(err, EX_DATAERR, NULL, 0, 0, "nothing to merge");
    else
        rc = write_tail(m, meta, err);
    if (rc) {
        outfile_abort(m->out);
    } else {
        rc = outfile_commit(m->out, err);
    }
    free_merge(m);
    return rc;
}

void pdfmerge_abort(pdfmerge *m)
{
    if (!m)
        return;
    outfile_abort(m->out);
    free_merge(m);
}
