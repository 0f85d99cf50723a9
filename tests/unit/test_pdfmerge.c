/* Unit tests for pdfmerge.c. Inputs are made here: with libharu, the way
 * pdf_render makes them (base-14 and embedded TrueType fonts, compressed and
 * not, link annotations), and by hand where a test needs a shape libharu does
 * not write (a nested page tree, strings that look like references, broken
 * files, PDF 1.5 object and cross-reference streams, tagged PDFs with a
 * structure tree the merge leaves out), and by qpdf from those
 * (object streams as another writer makes them). Merged files are checked with qpdf, pdfinfo and
 * pdftotext when they are installed (scripts/setup installs them), and byte by byte. Everything
 * happens in a fresh mkdtemp directory that is removed at the end. */
#define _GNU_SOURCE /* memmem */

#include <dirent.h>
#include <fcntl.h>
#include <hpdf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "err.h"
#include "pdfmerge.h"

#define DEJAVU "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

static char dir[256];
static bool have_tools;

typedef struct buf {
    unsigned char *p;
    size_t len;
} buf;

static const char *in_dir(const char *name)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Entries of the test directory whose names start with a dot: temporary
 * files outfile failed to remove. */
static int hidden_entries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    if (d)
        closedir(d);
    return n;
}

static buf slurp(const char *path)
{
    buf b = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return b;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b.p = malloc(n > 0 ? (size_t)n : 1);
    if (b.p && n > 0 && fread(b.p, 1, (size_t)n, f) == (size_t)n)
        b.len = (size_t)n;
    fclose(f);
    return b;
}

static bool contains(const buf *b, const char *s)
{
    return b->p && memmem(b->p, b->len, s, strlen(s)) != NULL;
}

