/*
 * pdf.c — see pdf.h.
 *
 * libharu 2.3 loads TrueType fonts only from a file, so each subset is
 * written to an unlinked-on-exit temporary file for the length of the call.
 * libharu reports errors through a handler; ours records the first one and
 * every step checks it, so no error is lost and nothing longjmps.
 */
#include "pdf.h"

#include <errno.h>
#include <hpdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"

typedef struct hpdf_status {
    HPDF_STATUS code, detail;
} hpdf_status;

static void on_hpdf_error(HPDF_STATUS code, HPDF_STATUS detail, void *user)
{
    hpdf_status *st = user;
    if (!st->code) {
        st->code = code;
        st->detail = detail;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The distinct code points drawn in font f: what its subset must hold. */
static int collect_codepoints(const layout_doc *doc, lfont f, uint32_t **out, size_t *n)
{
    size_t cap = 256, len = 0;
    uint32_t *cps = malloc(cap * sizeof *cps);
    if (!cps)
        return -1;
    /* Latin text dominates: a bitmap for the first 64K avoids a huge array. */
    static const size_t BMP = 0x10000;
    unsigned char *seen = calloc(BMP / 8, 1);
    if (!seen) {
        free(cps);
        return -1;
    }
    for (size_t p = 0; p < doc->npages; p++) {
        const lpage *pg = &doc->pages[p];
        for (size_t b = 0; b < pg->nboxes; b++) {
            const lbox *bx = &pg->boxes[b];
            if (bx->kind != LBOX_TEXT || bx->font != f)
                continue;
            size_t i = 0;
            while (i < bx->len) {
                uint32_t cp;
                size_t k = utf8_decode(bx->text + i, bx->len - i, &cp);
                i += k ? k : 1;
                if (cp < BMP) {
                    if (seen[cp >> 3] & (1u << (cp & 7)))
                        continue;
                    seen[cp >> 3] |= (unsigned char)(1u << (cp & 7));
                }
                if (len == cap) {
                    uint32_t *ncps = realloc(cps, 2 * cap * sizeof *cps);
                    if (!ncps) {
                        free(cps);
                        free(seen);
                        return -1;
                    }
                    cps = ncps;
                    cap *= 2;
                }
                cps[len++] = cp;
            }
        }
    }
    free(seen);
    qsort(cps, len, sizeof *cps, cmp_u32);
    size_t u = 0; /* code points above U+FFFF may repeat */
    for (size_t i = 0; i < len; i++)
        if (u == 0 || cps[u - 1] != cps[i])
            cps[u++] = cps[i];
    *out = cps;
    *n = u;
    return 0;
}

/* Writes a subset of font f to a temporary file; *path is malloc'd. */
static int stage_subset(const mp_font *font, const layout_doc *doc, lfont f, char **path,
                        mp_err *err)
{
    uint32_t *cps;
    size_t n;
    if (collect_codepoints(doc, f, &cps, &n))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    unsigned char *data;
    size_t len;
    int rc = font_subset(font, cps, n, &data, &len, err);
    free(cps);
    if (rc)
        return rc;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    size_t plen = strlen(tmp) + 32;
    *path = malloc(plen);
    if (!*path) {
        free(data);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    snprintf(*path, plen, "%s/medpacket-font-XXXXXX", tmp);
    int fd = mkstemp(*path);
    if (fd < 0) {
        rc = err_set(err, EX_CANTCREAT, *path, 0, 0, "cannot create a temporary font file: %s",
                     strerror(errno));
        free(data);
        free(*path);
        *path = NULL;
        return rc;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = err_set(err, EX_IOERR, *path, 0, 0, "cannot write a temporary font file: %s",
                         w < 0 ? strerror(errno) : "short write");
            break;
        }
        off += (size_t)w;
    }
    if (close(fd) && !rc)
        rc = err_set(err, EX_IOERR, *path, 0, 0, "cannot write a temporary font file: %s",
                     strerror(errno));
    free(data);
    if (rc) {
        unlink(*path);
        free(*path);
        *path = NULL;
    }
    return rc;
}

static void fill_qr(HPDF_Page page, const lbox *b)
{
    const qr_code *q = b->qr;
    double m = b->w / (q->width + 2 * QR_QUIET_MODULES);
    double x0 = b->x + m * QR_QUIET_MODULES, top = b->y + b->h - m * QR_QUIET_MODULES;
    /* Runs of dark modules in a row become one rectangle: a tenth of the
     * operators, and no hairline seams between modules in some viewers. */
    for (int r = 0; r < q->width; r++) {
        int c = 0;
        while (c < q->width) {
            if (!q->dark[r * q->width + c]) {
                c++;
                continue;
            }
            int start = c;
            while (c < q->width && q->dark[r * q->width + c])
                c++;
            HPDF_Page_Rectangle(page, (HPDF_REAL)(x0 + start * m), (HPDF_REAL)(top - (r + 1) * m),
                                (HPDF_REAL)((c - start) * m), (HPDF_REAL)m);
        }
    }
    HPDF_Page_Fill(page);
}

static void draw_page(HPDF_Doc pdf, HPDF_Page page, const lpage *pg, const layout_doc *doc,
                      HPDF_Font hf[LFONT_COUNT])
{
    HPDF_Page_SetWidth(page, (HPDF_REAL)doc->geom.width_pt);
    HPDF_Page_SetHeight(page, (HPDF_REAL)doc->geom.height_pt);
    HPDF_Page_SetLineWidth(page, 0.75);
    (void)pdf;
    /* Text first, in one BT/ET block, then the graphics. */
    bool in_text = false;
    for (size_t i = 0; i < pg->nboxes; i++) {
        const lbox *b = &pg->boxes[i];
        if (b->kind != LBOX_TEXT)
            continue;
        if (!in_text) {
            HPDF_Page_BeginText(page);
            in_text = true;
        }
        HPDF_Page_SetFontAndSize(page, hf[b->font], (HPDF_REAL)b->size_pt);
        HPDF_Page_TextOut(page, (HPDF_REAL)b->x, (HPDF_REAL)b->y, b->text);
    }
    if (in_text)
        HPDF_Page_EndText(page);
    bool stroke = false;
    for (size_t i = 0; i < pg->nboxes; i++) {
        const lbox *b = &pg->boxes[i];
        if (b->kind == LBOX_RECT) {
            HPDF_Page_Rectangle(page, (HPDF_REAL)b->x, (HPDF_REAL)b->y, (HPDF_REAL)b->w,
                                (HPDF_REAL)b->h);
            stroke = true;
        } else if (b->kind == LBOX_LINE) {
            HPDF_Page_MoveTo(page, (HPDF_REAL)b->x, (HPDF_REAL)b->y);
            HPDF_Page_LineTo(page, (HPDF_REAL)(b->x + b->w), (HPDF_REAL)(b->y + b->h));
            stroke = true;
        }
    }
    if (stroke)
        HPDF_Page_Stroke(page);
    for (size_t i = 0; i < pg->nboxes; i++) {
        const lbox *b = &pg->boxes[i];
        if (b->kind == LBOX_QR) {
            fill_qr(page, b);
        } else if (b->kind == LBOX_LINK) {
            HPDF_Rect r = {(HPDF_REAL)b->x, (HPDF_REAL)b->y, (HPDF_REAL)(b->x + b->w),
                           (HPDF_REAL)(b->y + b->h)};
            HPDF_Annotation a = HPDF_Page_CreateURILinkAnnot(page, r, b->text);
            if (a)
                HPDF_LinkAnnot_SetBorderStyle(a, 0, 0, 0);
        }
    }
}

static void set_date(HPDF_Doc pdf, HPDF_InfoType type, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    HPDF_Date d = {0};
    d.year = tm.tm_year + 1900;
    d.month = tm.tm_mon + 1;
    d.day = tm.tm_mday;
    d.hour = tm.tm_hour;
    d.minutes = tm.tm_min;
    d.seconds = tm.tm_sec;
    d.ind = 'Z';
    HPDF_SetInfoDateAttr(pdf, type, d);
}

int pdf_render(const layout_doc *doc, const mp_font *const fonts[LFONT_COUNT],
               const pdf_meta *meta, unsigned char **out, size_t *out_len, mp_err *err)
{
    *out = NULL;
    *out_len = 0;
    char *font_paths[LFONT_COUNT] = {0};
    hpdf_status st = {0};
    int rc = 0;
    HPDF_Doc pdf = HPDF_New(on_hpdf_error, &st);
    if (!pdf)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory (libharu)");
    HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(pdf);
    HPDF_SetCurrentEncoder(pdf, "UTF-8");

    HPDF_Font hf[LFONT_COUNT] = {0};
    for (int f = 0; f < LFONT_COUNT && !rc; f++) {
        if ((rc = stage_subset(fonts[f], doc, (lfont)f, &font_paths[f], err)))
            break;
        const char *name = HPDF_LoadTTFontFromFile(pdf, font_paths[f], HPDF_TRUE);
        hf[f] = name ? HPDF_GetFont(pdf, name, "UTF-8") : NULL;
        if (!hf[f])
            rc = err_set(err, EX_SOFTWARE, font_path(fonts[f]), 0, 0,
                         "libharu cannot embed this font (error 0x%04X)", (unsigned)st.code);
    }

    if (!rc) {
        if (meta->title)
            HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, meta->title);
        if (meta->author)
            HPDF_SetInfoAttr(pdf, HPDF_INFO_AUTHOR, meta->author);
        if (meta->subject)
            HPDF_SetInfoAttr(pdf, HPDF_INFO_SUBJECT, meta->subject);
        if (meta->keywords)
            HPDF_SetInfoAttr(pdf, HPDF_INFO_KEYWORDS, meta->keywords);
        if (meta->creator)
            HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, meta->creator);
        set_date(pdf, HPDF_INFO_CREATION_DATE, meta->date_unix);
        set_date(pdf, HPDF_INFO_MOD_DATE, meta->date_unix);
        for (size_t p = 0; p < doc->npages && !st.code; p++) {
            HPDF_Page page = HPDF_AddPage(pdf);
            if (page)
                draw_page(pdf, page, &doc->pages[p], doc, hf);
        }
        if (!st.code)
            HPDF_SaveToStream(pdf);
        if (st.code) {
            rc = st.code == HPDF_FAILD_TO_ALLOC_MEM
                     ? err_set(err, EX_OSERR, NULL, 0, 0, "out of memory (libharu)")
                     : err_set(err, EX_SOFTWARE, NULL, 0, 0,
                               "libharu failed (error 0x%04X, detail %u)", (unsigned)st.code,
                               (unsigned)st.detail);
        }
    }

    if (!rc) {
        HPDF_UINT32 size = HPDF_GetStreamSize(pdf);
        unsigned char *buf = malloc(size ? size : 1);
        if (!buf) {
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        } else {
            HPDF_UINT32 got = size;
            HPDF_STATUS s = HPDF_ReadFromStream(pdf, buf, &got);
            /* libharu says HPDF_STREAM_EOF when the read drained the stream. */
            if ((s != HPDF_OK && s != HPDF_STREAM_EOF) || got != size) {
                free(buf);
                rc = err_set(err, EX_SOFTWARE, NULL, 0, 0, "libharu: cannot read the PDF back");
            } else {
                *out = buf;
                *out_len = size;
            }
        }
    }
    HPDF_Free(pdf);
    for (int f = 0; f < LFONT_COUNT; f++) {
        if (font_paths[f]) {
            unlink(font_paths[f]);
            free(font_paths[f]);
        }
    }
    return rc;
}