/* Runs a shell command; returns its output (malloc'd) and exit status. */
static char *run(const char *cmd, int *status)
{
    FILE *f = popen(cmd, "r");
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    if (!f || !out) {
        *status = -1;
        if (f)
            pclose(f);
        return out;
    }
    size_t n;
    while ((n = fread(out + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *p = realloc(out, cap *= 2);
            if (!p)
                break;
            out = p;
        }
    }
    out[len] = '\0';
    int st = pclose(f);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

/* qpdf --check passes without a warning. */
static bool qpdf_clean(const char *path)
{
    char cmd[1024];
    int status;
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", path);
    char *out = run(cmd, &status);
    bool ok = status == 0 && out && strstr(out, "No syntax or stream encoding errors") &&
              !strstr(out, "WARNING");
    if (!ok)
        fprintf(stderr, "qpdf --check %s (status %d):\n%s\n", path, status, out ? out : "");
    free(out);
    return ok;
}

static long pdfinfo_pages(const char *path)
{
    char cmd[1024];
    int status;
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>&1", path);
    char *out = run(cmd, &status);
    const char *p = out ? strstr(out, "\nPages:") : NULL;
    long n = p && status == 0 ? strtol(p + 7, NULL, 10) : -1;
    free(out);
    return n;
}

/* The text of each page, as pdftotext sees it: pages split at form feeds. */
static char *pdftext(const char *path, int *status)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>&1", path);
    return run(cmd, status);
}

/* True when page `page` (1-based) of a pdftotext output holds want. */
static bool page_has(const char *text, int page, const char *want)
{
    const char *p = text;
    for (int i = 1; i < page && p; i++)
        if ((p = strchr(p, '\f')))
            p++;
    if (!p)
        return false;
    const char *end = strchr(p, '\f');
    const char *hit = strstr(p, want);
    return hit && (!end || hit < end);
}

/* ---- Inputs made with libharu ---- */

static void on_hpdf_error(HPDF_STATUS code, HPDF_STATUS detail, void *user)
{
    (void)detail;
    HPDF_STATUS *st = user;
    if (!*st)
        *st = code;
}

/* A PDF of npages pages, page i saying "<label> page <i>" (1-based), in
 * Helvetica or in embedded DejaVu Sans through UTF-8 (as pdf_render does);
 * uri, if set, becomes a link annotation on the first page. */
static buf make_pdf(const char *label, int npages, bool compress, bool ttf, const char *uri)
{
    buf b = {0};
    HPDF_STATUS st = 0;
    HPDF_Doc pdf = HPDF_New(on_hpdf_error, &st);
    if (!pdf)
        return b;
    if (compress)
        HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
    HPDF_Font font;
    if (ttf) {
        HPDF_UseUTFEncodings(pdf);
        HPDF_SetCurrentEncoder(pdf, "UTF-8");
        const char *name = HPDF_LoadTTFontFromFile(pdf, DEJAVU, HPDF_TRUE);
        font = name ? HPDF_GetFont(pdf, name, "UTF-8") : NULL;
    } else {
        font = HPDF_GetFont(pdf, "Helvetica", NULL);
    }
    for (int i = 1; i <= npages && font; i++) {
        char text[128];
        snprintf(text, sizeof text, "%s page %d", label, i);
        HPDF_Page page = HPDF_AddPage(pdf);
        HPDF_Page_BeginText(page);
        HPDF_Page_SetFontAndSize(page, font, 14);
        HPDF_Page_TextOut(page, 72, 700, text);
        HPDF_Page_EndText(page);
        if (uri && i == 1) {
            HPDF_Rect r = {72, 600, 300, 620};
            HPDF_Annotation a = HPDF_Page_CreateURILinkAnnot(page, r, uri);
            if (a)
                HPDF_LinkAnnot_SetBorderStyle(a, 0, 0, 0);
        }
    }
    HPDF_SaveToStream(pdf);
    HPDF_UINT32 size = HPDF_GetStreamSize(pdf);
    b.p = malloc(size ? size : 1);
    if (!st && b.p) {
        HPDF_UINT32 got = size;
        HPDF_STATUS s = HPDF_ReadFromStream(pdf, b.p, &got);
        if ((s == HPDF_OK || s == HPDF_STREAM_EOF) && got == size)
            b.len = size;
    }
    HPDF_Free(pdf);
    CHECK_INT(st, 0);
    CHECK(b.len > 0);
    return b;
}

/* ---- Inputs made by hand ---- */

static void append(buf *b, const char *s, size_t n)
{
    unsigned char *p = realloc(b->p, b->len + n + 1);
    if (!p)
        abort();
    memcpy(p + b->len, s, n);
    b->p = p;
    b->len += n;
}

static void appendf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void appendf(buf *b, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        abort();
    append(b, tmp, (size_t)n);
}

/* A PDF with objs[i] as object i+1 (its value, and stream if any), a correct
 * xref table, and /Root 1 0 R plus trailer_extra in the trailer. */
static buf hand_pdf(const char *version, const char *const *objs, int n, const char *trailer_extra)
{
    buf b = {0};
    size_t off[64];
    appendf(&b, "%%PDF-%s\n%%\xE2\xE3\xCF\xD3\n", version);
    for (int i = 0; i < n; i++) {
        off[i] = b.len;
        appendf(&b, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
    }
    size_t xref = b.len;
    appendf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", n + 1);
    for (int i = 0; i < n; i++)
        appendf(&b, "%010zu 00000 n\r\n", off[i]);
    appendf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%zu\n%%%%EOF\n", n + 1,
            trailer_extra, xref);
    return b;
}

static buf edited(const buf *b, const char *from, const char *to);

/* How hand_pdf15 writes a file, and what it breaks in it. */
typedef struct p15 {
    uint64_t packed;          /* bit i: object i+1 goes into the object stream */
    const char *from, *to;    /* an edit of the object stream's inflated bytes */
    int n_delta, first_delta; /* added to its /N and /First */
    bool swap, past_end;      /* the header's first two offsets swapped; its last one at the end */
    size_t cut, plain_cut;    /* bytes cut off its flate data; off its inflated bytes */
    size_t mangle_at;         /* > 0: inflated byte mangle_at - 1 of it becomes mangle_to */
    char mangle_to;
    int entry; /* > 0: this object's xref entry becomes type, f2, f3 */
    unsigned type, f2, f3;
    size_t xmangle_at; /* > 0: byte xmangle_at - 1 of the inflated xref stream becomes xmangle_to */
    unsigned char xmangle_to;
    const char *xref_extra; /* in the xref stream's dictionary, after the rest */
} p15;

static unsigned char *deflated(const unsigned char *p, size_t n, size_t *out)
{
    uLongf size = compressBound(n);
    unsigned char *z = malloc(size);
    if (!z || compress2(z, &size, p, n, 9) != Z_OK)
        abort();
    *out = size;
    return z;
}

/* The objects as PDF 1.5 writes them, the way medpacket is to: the packed
 * ones in one object stream (object n+1), the rest plain, and a
 * cross-reference stream (object n+2, /W [1 4 2], FlateDecode, no /Index)
 * with /Root 1 0 R and trailer_extra. */
static buf hand_pdf15(const char *version, const char *const *objs, int n,
                      const char *trailer_extra, const p15 *x)
{
    buf b = {0}, body = {0}, plain = {0};
    size_t off[64], start[64];
    int nums[64], count = 0, stmnum = n + 1, xnum = n + 2, size = n + 3;
    appendf(&b, "%%PDF-%s\n%%\xE2\xE3\xCF\xD3\n", version);
    for (int i = 0; i < n; i++) {
        if (x->packed >> i & 1) {
            off[i] = (size_t)count;
            start[count] = body.len;
            nums[count++] = i + 1;
            appendf(&body, "%s\n", objs[i]);
        } else {
            off[i] = b.len;
            appendf(&b, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
        }
    }
    for (int k = 0; k < count; k++) {
        int j = x->swap && k < 2 ? 1 - k : k;
        size_t o = x->past_end && k == count - 1 ? body.len : start[j];
        appendf(&plain, "%d %zu ", nums[k], o);
    }
    appendf(&plain, "\n");
    size_t first = plain.len;
    append(&plain, (const char *)body.p, body.len);
    free(body.p);
    if (x->from) {
        buf e = edited(&plain, x->from, x->to);
        free(plain.p);
        plain = e;
    }
    if (x->mangle_at > 0 && x->mangle_at <= plain.len)
        plain.p[x->mangle_at - 1] = (unsigned char)x->mangle_to;
    plain.len -= x->plain_cut < plain.len ? x->plain_cut : plain.len;
    size_t zlen;
    unsigned char *z = deflated(plain.p, plain.len, &zlen);
    zlen -= x->cut < zlen ? x->cut : zlen;
    free(plain.p);
    size_t stmoff = b.len;
    appendf(&b,
            "%d 0 obj\n<< /Type /ObjStm /N %d /First %ld /Filter /FlateDecode /Length %zu >>\n"
            "stream\n",
            stmnum, count + x->n_delta, (long)first + x->first_delta, zlen);
    append(&b, (const char *)z, zlen);
    appendf(&b, "\nendstream\nendobj\n");
    free(z);

    size_t xoff = b.len;
    unsigned char xd[64 * 7];
    for (int num = 0; num < size; num++) {
        unsigned type = 1, f2 = 0, f3 = 0;
        if (num == 0)
            type = 0, f3 = 65535;
        else if (num == stmnum)
            f2 = (unsigned)stmoff;
        else if (num == xnum)
            f2 = (unsigned)xoff;
        else if (x->packed >> (num - 1) & 1)
            type = 2, f2 = (unsigned)stmnum, f3 = (unsigned)off[num - 1];
        else
            f2 = (unsigned)off[num - 1];
        if (num == x->entry)
            type = x->type, f2 = x->f2, f3 = x->f3;
        unsigned char *e = xd + num * 7;
        e[0] = (unsigned char)type;
        for (int k = 0; k < 4; k++)
            e[1 + k] = (unsigned char)(f2 >> (24 - 8 * k));
        e[5] = (unsigned char)(f3 >> 8);
        e[6] = (unsigned char)f3;
    }
    if (x->xmangle_at > 0 && x->xmangle_at <= (size_t)size * 7)
        xd[x->xmangle_at - 1] = x->xmangle_to;
    z = deflated(xd, (size_t)size * 7, &zlen);
    appendf(&b,
            "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R %s /Filter /FlateDecode "
            "/Length %zu %s >>\nstream\n",
            xnum, size, trailer_extra, zlen, x->xref_extra ? x->xref_extra : "");
    append(&b, (const char *)z, zlen);
    appendf(&b, "\nendstream\nendobj\nstartxref\n%zu\n%%%%EOF\n", xoff);
    free(z);
    return b;
}

/* A content stream object drawing text in /F1. */
static const char *text_stream(const char *text)
{
    static char bufs[4][256];
    static int next;
    char content[128], *out = bufs[next++ % 4];
    snprintf(content, sizeof content, "BT /F1 12 Tf 20 100 Td (%s) Tj ET", text);
    snprintf(out, sizeof bufs[0], "<< /Length %zu >>\nstream\n%s\nendstream", strlen(content),
             content);
    return out;
}

/* Three pages under a nested tree (5, 6 under node 3; then 4), a stream
 * with an indirect /Length, and strings, a comment and a name that hold
 * text shaped like references. */
#define TRICKY_URI "(http://x/a (b) c \\) R 5 0 R)"
static buf tricky_made(const char *version, const char *from, const char *to, const p15 *x);
static buf tricky_pdf(const char *version)
{
    return tricky_made(version, NULL, NULL, NULL);
}

/* The same with the first `from` in its objects replaced by `to`; the xref
 * table is made after the edit, so it stays right. */
/* Replaces the first "from" in objs[0..n) by "to", the edited object kept in
 * room; a "from" found nowhere is a failed check (the test would test
 * nothing). from NULL: no edit. */
static void edit_first(const char **objs, int n, const char *from, const char *to, char *room,
                       size_t size, const char *who)
{
    for (int i = 0; from && i < n; i++) {
        const char *hit = strstr(objs[i], from);
        if (hit) {
            snprintf(room, size, "%.*s%s%s", (int)(hit - objs[i]), objs[i], to, hit + strlen(from));
            objs[i] = room;
            return;
        }
    }
    if (from) {
        fprintf(stderr, "%s: \"%s\" not found\n", who, from);
        check_failures++;
    }
}

static buf tricky_edited(const char *version, const char *from, const char *to)
{
    return tricky_made(version, from, to, NULL);
}

/* Every object that is no stream (all but 8, 9 and 11) packed, as PDF 1.5
 * writers do: the catalog, the page tree, the pages, the indirect /Length
 * of 11 and the info. */
#define TRICKY_PACKED 0x1A7Fu

/* The same, made by hand_pdf15 with x when x is set. */
static buf tricky_made(const char *version, const char *from, const char *to, const p15 *x)
{
    const char *objs[] = {
        /* 1 */ "<< /Type /Catalog /Pages 2 0 R >>",
        /* 2 */ "<< /Type /Pages /Kids [ 3 0 R 4 0 R ] /Count 3 >>",
        /* 3 */ "<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 2 >>",
        /* 4 */
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /Font << /F1 7 0 R "
        ">> >> /Contents 11 0 R >>",
        /* 5 */
        "<</Type/Page/Parent 3 0 R/MediaBox[0 0 200 200]/Resources<</Font<</F1 7 0 R>>>>"
        "/Contents 8 0 R/Annots[10 0 R]>>",
        /* 6 */
        "<< /Type /Page /Parent 3 0 R /MediaBox [0 0 200 200] /Resources << /Font << /F1 7 0 R "
        ">> >> /Contents 9 0 R >>",
        /* 7 */ "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        /* 8 */ text_stream("Hand one"),
        /* 9 */ text_stream("Hand two"),
        /* 10 */
        "<< /Type /Annot /Subtype /Link /Rect [ 0 0 100 100 ] /Border [ 0 0 0 ]\n"
        "/A << /S /URI /URI " TRICKY_URI " >> % 7 0 R in a comment\n"
        "/Contents <35 20 30 20 52> /NM (\\\\) /Name /7#200#20R >>",
        /* 11 */
        "<< /Length 12 0 R >>\nstream\r\nBT /F1 12 Tf 20 100 Td (Hand three) Tj ET\n"
        "endstream",
        /* 12 */ "41",
        /* 13 */ "<< /Title (hand) >>",
    };
    enum { N = sizeof objs / sizeof objs[0] };
    char edited_obj[1024];
    edit_first(objs, N, from, to, edited_obj, sizeof edited_obj, "tricky_edited");
    if (x)
        return hand_pdf15(version, objs, N, "/Info 13 0 R", x);
    return hand_pdf(version, objs, N, "/Info 13 0 R");
}

/* ---- Merging ---- */

static int merge(const char *path, const buf *in, int n, const pdfmerge_meta *meta, mp_err *err)
{
    pdfmerge *m;
    int rc = pdfmerge_open(path, &m, err);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++) {
        if ((rc = pdfmerge_add(m, in[i].p, in[i].len, err))) {
            pdfmerge_abort(m);
            return rc;
        }
    }
    return pdfmerge_commit(m, meta, err);
}

static const pdfmerge_meta META = {"Day list", "Harbor View", "medpacket test", 1764547200};

static void test_merge_rendered(void)
{
    buf in[3] = {
        make_pdf("Alpha", 1, false, false, NULL),
        make_pdf("Bravo se\xC3\xB1"
                 "al",
                 2, true, true, "http://x/(1 0 R)"),
        make_pdf("Charlie", 3, true, false, "https://example.org/c"),
    };
    const char *out = in_dir("day.pdf");
    mp_err err = {0};
    CHECK_INT(merge(out, in, 3, &META, &err), 0);
    CHECK_STR(err.msg, "");
    buf got = slurp(out);
    CHECK(got.len > 0);
    CHECK(got.len > 9 && memcmp(got.p, "%PDF-1.4\n", 9) == 0);
    CHECK(contains(&got, "/Title (Day list)"));
    CHECK(contains(&got, "/CreationDate (D:20251201000000Z)"));
    CHECK(contains(&got, "/ModDate (D:20251201000000Z)"));
    CHECK(!contains(&got, "/Version"));
    CHECK(!contains(&got, "Haru Free PDF Library")); /* the inputs' info is dropped */
    /* The link annotation's dictionary comes through byte for byte. */
    const char *uri = memmem(in[1].p, in[1].len, "/URI (", 6);
    CHECK(uri != NULL);
    if (uri) {
        const char *eol = memchr(uri, '\n', in[1].len - (size_t)(uri - (const char *)in[1].p));
        char line[256];
        snprintf(line, sizeof line, "%.*s", eol ? (int)(eol - uri) : 0, uri);
        CHECK(contains(&got, line));
    }
    if (have_tools) {
        CHECK(qpdf_clean(out));
        CHECK_INT(pdfinfo_pages(out), 6);
        int status;
        char *text = pdftext(out, &status);
        CHECK_INT(status, 0);
        CHECK(page_has(text, 1, "Alpha page 1"));
        CHECK(page_has(text, 2,
                       "Bravo se\xC3\xB1"
                       "al page 1"));
        CHECK(page_has(text, 3,
                       "Bravo se\xC3\xB1"
                       "al page 2"));
        CHECK(page_has(text, 4, "Charlie page 1"));
        CHECK(page_has(text, 6, "Charlie page 3"));
        free(text);
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "pdfinfo -url '%s'", out);
        char *urls = run(cmd, &status);
        CHECK_INT(status, 0);
        CHECK(urls && strstr(urls, "   2  Annotation    http://x/(1 0 R)\n"));
        CHECK(urls && strstr(urls, "   4  Annotation    https://example.org/c\n"));
        free(urls);
        snprintf(cmd, sizeof cmd, "pdfinfo -isodates '%s'", out);
        char *info = run(cmd, &status);
        CHECK(info && strstr(info, "Title:           Day list\n"));
        CHECK(info && strstr(info, "Author:          Harbor View\n"));
        CHECK(info && strstr(info, "Creator:         medpacket test\n"));
        CHECK(info && strstr(info, "CreationDate:    2025-12-01T00:00:00Z\n"));
        free(info);
    }

    /* The same inputs and meta give the same bytes. */
    const char *again = in_dir("again.pdf");
    CHECK_INT(merge(again, in, 3, &META, &err), 0);
    buf got2 = slurp(again);
    CHECK(got.len == got2.len && got.len && memcmp(got.p, got2.p, got.len) == 0);
    free(got.p);
    free(got2.p);
    unlink(out);
    unlink(again);
    for (int i = 0; i < 3; i++)
        free(in[i].p);
}

static void test_tricky_shapes(void)
{
    buf in[2] = {make_pdf("Lead", 1, true, false, NULL), tricky_pdf("1.6")};
    const char *out = in_dir("tricky.pdf");
    mp_err err = {0};
    pdfmerge *m;
    CHECK_INT(pdfmerge_open(out, &m, &err), 0);
    CHECK_INT(pdfmerge_add(m, in[0].p, in[0].len, &err), 0);
    CHECK_INT(pdfmerge_pages(m), 1);
    CHECK_INT(pdfmerge_add(m, in[1].p, in[1].len, &err), 0);
    CHECK_STR(err.msg, "");
    CHECK_INT(pdfmerge_pages(m), 4);
    CHECK_INT(pdfmerge_commit(m, &META, &err), 0);

    buf got = slurp(out);
    /* Text shaped like references, in strings, comments and names, is left
     * alone; real references are renumbered. */
    CHECK(contains(&got, "/URI " TRICKY_URI " >> % 7 0 R in a comment\n"));
    CHECK(contains(&got, "/Contents <35 20 30 20 52> /NM (\\\\) /Name /7#200#20R >>"));
    CHECK(!contains(&got, "/F1 7 0 R"));
    CHECK(contains(&got, "/Version /1.6"));
    CHECK(!contains(&got, "(hand)"));
    if (have_tools) {
        CHECK(qpdf_clean(out));
        CHECK_INT(pdfinfo_pages(out), 4);
        int status;
        char *text = pdftext(out, &status);
        CHECK(page_has(text, 1, "Lead page 1"));
        CHECK(page_has(text, 2, "Hand one"));
        CHECK(page_has(text, 3, "Hand two"));
        CHECK(page_has(text, 4, "Hand three"));
        free(text);
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "pdfinfo -url '%s'", out);
        char *urls = run(cmd, &status);
        CHECK(urls && strstr(urls, "   2  Annotation    http://x/a (b) c ) R 5 0 R\n"));
        free(urls);
    }
    free(got.p);
    unlink(out);
    free(in[0].p);
    free(in[1].p);
}

/* More pages than one node of the merged tree holds: 1,100 pages make
 * three levels (35 leaves, 2 nodes, the root). */
static void test_many_pages(void)
{
    enum { DOCS = 275 };
    buf in[DOCS];
    for (int i = 0; i < DOCS; i++) {
        char label[32];
        snprintf(label, sizeof label, "Doc %d", i + 1);
        in[i] = make_pdf(label, 4, true, false, NULL);
    }
    const char *out = in_dir("many.pdf");
    mp_err err = {0};
    CHECK_INT(merge(out, in, DOCS, &META, &err), 0);
    buf got = slurp(out);
    CHECK(contains(&got, "/Count 1100 >>"));
    CHECK(contains(&got, "/Count 1024 >>"));
    CHECK(contains(&got, "/Count 76 >>"));
    CHECK(contains(&got, "/Count 12 >>")); /* the last leaf: 1100 - 34 * 32 */
    if (have_tools) {
        CHECK(qpdf_clean(out));
        CHECK_INT(pdfinfo_pages(out), 1100);
        int status;
        char *text = pdftext(out, &status);
        CHECK(page_has(text, 1, "Doc 1 page 1"));
        CHECK(page_has(text, 32, "Doc 8 page 4"));
        CHECK(page_has(text, 33, "Doc 9 page 1"));
        CHECK(page_has(text, 1024, "Doc 256 page 4"));
        CHECK(page_has(text, 1025, "Doc 257 page 1"));
        CHECK(page_has(text, 1100, "Doc 275 page 4"));
        free(text);
    }
    free(got.p);
    unlink(out);
    for (int i = 0; i < DOCS; i++)
        free(in[i].p);
}

static void test_meta(void)
{
    buf in = make_pdf("Meta", 1, true, false, NULL);
    const char *out = in_dir("meta.pdf");
    mp_err err = {0};
    pdfmerge_meta meta = {"Consent (v2) \\ final", "Nguy\xE1\xBB\x85n V\xC4\x83n A",
                          "x\xF0\x9F\x98\x80", 0};
    CHECK_INT(merge(out, &in, 1, &meta, &err), 0);
    buf got = slurp(out);
    CHECK(contains(&got, "/Title (Consent \\(v2\\) \\\\ final)"));
    CHECK(contains(&got, "/Author <FEFF004E0067007500791EC5006E002000560103006E00200041>"));
    CHECK(contains(&got, "/Creator <FEFF0078D83DDE00>")); /* a surrogate pair */
    CHECK(contains(&got, "/CreationDate (D:19700101000000Z)"));
    if (have_tools) {
        int status;
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "pdfinfo -enc UTF-8 '%s'", out);
        char *info = run(cmd, &status);
        CHECK(info && strstr(info, "Title:           Consent (v2) \\ final\n"));
        CHECK(info && strstr(info, "Author:          Nguy\xE1\xBB\x85n V\xC4\x83n A\n"));
        free(info);
    }
    free(got.p);
    unlink(out);

    /* No meta at all: only the dates. */
    CHECK_INT(merge(out, &in, 1, NULL, &err), 0);
    got = slurp(out);
    CHECK(contains(&got, "2 0 obj\n<< /CreationDate (D:19700101000000Z) /ModDate "
                         "(D:19700101000000Z) >>\nendobj\n"));
    free(got.p);
    unlink(out);

    pdfmerge_meta bad = {"ab\xFF", NULL, NULL, 0};
    err_clear(&err);
    CHECK_INT(merge(out, &in, 1, &bad, &err), EX_DATAERR);
    CHECK_STR(err.msg, "cannot merge: the title is not valid UTF-8 (byte 3)");
    CHECK(!exists(out));
    CHECK_INT(hidden_entries(), 0);
    free(in.p);
}

static void test_nothing_to_merge(void)
{
    const char *out = in_dir("empty.pdf");
    mp_err err = {0};
    pdfmerge *m;
    CHECK_INT(pdfmerge_open(out, &m, &err), 0);
    CHECK_INT(pdfmerge_pages(m), 0);
    CHECK_INT(pdfmerge_commit(m, &META, &err), EX_DATAERR);
    CHECK_STR(err.msg, "nothing to merge");
    CHECK(!exists(out));

    /* A PDF without pages adds nothing. */
    buf none = make_pdf("None", 0, true, false, NULL);
    err_clear(&err);
    CHECK_INT(pdfmerge_open(out, &m, &err), 0);
    CHECK_INT(pdfmerge_add(m, none.p, none.len, &err), 0);
    CHECK_INT(pdfmerge_pages(m), 0);
    CHECK_INT(pdfmerge_commit(m, &META, &err), EX_DATAERR);
    CHECK_STR(err.msg, "nothing to merge");
    CHECK(!exists(out));
    CHECK_INT(hidden_entries(), 0);
    free(none.p);
    pdfmerge_abort(NULL);
}

/* A non-PDF spends the merge: later adds and the commit fail, no file. */
static void test_not_a_pdf(void)
{
    buf good = make_pdf("Good", 1, true, false, NULL);
    const char *out = in_dir("bad.pdf");
    mp_err err = {0};
    pdfmerge *m;
    CHECK_INT(pdfmerge_open(out, &m, &err), 0);
    CHECK_INT(pdfmerge_add(m, good.p, good.len, &err), 0);
    CHECK_INT(pdfmerge_add(m, (const unsigned char *)"hello", 5, &err), EX_SOFTWARE);
    CHECK_STR(err.msg, "cannot merge: not a PDF (no %PDF-n.n header)");
    CHECK_INT(pdfmerge_add(m, good.p, good.len, &err), EX_SOFTWARE);
    CHECK_STR(err.msg, "cannot merge: an earlier input failed");
    CHECK_INT(pdfmerge_commit(m, &META, &err), EX_SOFTWARE);
    CHECK(!exists(out));
    CHECK_INT(hidden_entries(), 0);

    CHECK_INT(pdfmerge_open(out, &m, &err), 0);
    CHECK_INT(pdfmerge_add(m, NULL, 0, &err), EX_SOFTWARE);
    pdfmerge_abort(m);
    CHECK(!exists(out));
    CHECK_INT(hidden_entries(), 0);
    free(good.p);
}

/* Replaces the first `from` in b with `to` (same length or not). */
static buf edited(const buf *b, const char *from, const char *to)
{
    buf e = {0};
    const unsigned char *hit = memmem(b->p, b->len, from, strlen(from));
    if (!hit) {
        fprintf(stderr, "edited: \"%s\" not found\n", from);
        check_failures++;
        append(&e, (const char *)b->p, b->len);
        return e;
    }
    size_t at = (size_t)(hit - b->p);
    append(&e, (const char *)b->p, at);
    append(&e, to, strlen(to));
    append(&e, (const char *)hit + strlen(from), b->len - at - strlen(from));
    return e;
}

/* Adds in to a fresh merge; returns the status and leaves the message. */
static int add_one(const buf *in, mp_err *err)
{
    pdfmerge *m;
    err_clear(err);
    int rc = pdfmerge_open(in_dir("one.pdf"), &m, err);
    if (rc)
        return rc;
    /* An exact-size copy, so that valgrind sees any read past the end. */
    unsigned char *copy = malloc(in->len ? in->len : 1);
    if (!copy)
        abort();
    memcpy(copy, in->p, in->len);
    rc = pdfmerge_add(m, copy, in->len, err);
    pdfmerge_abort(m);
    free(copy);
    return rc;
}

/* pdfmerge_check on an exact-size copy. */
static int check_one(const buf *in, long *pages, mp_err *err)
{
    err_clear(err);
    unsigned char *copy = malloc(in->len ? in->len : 1);
    if (!copy)
        abort();
    memcpy(copy, in->p, in->len);
    int rc = pdfmerge_check(copy, in->len, pages, err);
    free(copy);
    return rc;
}

/* An input the merge refuses: pdfmerge_add says why, and pdfmerge_check,
 * which a resumed batch asks before adding a file read back, says the same. */
static void check_bad(const buf *in, const char *want, int line)
{
    mp_err err;
    for (int pass = 0; pass < 2; pass++) {
        long pages = -1;
        int rc = pass == 0 ? add_one(in, &err) : check_one(in, &pages, &err);
        if (rc != EX_SOFTWARE || strncmp(err.msg, want, strlen(want)) != 0 || pages != -1) {
            fprintf(stderr, "%s:%d: %s: got %d \"%s\", want %d \"%s...\"\n", __FILE__, line,
                    pass == 0 ? "add" : "check", rc, err.msg, EX_SOFTWARE, want);
            check_failures++;
        }
    }
}

/* pdfmerge_check reads an input as an add would and writes nothing. */
static void test_check(void)
{
    buf good = make_pdf("Good", 3, true, true, "https://example.org/a");
    mp_err err;
    long pages = 0;
    CHECK_INT(check_one(&good, &pages, &err), 0);
    CHECK_INT(pages, 3);
    CHECK_INT(hidden_entries(), 0);
    CHECK_INT(pdfmerge_check(good.p, good.len, NULL, &err), 0);

    /* Cut anywhere, as a file read back after a crash could be. */
    for (size_t cut = 0; cut < good.len; cut += good.len / 7 + 1) {
        buf b = {good.p, cut};
        pages = -1;
        CHECK_INT(check_one(&b, &pages, &err), EX_SOFTWARE);
        CHECK_INT(pages, -1);
    }
    buf none = {(unsigned char *)"hello", 5};
    CHECK_INT(check_one(&none, NULL, &err), EX_SOFTWARE);
    CHECK_STR(err.msg, "cannot merge: not a PDF (no %PDF-n.n header)");

    /* A PDF without a page would leave its row out of the merge. */
    buf empty = make_pdf("Empty", 0, false, false, NULL);
    if (empty.p) {
        CHECK_INT(check_one(&empty, NULL, &err), EX_SOFTWARE);
        CHECK_STR(err.msg, "cannot merge: the file has no pages");
    }
    free(empty.p);
    free(good.p);
}

/* An edit of the file as made: the header, the xref table, the trailer. */
#define CHECK_BAD(from, to, want)                                                                  \
    do {                                                                                           \
        buf e_ = edited(&tricky, (from), (to));                                                    \
        check_bad(&e_, (want), __LINE__);                                                          \
        free(e_.p);                                                                                \
    } while (0)

/* An edit of an object, the file made around it. */
#define CHECK_BAD_OBJ(from, to, want)                                                              \
    do {                                                                                           \
        buf e_ = tricky_edited("1.4", (from), (to));                                               \
        check_bad(&e_, (want), __LINE__);                                                          \
        free(e_.p);                                                                                \
    } while (0)

static void test_bad_inputs(void)
{
    buf tricky = tricky_pdf("1.4");
    mp_err err;
    CHECK_INT(add_one(&tricky, &err), 0);

    buf cut = {tricky.p, tricky.len / 2};
    check_bad(&cut, "cannot merge: no startxref near the end of the file", __LINE__);
    CHECK_BAD("startxref\n", "startxref\n9", "cannot merge: bad startxref at byte");
    CHECK_BAD("startxref\n", "startxref\n0 ", "cannot merge: startxref does not point to an xref");
    CHECK_BAD("%PDF-1.4", "%PDF-x.y", "cannot merge: not a PDF");
    CHECK_BAD(" n\r\n", " x\r\n", "cannot merge: bad xref entry at byte");
    CHECK_BAD(" n\r\n", " n\n\n", "cannot merge: bad xref entry at byte");
    CHECK_BAD("0000000000 65535 f\r\n", "0000000000 65535 n\r\n",
              "cannot merge: object 0 is listed as in use");
    CHECK_BAD("xref\n0 14\n", "xref\n0 99\n", "cannot merge: xref table runs past the end");
    CHECK_BAD("0000000015", "0000099999", "cannot merge: xref entry points past the end");
    CHECK_BAD("/Size 14", "/Size 99999", "cannot merge: bad /Size in the trailer");
    CHECK_BAD("/Size 14", "/Size 3", "cannot merge: bad /Size in the trailer");
    CHECK_BAD("/Root 1 0 R", "/Root 1 0 R /Prev 9", "cannot merge: the file has incremental");
    CHECK_BAD("/Root 1 0 R", "/Root 1 0 R /Encrypt 9 0 R", "cannot merge: the file is encrypted");
    CHECK_BAD("/Root 1 0 R", "/Root 1 0 R /XRefStm 9", "cannot merge: the file has a cross-ref");
    CHECK_BAD("/Root 1 0 R", "/Root 99 0 R", "cannot merge: the trailer has no usable /Root");
    CHECK_BAD("/Root 1 0 R", "/Root 1 1 R", "cannot merge: the trailer has no usable /Root");
    CHECK_BAD("/Info 13 0 R", "/Info 1 0 R", "cannot merge: the trailer has a bad /Info");
    CHECK_BAD("trailer\n<<", "trailer\n()", "cannot merge: trailer is not a dictionary");
    CHECK_BAD("trailer\n<<", "trailer\n[[", "cannot merge: unexpected ']' or '>>'");
    CHECK_BAD(">>\nstartxref", "/K\n%startxref", "cannot merge: unexpected end of file");
    CHECK_BAD("1 0 obj", "1 1 obj", "cannot merge: object 1 is not at byte 15 where the xref");
    CHECK_BAD("endobj\n2 0 obj", "endobx\n2 0 obj", "cannot merge: object 1 is not a dictionary");
    CHECK_BAD("(Hand two) Tj ET\nendstream\nendobj", "(Hand two) Tj ET\nendstream\nendobx",
              "cannot merge: object does not end with endobj");

    CHECK_BAD_OBJ("/Type /Catalog", "/Type /Catalox", "cannot merge: the catalog has no /Type");
    CHECK_BAD_OBJ("/Kids [ 3 0 R 4 0 R ]", "/Kids [ 3 0 R 3 0 R ]",
                  "cannot merge: the page tree is not a tree");
    CHECK_BAD_OBJ("/Kids [ 3 0 R 4 0 R ]", "/Kids [ 3 0 R 1 0 R ]",
                  "cannot merge: the page tree is not a tree");
    CHECK_BAD_OBJ("/Kids [5 0 R 6 0 R]", "/Kids [5 0 R 2 0 R]",
                  "cannot merge: the page tree is not a tree");
    CHECK_BAD_OBJ("/Kids [ 3 0 R 4 0 R ]", "/Kids [ 3 0 R 9 9 R ]",
                  "cannot merge: the page tree refers to an object the file does not have");
    CHECK_BAD_OBJ("/Kids [ 3 0 R 4 0 R ]", "/Kids [ 3 0 R (4 0 R) ]",
                  "cannot merge: /Kids holds something other than a reference");
    CHECK_BAD_OBJ("/Kids [ 3 0 R 4 0 R ]", "/Kids 3 0 R",
                  "cannot merge: page-tree node without /Kids or /Count");
    CHECK_BAD_OBJ("/Count 3", "/Count 4", "cannot merge: page-tree node whose /Count is wrong");
    CHECK_BAD_OBJ("/Count 2", "/Count 3", "cannot merge: page-tree node whose /Count is wrong");
    CHECK_BAD_OBJ("/Count 3 >>", "/Count 3 /MediaBox [0 0 9 9] >>",
                  "cannot merge: page-tree node with inherited page attributes");
    CHECK_BAD_OBJ("/Type /Pages /Kids [ 3", "/Type /Pagex /Kids [ 3",
                  "cannot merge: page-tree node is neither");
    CHECK_BAD_OBJ("/Type /Page /Parent 2 0 R", "/Type /Page",
                  "cannot merge: page without exactly one /Parent");
    CHECK_BAD_OBJ("/Type /Page /Parent 2 0 R", "/Type /Page /Parent 2 0 R /Parent 2 0 R",
                  "cannot merge: page without exactly one /Parent");
    CHECK_BAD_OBJ("/Type /Page /Parent 2 0 R", "/Type /Page /Parent 7 0 R",
                  "cannot merge: a page's /Parent is not a page-tree node");
    CHECK_BAD_OBJ("/Contents 11 0 R", "/Contents 99 0 R",
                  "cannot merge: reference to an object the file does not have");
    CHECK_BAD_OBJ("/Contents 11 0 R", "/Contents 11 1 R",
                  "cannot merge: reference to an object the file does not have");
    CHECK_BAD_OBJ("/Contents 11 0 R", "/Contents 13 0 R",
                  "cannot merge: reference to the catalog, the page tree or the info");
    CHECK_BAD_OBJ("/Contents 11 0 R", "/Contents 11 0 R /Up 2 0 R",
                  "cannot merge: reference to the catalog, the page tree or the info");
    CHECK_BAD_OBJ("/Length 12 0 R", "/Length 7 0 R",
                  "cannot merge: a stream's /Length object is not an integer");
    CHECK_BAD_OBJ("/Length 12 0 R", "/Length 99 0 R",
                  "cannot merge: reference to an object the file does not have");
    CHECK_BAD_OBJ("/Length 12 0 R", "", "cannot merge: stream without a usable /Length");
    CHECK_BAD_OBJ("41", "43", "cannot merge: stream data does not end where its /Length says");
    CHECK_BAD_OBJ("41", "40", "cannot merge: stream data does not end where its /Length says");
    CHECK_BAD_OBJ("41", "99999", "cannot merge: stream data runs past the end of the file");
    CHECK_BAD_OBJ("stream\r\nBT", "stream BT",
                  "cannot merge: stream keyword not followed by an end of line");
    CHECK_BAD_OBJ("/Type /Font", "/Type /Font >>\nstream\n",
                  "cannot merge: stream without a usable /Length");
    CHECK_BAD_OBJ("/Contents <35 20", "/Contents <3z 20", "cannot merge: bad hex string");
    CHECK_BAD_OBJ("/Contents <35 20 30 20 52>", "/Contents <35 20 30 20 52",
                  "cannot merge: bad hex string");
    CHECK_BAD_OBJ("/NM (\\\\)", "/NM (\\\\(", "cannot merge: unterminated string");
    CHECK_BAD_OBJ("/BaseFont /Helvetica >>", "/BaseFont /Helvetica }}",
                  "cannot merge: unexpected delimiter");
    CHECK_BAD_OBJ("/BaseFont /Helvetica >>", "/BaseFont Helvetica >>",
                  "cannot merge: unexpected keyword");
    CHECK_BAD_OBJ("/BaseFont /Helvetica >>", "/BaseFont ] >>",
                  "cannot merge: unexpected ']' or '>>'");
    CHECK_BAD_OBJ("/BaseFont /Helvetica >>", "/BaseFont /Helvetica > >",
                  "cannot merge: unexpected '>'");
    CHECK_BAD_OBJ("<< /Type /Font", "<< (Type) /Font",
                  "cannot merge: dictionary key is not a name");
    CHECK_BAD_OBJ("<< /Type /Font", "<< /Typ#65 /Font",
                  "cannot merge: escaped name as a dictionary key");

    /* Deep nesting stops at a bound rather than at the end of the stack. */
    char deep[200] = "/Rect ";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    CHECK_BAD_OBJ("/Rect ", deep, "cannot merge: arrays and dictionaries nested too deeply");
    free(tricky.p);
}

/* Every truncation and many one-byte changes of two small inputs: whatever
 * comes of them, nothing reads out of bounds (run under valgrind) and a
 * failure is EX_SOFTWARE with a message. Successes go to /dev/null. */
static void test_mangled(void)
{
    buf ins[2] = {tricky_pdf("1.4"), make_pdf("Small", 1, false, false, "http://x/(y)")};
    static const char subst[] = "(0 <>[/%";
    long ok = 0, bad = 0;
    for (int k = 0; k < 2; k++) {
        const buf *in = &ins[k];
        for (size_t len = 0; len <= in->len; len++) {
            for (size_t s = 0; s <= (len < in->len ? sizeof subst - 1 : 0); s++) {
                /* s == 0: the prefix as it is; else its last byte replaced. */
                if (s > 0 && len == 0)
                    continue;
                unsigned char *p = malloc(len ? len : 1);
                if (!p)
                    abort();
                memcpy(p, in->p, len);
                if (s > 0)
                    p[len - 1] = (unsigned char)subst[s - 1];
                pdfmerge *m;
                mp_err err = {0};
                if (pdfmerge_open("/dev/null", &m, &err) != 0) {
                    CHECK(false);
                    free(p);
                    continue;
                }
                int rc = pdfmerge_add(m, p, len, &err);
                if (rc == 0) {
                    ok++;
                    rc = pdfmerge_commit(m, &META, &err);
                    CHECK(rc == 0 || rc == EX_DATAERR);
                } else {
                    bad++;
                    CHECK_INT(rc, EX_SOFTWARE);
                    CHECK(strncmp(err.msg, "cannot merge: ", 14) == 0);
                    pdfmerge_abort(m);
                }
                free(p);
            }
        }
    }
    CHECK(ok > 0);
    CHECK(bad > 0);
    free(ins[0].p);
    free(ins[1].p);
}

/* ---- PDF 1.5: object streams and cross-reference streams ---- */

static void put(const char *path, const buf *b)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(b->p, 1, b->len, f) == b->len);
    if (f)
        fclose(f);
}

/* in rewritten by qpdf with opts; checks that it has compressed objects. */
static buf qpdf_made(const buf *in, const char *opts)
{
    const char *from = in_dir("qpdf-in.pdf"), *to = in_dir("qpdf-out.pdf");
    char cmd[1024];
    int status;
    put(from, in);
    snprintf(cmd, sizeof cmd, "qpdf %s '%s' '%s' 2>&1 && qpdf --show-xref '%s'", opts, from, to,
             to);
    char *out = run(cmd, &status);
    CHECK_INT(status, 0);
    CHECK(out && strstr(out, "compressed; stream = "));
    free(out);
    buf b = slurp(to);
    unlink(from);
    unlink(to);
    return b;
}

/* The text pdftotext finds in the file, pages ending in form feeds; its
 * warnings (libharu's ToUnicode maps draw some) left out. */
static char *text_at(const char *path)
{
    char cmd[1024];
    int status;
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>/dev/null", path);
    char *text = run(cmd, &status);
    CHECK_INT(status, 0);
    return text;
}

static char *text_of(const buf *b)
{
    const char *path = in_dir("text.pdf");
    put(path, b);
    char *text = text_at(path);
    unlink(path);
    return text;
}

static const p15 LEAD = {.packed = TRICKY_PACKED};

/* Classic inputs, inputs with object streams (from qpdf, in its three
 * shapes, and as medpacket is to write them) and a mix: the merge has
 * every page in order with the inputs' text, and none of their xref or
 * object streams. */
static void test_object_streams(void)
{
    buf tricky15 = tricky_made("1.5", NULL, NULL, &LEAD);
    mp_err err;
    long pages = 0;
    CHECK_INT(check_one(&tricky15, &pages, &err), 0);
    CHECK_STR(err.msg, "");
    CHECK_INT(pages, 3);
    CHECK(contains(&tricky15, "/Type /ObjStm"));
    if (!have_tools) {
        free(tricky15.p);
        return;
    }
    buf classic[3] = {
        make_pdf("Alpha", 2, true, true, "http://x/(1 0 R)"),
        make_pdf("Bravo", 1, false, false, NULL),
        tricky_pdf("1.4"),
    };
    /* qpdf's default: flate with PNG predictor 12 on the xref stream,
     * /W [1 2 1] or so; --qdf: no filters at all; and /Index-less streams
     * of uncompressed data. */
    buf packed[5] = {
        qpdf_made(&classic[0], "--object-streams=generate"),
        qpdf_made(&classic[1], "--qdf --object-streams=generate"),
        qpdf_made(&classic[2], "--object-streams=generate --compress-streams=n"),
        qpdf_made(&classic[0], "--object-streams=generate --stream-data=uncompress"),
        tricky15,
    };
    CHECK(contains(&packed[0], "/Predictor 12"));
    const struct {
        const char *name;
        const buf *in[6];
    } sets[] = {
        {"classic", {&classic[0], &classic[1], &classic[2]}},
        {"packed", {&packed[0], &packed[1], &packed[2], &packed[3], &packed[4]}},
        {"mixed", {&packed[4], &classic[0], &packed[1], &classic[2], &packed[0], &classic[1]}},
    };
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        const char *out = in_dir("streams.pdf");
        pdfmerge *m;
        err_clear(&err);
        CHECK_INT(pdfmerge_open(out, &m, &err), 0);
        size_t want_len = 0;
        char *want = calloc(1, 1);
        long want_pages = 0;
        for (int i = 0; i < 6 && sets[k].in[i]; i++) {
            const buf *in = sets[k].in[i];
            long n = 0;
            CHECK_INT(check_one(in, &n, &err), 0);
            want_pages += n;
            int rc = pdfmerge_add(m, in->p, in->len, &err);
            if (rc)
                fprintf(stderr, "%s, input %d: %s\n", sets[k].name, i, err.msg);
            CHECK_INT(rc, 0);
            char *t = text_of(in);
            size_t tl = t ? strlen(t) : 0;
            char *w = realloc(want, want_len + tl + 1);
            if (!w)
                abort();
            want = w;
            memcpy(want + want_len, t ? t : "", tl + 1);
            want_len += tl;
            free(t);
        }
        CHECK_INT(pdfmerge_pages(m), want_pages);
        CHECK_INT(pdfmerge_commit(m, &META, &err), 0);
        CHECK(qpdf_clean(out));
        CHECK_INT(pdfinfo_pages(out), want_pages);
        char *got = text_at(out);
        if (!got || strcmp(got, want) != 0) {
            fprintf(stderr, "%s: merged text differs:\n--- want\n%s\n--- got\n%s\n", sets[k].name,
                    want, got ? got : "");
            check_failures++;
        }
        buf merged = slurp(out);
        CHECK(!contains(&merged, "/ObjStm"));
        CHECK(!contains(&merged, "/XRef"));
        CHECK(contains(&merged, "\nxref\n0 "));
        free(merged.p);
        free(got);
        free(want);
        unlink(out);
    }
    /* The links of the packed tricky input come through, the text shaped
     * like references in them untouched. */
    const char *out = in_dir("links.pdf");
    CHECK_INT(merge(out, &packed[4], 1, &META, &err), 0);
    buf got = slurp(out);
    CHECK(contains(&got, "/URI " TRICKY_URI " >> % 7 0 R in a comment\n"));
    CHECK(contains(&got, "/Version /1.5"));
    char cmd[1024];
    int status;
    snprintf(cmd, sizeof cmd, "pdfinfo -url '%s'", out);
    char *urls = run(cmd, &status);
    CHECK(urls && strstr(urls, "   1  Annotation    http://x/a (b) c ) R 5 0 R\n"));
    free(urls);
    free(got.p);
    unlink(out);
    for (int i = 0; i < 3; i++)
        free(classic[i].p);
    for (int i = 0; i < 5; i++)
        free(packed[i].p);
}

/* A hostile object stream or cross-reference stream: the edit x makes to
 * the tricky file (and from, to to its objects) is refused with want. */
static void check_bad15(const char *from, const char *to, p15 x, const char *want, int line)
{
    if (!x.packed)
        x.packed = TRICKY_PACKED;
    buf b = tricky_made("1.5", from, to, &x);
    check_bad(&b, want, line);
    free(b.p);
}

#define BAD15(want, ...) check_bad15(NULL, NULL, (p15){__VA_ARGS__}, want, __LINE__)
#define BAD15_OBJ(from, to, want) check_bad15(from, to, LEAD, want, __LINE__)

static void test_bad_pdf15(void)
{
    /* The object stream. */
    BAD15("cannot merge: stream 14 does not inflate (truncated)", .cut = 12);
    BAD15("cannot merge: an object stream offset past its end", .plain_cut = 40);
    BAD15("cannot merge: an object stream whose /First is past its end", .first_delta = 100000);
    BAD15("cannot merge: an object stream header with fewer than /N pairs", .n_delta = 1);
    BAD15("cannot merge: an object stream header with more than /N pairs", .n_delta = -1);
    BAD15("cannot merge: an object stream whose /N does not fit before /First", .n_delta = 1000);
    BAD15("cannot merge: object stream offsets out of order", .swap = true);
    BAD15("cannot merge: an object stream offset past its end", .past_end = true);
    BAD15("cannot merge: an object stream header with a bad object number", .from = "1 0 ",
          .to = "0 0 ");
    BAD15("cannot merge: the xref puts an object where its object stream has another",
          .from = "1 0 ", .to = "9 0 ");
    BAD15_OBJ("41", "<< /Length 2 >>\nstream\nab\nendstream",
              "cannot merge: a compressed object claims to be a stream");
    BAD15_OBJ("41", "41 42", "cannot merge: a compressed object holds more than one value");
    BAD15_OBJ("41", "<< /Type /ObjStm >>", "cannot merge: a stream's /Length object is not");
    BAD15_OBJ("/Contents 11 0 R", "/Contents 14 0 R",
              "cannot merge: reference to an object stream or a cross-reference stream");
    BAD15_OBJ("/Contents 11 0 R", "/Contents 15 0 R",
              "cannot merge: reference to an object stream or a cross-reference stream");
    BAD15_OBJ("/Kids [5 0 R 6 0 R]", "/Kids [5 0 R 14 0 R]",
              "cannot merge: the page tree is not a tree");
    BAD15_OBJ("/Count 2", "/Count 3",
              "cannot merge: page-tree node whose /Count is wrong (object 3");
    BAD15_OBJ("/Type /Catalog", "/Type /Catalox", "cannot merge: the catalog has no /Type");
    BAD15_OBJ("/BaseFont /Helvetica >>", "/BaseFont /Helvetica",
              "cannot merge: unexpected end of file at byte");

    /* The cross-reference stream. */
    BAD15("cannot merge: the xref stream entry of object 2 points past the end", .entry = 2,
          .type = 1, .f2 = 0xFFFFFFu);
    BAD15("cannot merge: the xref puts an object past the /N of its object stream", .entry = 1,
          .type = 2, .f2 = 14, .f3 = 10);
    BAD15("cannot merge: an object stream inside an object stream", .entry = 14, .type = 2,
          .f2 = 14, .f3 = 0);
    BAD15("cannot merge: an object stream inside an object stream", .entry = 14, .type = 2, .f2 = 7,
          .f3 = 0);
    BAD15("cannot merge: the xref stream entry of object 3 names no object stream", .entry = 3,
          .type = 2, .f2 = 99, .f3 = 0);
    BAD15("cannot merge: an object stream without /Type /ObjStm at byte", .entry = 3, .type = 2,
          .f2 = 9, .f3 = 0);
    BAD15("cannot merge: an object stream without /Type /ObjStm at byte 15", .entry = 3, .type = 2,
          .f2 = 1, .f3 = 0, .packed = TRICKY_PACKED & ~1u);
    BAD15("cannot merge: object 0 is listed as in use", .xmangle_at = 1, .xmangle_to = 1);
    BAD15("cannot merge: xref stream data is not as long as its entries",
          .xref_extra = "/W [1 4 3]");
    BAD15("cannot merge: bad /W in the xref stream", .xref_extra = "/W [1 4 9]");
    BAD15("cannot merge: bad /W in the xref stream", .xref_extra = "/W [1 4]");
    BAD15("cannot merge: an xref stream /Index past /Size", .xref_extra = "/Index [0 10 12 9]");
    BAD15("cannot merge: an xref stream /Index past /Size", .xref_extra = "/Index [0 16 0 1]");
    BAD15("cannot merge: bad /Index in the xref stream", .xref_extra = "/Index [0 16 1]");
    BAD15("cannot merge: the file has incremental updates", .xref_extra = "/Prev 9");
    BAD15("cannot merge: the file is encrypted", .xref_extra = "/Encrypt 3 0 R");
    BAD15("cannot merge: a stream filter other than /FlateDecode",
          .xref_extra = "/Filter /LZWDecode");
    BAD15("cannot merge: a predictor other than PNG on bytes",
          .xref_extra = "/DecodeParms << /Predictor 2 >>");
    BAD15("cannot merge: stream 15 is not whole rows of its predictor",
          .xref_extra = "/DecodeParms << /Predictor 12 /Columns 5 >>");
    BAD15("cannot merge: stream 15 has a bad PNG predictor row",
          .xref_extra = "/DecodeParms << /Predictor 12 /Columns 3 >>");
    BAD15("cannot merge: the xref stream's /Length is not an integer",
          .xref_extra = "/Length 12 0 R");
    BAD15("cannot merge: bad /Size in the xref stream", .xref_extra = "/Size 99999");
    BAD15("cannot merge: startxref points to an object other than an xref stream",
          .xref_extra = "/Type /XRefx");

    /* /Index with two subsections, in a file the merge takes. */
    p15 x = LEAD;
    x.xref_extra = "/Index [0 8 8 8]";
    buf b = tricky_made("1.5", NULL, NULL, &x);
    mp_err err;
    long pages = 0;
    CHECK_INT(check_one(&b, &pages, &err), 0);
    CHECK_STR(err.msg, "");
    CHECK_INT(pages, 3);
    free(b.p);
}

/* Every one-byte change of the object stream's and the xref stream's
 * inflated bytes, and every truncation of the file: nothing reads out of
 * bounds (ASan, valgrind) and a failure is EX_SOFTWARE with a message. */
static void test_mangled15(void)
{
    static const char subst[] = "(0 <>[/%9\n";
    long ok = 0, bad = 0;
    buf whole = tricky_made("1.5", NULL, NULL, &LEAD);
    size_t plain_len = 1200; /* more than the object stream's inflated bytes */
    for (int what = 0; what < 3; what++) {
        size_t n = what == 0 ? plain_len : what == 1 ? 16 * 7 : whole.len;
        for (size_t at = 0; at < n; at++) {
            for (size_t s = 0; s < (what == 2 ? 1 : sizeof subst - 1); s++) {
                p15 x = LEAD;
                buf b;
                if (what == 0) {
                    x.mangle_at = at + 1;
                    x.mangle_to = subst[s];
                } else if (what == 1) {
                    x.xmangle_at = at + 1;
                    x.xmangle_to = (unsigned char)(s * 29 + 1);
                }
                if (what == 2) {
                    b.p = malloc(at ? at : 1);
                    memcpy(b.p, whole.p, at);
                    b.len = at;
                } else {
                    b = tricky_made("1.5", NULL, NULL, &x);
                }
                mp_err err = {0};
                pdfmerge *m;
                CHECK_INT(pdfmerge_open("/dev/null", &m, &err), 0);
                int rc = pdfmerge_add(m, b.p, b.len, &err);
                if (rc == 0) {
                    ok++;
                    rc = pdfmerge_commit(m, &META, &err);
                    CHECK(rc == 0 || rc == EX_DATAERR);
                } else {
                    bad++;
                    CHECK_INT(rc, EX_SOFTWARE);
                    CHECK(strncmp(err.msg, "cannot merge: ", 14) == 0);
                    pdfmerge_abort(m);
                }
                free(b.p);
            }
        }
    }
    CHECK(ok > 0);
    CHECK(bad > 0);
    free(whole.p);
}

/* ---- Tagged inputs ---- */

/* A content stream drawing text in /F1 inside marked content, then dobj (a
 * "/Name Do", or ""). */
static const char *marked_stream(const char *text, const char *dobj)
{
    static char bufs[4][256];
    static int next;
    char content[160], *out = bufs[next++ % 4];
    snprintf(content, sizeof content, "/P <</MCID 0>> BDC BT /F1 12 Tf 20 100 Td (%s) Tj ET EMC%s",
             text, dobj);
    snprintf(out, sizeof bufs[0], "<< /Length %zu >>\nstream\n%s\nendstream", strlen(content),
             content);
    return out;
}

/* Every object that is no stream (all but 6, 7, 13 and 17) packed. */
#define TAGGED_PACKED 0xEF9Fu

/* Two pages of a tagged PDF as the per-patient PDFs are to be (PDF/UA): the
 * catalog holds a structure tree (elements with /P, /Pg and an OBJR to the
 * link), /MarkInfo, an XMP /Metadata stream, /ViewerPreferences and /Lang;
 * the pages have /StructParents and /Tabs /S, the link annotation and a form
 * XObject /StructParent. The first `from` in its objects becomes `to`; with
 * packed, it is PDF 1.5 with an object stream and an xref stream. */
static buf tagged_made(const char *from, const char *to, bool packed)
{
    static const char packet[] = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"></x:xmpmeta>";
    char xmp[160];
    snprintf(xmp, sizeof xmp,
             "<< /Type /Metadata /Subtype /XML /Length %zu >>\nstream\n%s\nendstream",
             sizeof packet - 1, packet);
    const char *objs[] = {
        /* 1 */
        "<< /Type /Catalog /Pages 2 0 R /StructTreeRoot 9 0 R /MarkInfo << /Marked true >> "
        "/Metadata 13 0 R /ViewerPreferences << /DisplayDocTitle true >> /Lang (en-US) >>",
        /* 2 */ "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        /* 3 */
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /Font << /F1 5 0 R "
        ">> >> /Contents 6 0 R /Annots [8 0 R] /StructParents 0 /Tabs /S >>",
        /* 4: the key to drop first, and no spaces around it */
        "<</StructParents 1/Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Resources<</Font<</F1 "
        "5 0 R>>/XObject<</X1 17 0 R>>>>/Contents 7 0 R/Tabs/S>>",
        /* 5 */ "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        /* 6 */ marked_stream("Tagged one", ""),
        /* 7 */ marked_stream("Tagged two", " /X1 Do"),
        /* 8 */
        "<< /Type /Annot /Subtype /Link /Rect [20 20 120 40] /Border [0 0 0] /A << /S /URI /URI "
        "(https://example.org/tagged) >> /P 3 0 R /StructParent 2 >>",
        /* 9 */
        "<< /Type /StructTreeRoot /K 10 0 R /ParentTree 14 0 R /ParentTreeNextKey 4 >>",
        /* 10 */ "<< /Type /StructElem /S /Document /P 9 0 R /K [11 0 R 15 0 R 12 0 R] >>",
        /* 11 */ "<< /Type /StructElem /S /P /P 10 0 R /Pg 3 0 R /K 0 >>",
        /* 12 */
        "<< /Type /StructElem /S /Link /P 10 0 R /Pg 3 0 R /K [<< /Type /OBJR /Obj 8 0 R /Pg 3 "
        "0 R >>] >>",
        /* 13 */ xmp,
        /* 14 */ "<< /Nums [0 [11 0 R] 1 [15 0 R] 2 12 0 R 3 15 0 R] >>",
        /* 15 */
        "<< /Type /StructElem /S /P /P 10 0 R /Pg 4 0 R /K [0 << /Type /MCR /MCID 0 "
        "/Stm 17 0 R >>] >>",
        /* 16 */ "<< /Title (tagged) >>",
        /* 17 */
        "<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /StructParent 3 /Length 14 >>\n"
        "stream\n0 0 10 10 re f\nendstream",
    };
    enum { N = sizeof objs / sizeof objs[0] };
    char edited_obj[1024];
    edit_first(objs, N, from, to, edited_obj, sizeof edited_obj, "tagged_made");
    if (packed) {
        p15 x = {.packed = TAGGED_PACKED};
        return hand_pdf15("1.5", objs, N, "/Info 16 0 R", &x);
    }
    return hand_pdf("1.5", objs, N, "/Info 16 0 R");
}

/* The merged print file is untagged and says so: of a tagged input only
 * what its pages lead to is copied (no structure tree, no XMP, nothing else
 * of the catalog's), and the pages, annotations and form XObjects lose
 * their keys into the parent tree, the rest of them byte for byte. */
static void test_tagged_inputs(void)
{
    for (int packed = 0; packed < 2; packed++) {
        buf in = tagged_made(NULL, NULL, packed);
        CHECK(!packed || contains(&in, "/Type /ObjStm"));
        if (have_tools) {
            const char *path = in_dir("tagged-in.pdf");
            put(path, &in);
            CHECK(qpdf_clean(path)); /* the input is sound: all that goes is the merge's doing */
            char cmd[1024];
            int status;
            snprintf(cmd, sizeof cmd, "pdfinfo '%s'", path);
            char *info = run(cmd, &status);
            CHECK(info && strstr(info, "\nTagged:          yes\n"));
            free(info);
            unlink(path);
        }
        mp_err err;
        long pages = 0;
        CHECK_INT(check_one(&in, &pages, &err), 0);
        CHECK_STR(err.msg, "");
        CHECK_INT(pages, 2);
        const char *out = in_dir("tagged.pdf");
        CHECK_INT(merge(out, &in, 1, &META, &err), 0);
        CHECK_STR(err.msg, "");
        buf got = slurp(out);
        /* Objects 1 and 2 are the catalog and info, 3 the leaf; then the
         * input's pages, font, contents, link and XObject in their order:
         * 3, 4, 5, 6, 7, 8, 17 become 4 to 10. */
        CHECK(contains(&got, "\nxref\n0 11\n"));
        CHECK(contains(&got, "\n4 0 obj\n<< /Type /Page /Parent 3 0 R /MediaBox [0 0 200 200] "
                             "/Resources << /Font << /F1 6 0 R >> >> /Contents 7 0 R /Annots "
                             "[9 0 R]  /Tabs /S >>\nendobj\n"));
        CHECK(contains(&got, "\n5 0 obj\n<</Type/Page/Parent 3 0 R/MediaBox[0 0 200 200]"
                             "/Resources<</Font<</F1 6 0 R>>/XObject<</X1 10 0 R>>>>"
                             "/Contents 8 0 R/Tabs/S>>\nendobj\n"));
        CHECK(contains(&got, "\n9 0 obj\n<< /Type /Annot /Subtype /Link /Rect [20 20 120 40] "
                             "/Border [0 0 0] /A << /S /URI /URI (https://example.org/tagged) >> "
                             "/P 4 0 R  >>\nendobj\n"));
        CHECK(contains(&got, "\n10 0 obj\n<< /Type /XObject /Subtype /Form /BBox [0 0 10 10]  "
                             "/Length 14 >>\nstream\n0 0 10 10 re f\nendstream\nendobj\n"));
        CHECK(contains(&got, "stream\n/P <</MCID 0>> BDC BT /F1 12 Tf 20 100 Td (Tagged one) Tj "
                             "ET EMC\nendstream"));
        static const char *const gone[] = {
            "/StructTreeRoot", "/StructElem", "/StructParent",      "/ParentTree",
            "/OBJR",           "/MCR",        "/MarkInfo",          "/Marked",
            "/Metadata",       "xmpmeta",     "/ViewerPreferences", "/Lang",
            "/Document",       "(tagged)",
        };
        for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
            if (contains(&got, gone[i])) {
                fprintf(stderr, "%s:%d: merged tagged input (%s) holds %s\n", __FILE__, __LINE__,
                        packed ? "packed" : "classic", gone[i]);
                check_failures++;
            }
        free(got.p);
        free(in.p);
        unlink(out);
    }

    /* With other inputs, checked by tools no one here wrote. */
    buf ins[3] = {make_pdf("Lead", 1, true, false, "https://example.org/lead"),
                  tagged_made(NULL, NULL, false), tagged_made(NULL, NULL, true)};
    const char *out = in_dir("tagged-day.pdf"), *again = in_dir("tagged-again.pdf");
    mp_err err;
    CHECK_INT(merge(out, ins, 3, &META, &err), 0);
    /* The walk's order does not show: the same inputs give the same bytes. */
    CHECK_INT(merge(again, ins, 3, &META, &err), 0);
    buf got = slurp(out), got2 = slurp(again);
    CHECK(got.len && got.len == got2.len && memcmp(got.p, got2.p, got.len) == 0);
    free(got.p);
    free(got2.p);
    unlink(again);
    if (have_tools) {
        CHECK(qpdf_clean(out));
        CHECK_INT(pdfinfo_pages(out), 5);
        char cmd[1024];
        int status;
        snprintf(cmd, sizeof cmd, "pdfinfo '%s'", out);
        char *info = run(cmd, &status);
        CHECK(info && strstr(info, "\nTagged:          no\n"));
        CHECK(info && strstr(info, "\nMetadata Stream: no\n"));
        free(info);
        snprintf(cmd, sizeof cmd, "pdfinfo -struct '%s'", out);
        char *tree = run(cmd, &status);
        CHECK_INT(status, 0);
        CHECK_STR(tree ? tree : "?", ""); /* no structure to print */
        free(tree);
        snprintf(cmd, sizeof cmd, "pdfinfo -url '%s'", out);
        char *urls = run(cmd, &status);
        CHECK(urls && strstr(urls, "   1  Annotation    https://example.org/lead\n"));
        CHECK(urls && strstr(urls, "   2  Annotation    https://example.org/tagged\n"));
        CHECK(urls && strstr(urls, "   4  Annotation    https://example.org/tagged\n"));
        free(urls);
        char *text = text_at(out);
        CHECK(page_has(text, 1, "Lead page 1"));
        CHECK(page_has(text, 2, "Tagged one"));
        CHECK(page_has(text, 3, "Tagged two"));
        CHECK(page_has(text, 4, "Tagged one"));
        CHECK(page_has(text, 5, "Tagged two"));
        free(text);
    }
    unlink(out);
    for (int i = 0; i < 3; i++)
        free(ins[i].p);

    /* What no page leads to is not even read: a broken structure tree does
     * not stop the print file. */
    buf b = tagged_made("/ParentTreeNextKey 4", "/ParentTreeNextKey 99 0 R", true);
    CHECK_INT(add_one(&b, &err), 0);
    CHECK_STR(err.msg, "");
    free(b.p);

    /* A link from what is copied into the structure tree, which would drag
     * the tree along, or an annotation whose /P is no page, is refused. */
    for (int packed = 0; packed < 2; packed++) {
        b = tagged_made("/StructParent 2 >>", "/StructParent 2 /Up 12 0 R >>", packed);
        check_bad(&b, "cannot merge: the pages lead into the structure tree", __LINE__);
        free(b.p);
        b = tagged_made("/F1 5 0 R >> >>", "/F1 5 0 R >> /Properties << /MC0 9 0 R >> >>", packed);
        check_bad(&b, "cannot merge: the pages lead into the structure tree", __LINE__);
        free(b.p);
        b = tagged_made("/P 3 0 R", "/P 5 0 R", packed);
        check_bad(&b, "cannot merge: an annotation whose /P is not a page of the file", __LINE__);
        free(b.p);
        b = tagged_made("/P 3 0 R", "/P 2 0 R", packed);
        check_bad(&b, "cannot merge: an annotation whose /P is not a page of the file", __LINE__);
        free(b.p);
    }
    /* The error names the object: plain, or in its object stream. */
    b = tagged_made("/StructParent 2 >>", "/StructParent 2 /Up 11 0 R >>", true);
    check_bad(&b,
              "cannot merge: the pages lead into the structure tree (object 11, in object "
              "stream 18)",
              __LINE__);
    free(b.p);
}

static void test_open_fails(void)
{
    mp_err err = {0};
    pdfmerge *m = (pdfmerge *)&err;
    CHECK_INT(pdfmerge_open(in_dir("no/such/dir.pdf"), &m, &err), EX_CANTCREAT);
    CHECK(m == NULL);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/test_pdfmerge.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    have_tools = system("(command -v qpdf && command -v pdfinfo && command -v pdftotext) "
                        ">/dev/null 2>&1") == 0;
    if (!have_tools)
        fprintf(stderr, "test_pdfmerge: qpdf or poppler-utils missing; checks with them skipped\n");

    test_merge_rendered();
    test_tricky_shapes();
    test_many_pages();
    test_meta();
    test_nothing_to_merge();
    test_not_a_pdf();
    test_check();
    test_bad_inputs();
    test_mangled();
    test_object_streams();
    test_bad_pdf15();
    test_mangled15();
    test_tagged_inputs();
    test_open_fails();

    CHECK_INT(hidden_entries(), 0);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    CHECK_DONE();
}
