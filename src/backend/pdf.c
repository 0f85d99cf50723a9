/*
 * pdf.c — see pdf.h.
 *
 * libharu makes the document, its pages, links and logo image and writes
 * the file; the page content and the document information's text are made
 * here. Each font is embedded by pdffont.c as a subset of the characters
 * the document draws, and each page's drawing operators are written by
 * this file straight into the page's content stream, since libharu shows
 * text only in fonts it loaded itself (and loading them costs more than the
 * rest of the document).
 *
 * libharu reports errors through a handler; ours records the first one and
 * every step checks it, so no error is lost and nothing longjmps. The object
 * API this relies on (pdffont.c) and the page's content stream reached
 * through its HPDF_PageAttr record come from libharu 2.3.0's public headers.
 */
#include "pdf.h"

#include <hpdf.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "pdffont.h"
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
            if ((bx->kind != LBOX_TEXT && bx->kind != LBOX_WATERMARK) || bx->font != f)
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

/* Every number on a page is written in thousandths of a point. */
static long long milli(double v)
{
    if (!(v > -1e12 && v < 1e12))
        return 0; /* NaN or absurd: the layout never gives these */
    return llround(v * 1000.0);
}

/* Writes m / 1000 in the shortest exact decimal form and a space ("12.5 ",
 * "-0.75 ", "3 "): by hand, because printf's decimal point follows the
 * locale and %g's exponent form is not PDF syntax. */
static void put_milli(mp_buf *c, long long m)
{
    char tmp[32], *end = tmp + sizeof tmp, *p = end;
    *--p = ' ';
    unsigned long long u = m < 0 ? 0ull - (unsigned long long)m : (unsigned long long)m;
    unsigned frac = (unsigned)(u % 1000);
    u /= 1000;
    if (frac) {
        int digits = 3;
        for (; frac % 10 == 0; digits--)
            frac /= 10;
        for (; digits > 0; digits--, frac /= 10)
            *--p = (char)('0' + frac % 10);
        *--p = '.';
    }
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (m < 0)
        *--p = '-';
    buf_put(c, p, (size_t)(end - p));
}

static void put_num(mp_buf *c, double v)
{
    put_milli(c, milli(v));
}

/* The text of one box as a string of two-byte codes: "<0012003A...> Tj". */
static void put_codes(mp_buf *c, const pdffont *pf, const char *text, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    /* At most one code per byte: 4 hex digits each, and the delimiters. */
    char *p = buf_room(c, 4 * len + 8);
    if (!p)
        return;
    char *start = p;
    *p++ = '<';
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t k = utf8_decode(text + i, len - i, &cp);
        i += k ? k : 1; /* as collect_codepoints() reads it */
        unsigned code = pdffont_code(pf, cp);
        p[0] = hex[code >> 12 & 15];
        p[1] = hex[code >> 8 & 15];
        p[2] = hex[code >> 4 & 15];
        p[3] = hex[code & 15];
        p += 4;
    }
    memcpy(p, "> Tj\n", 5);
    p += 5;
    buf_commit(c, (size_t)(p - start));
}

/* All text of the page in one BT/ET block. Each line moves with Td relative
 * to the last one, computed in whole thousandths so that no rounding error
 * accumulates down the page. Returns false when libharu cannot register a
 * font with the page. */
static bool put_text(mp_buf *c, HPDF_Page page, const lpage *pg, pdffont *const fonts[LFONT_COUNT])
{
    const char *names[LFONT_COUNT] = {0};
    int cur_font = -1;
    long long cur_size = -1, at_x = 0, at_y = 0;
    bool in_text = false;
    for (size_t i = 0; i < pg->nboxes; i++) {
        const lbox *b = &pg->boxes[i];
        if (b->kind != LBOX_TEXT || b->len == 0)
            continue;
        if (!in_text) {
            buf_puts(c, "BT\n");
            in_text = true;
        }
        long long size = milli(b->size_pt);
        if ((int)b->font != cur_font || size != cur_size) {
            if (!names[b->font]) {
                /* Adds the font to the page's /Resources /Font as /F1, /F2. */
                names[b->font] = HPDF_Page_GetLocalFontName(page, pdffont_dict(fonts[b->font]));
                if (!names[b->font])
                    return false;
            }
            buf_puts(c, "/");
            buf_puts(c, names[b->font]);
            buf_puts(c, " ");
            put_milli(c, size);
            buf_puts(c, "Tf\n");
            cur_font = (int)b->font;
            cur_size = size;
        }
        long long x = milli(b->x), y = milli(b->y);
        put_milli(c, x - at_x);
        put_milli(c, y - at_y);
        buf_puts(c, "Td\n");
        at_x = x;
        at_y = y;
        put_codes(c, fonts[b->font], b->text, b->len);
    }
    if (in_text)
        buf_puts(c, "ET\n");
    return true;
}

/* What lies behind the text: marker-yellow highlights (placeholders on a
 * specimen) and the light grey watermark word (SPECIMEN, DRAFT), turned
 * about its centre. Returns false when libharu cannot register a font. */
static bool put_backdrop(mp_buf *c, HPDF_Page page, const lpage *pg,
                         pdffont *const fonts[LFONT_COUNT])
{
    for (size_t i = 0; i < pg->nboxes; i++) {
        const lbox *b = &pg->boxes[i];
        if (b->kind == LBOX_HIGHLIGHT) {
            buf_puts(c, "q 1 0.93 0.55 rg\n");
            put_num(c, b->x);
            put_num(c, b->y);
            put_num(c, b->w);
            put_num(c, b->h);
            buf_puts(c, "re f Q\n");
        } else if (b->kind == LBOX_WATERMARK && b->len) {
            const char *name = HPDF_Page_GetLocalFontName(page, pdffont_dict(fonts[b->font]));
            if (!name)
                return false;
            double a = b->angle_deg * 3.14159265358979323846 / 180, co = cos(a), si = sin(a);
            /* Start so that the word's middle, at half its cap height, is the centre. */
            double up = b->size_pt * 0.36;
            double x = b->x - co * b->w / 2 + si * up, y = b->y - si * b->w / 2 - co * up;
            buf_puts(c, "q 0.82 g BT /");
            buf_puts(c, name);
            buf_puts(c, " ");
            put_num(c, b->size_pt);
            buf_puts(c, "Tf ");
            put_num(c, co);
            put_num(c, si);
            put_num(c, -si);
            put_num(c, co);
            put_num(c, x);
            put_num(c, y);
            buf_puts(c, "Tm\n");
            put_codes(c, fonts[b->font], b->text, b->len);
            buf_puts(c, "ET Q\n");
        }
    }
    return true;
}

static void put_qr(mp_buf *c, const lbox *b)
{
    const qr_code *q = b->qr;
    double m = b->w / (q->width + 2 * QR_QUIET_MODULES);
    double x0 = b->x + m * QR_QUIET_MODULES, top = b->y + b->h - m * QR_QUIET_MODULES;
    /* Runs of dark modules in a row become one rectangle: a tenth of the
     * operators, and no hairline seams between modules in some viewers.
     * Edges are rounded, not sizes, so that neighbours share their edges. */
    bool any = false;
    for (int r = 0; r < q->width; r++) {
        long long y_hi = milli(top - r * m), y_lo = milli(top - (r + 1) * m);
        int col = 0;
        while (col < q->width) {
            if (!q->dark[r * q->width + col]) {
                col++;
                continue;
            }
            int start = col;
            while (col < q->width && q->dark[r * q->width + col])
                col++;
            long long x_lo = milli(x0 + start * m), x_hi = milli(x0 + col * m);
            put_milli(c, x_lo);
            put_milli(c, y_lo);
            put_milli(c, x_hi - x_lo);
            put_milli(c, y_hi - y_lo);
            buf_puts(c, "re\n");
            any = true;
        }
    }
    if (any)
        buf_puts(c, "f\n");
}

/* The logo, decoded once per document however many pages show it. */
typedef struct image_cache {
    const layout_image *key;
    HPDF_Image image;
} image_cache;

static HPDF_Image load_image(HPDF_Doc pdf, image_cache *ic, const layout_image *li)
{
    if (ic->key != li) {
        ic->key = li;
        ic->image = li->png ? HPDF_LoadPngImageFromMem(pdf, li->data, (HPDF_UINT)li->len)
                            : HPDF_LoadJpegImageFromMem(pdf, li->data, (HPDF_UINT)li->len);
    }
    return ic->image;
}

/* Draws a page: libharu sets its size and line width, adds the links and
 * draws the logo; the rest is built in c (reused from page to page) and
 * written into the page's content stream in one write. The stream is left
 * as libharu expects it between its own calls: outside BT/ET, with no path
 * open, in the graphics state libharu recorded. */
static bool draw_page(HPDF_Doc pdf, HPDF_Page page, const lpage *pg, const layout_doc *doc,
                      pdffont *const fonts[LFONT_COUNT], mp_buf *c, image_cache *ic)
{
    HPDF_Page_SetWidth(page, (HPDF_REAL)(pg->width_pt > 0 ? pg->width_pt : doc->geom.width_pt));
    HPDF_Page_SetHeight(page, (HPDF_REAL)(pg->height_pt > 0 ? pg->height_pt : doc->geom.height_pt));
    HPDF_Page_SetLineWidth(page, 0.75);
    buf_reset(c);
    /* Highlights and watermark behind, then text, then the graphics. */
    if (!put_backdrop(c, page, pg, fonts) || !put_text(c, page, pg, fonts))
        return false;
    bool stroke = false;
    for (size_t i = 0; i < pg->nboxes; i++) {
        const lbox *b = &pg->boxes[i];
        if (b->kind == LBOX_RECT) {
            put_num(c, b->x);
            put_num(c, b->y);
            put_num(c, b->w);
            put_num(c, b->h);
            buf_puts(c, "re\n");
            stroke = true;
        } else if (b->kind == LBOX_LINE) {
            put_num(c, b->x);
            put_num(c, b->y);
            buf_puts(c, "m\n");
            put_num(c, b->x + b->w);
            put_num(c, b->y + b->h);
            buf_puts(c, "l\n");
            stroke = true;
        }
    }
    if (stroke)
        buf_puts(c, "S\n");
    for (size_t i = 0; i < pg->nboxes; i++)
        if (pg->boxes[i].kind == LBOX_QR)
            put_qr(c, &pg->boxes[i]);
    if (c->oom)
        return false;
    HPDF_PageAttr attr = page->attr;
    if (HPDF_Stream_Write(attr->stream, (const HPDF_BYTE *)c->data, (HPDF_UINT)c->len) != HPDF_OK)
        return false;

    for (size_t i = 0; i < pg->nboxes; i++) {
        const lbox *b = &pg->boxes[i];
        if (b->kind == LBOX_LINK) {
            HPDF_Rect r = {(HPDF_REAL)b->x, (HPDF_REAL)b->y, (HPDF_REAL)(b->x + b->w),
                           (HPDF_REAL)(b->y + b->h)};
            HPDF_Annotation a = HPDF_Page_CreateURILinkAnnot(page, r, b->text);
            if (a)
                HPDF_LinkAnnot_SetBorderStyle(a, 0, 0, 0);
        } else if (b->kind == LBOX_IMAGE) {
            HPDF_Image img = load_image(pdf, ic, b->image);
            if (!img)
                return false;
            HPDF_Page_DrawImage(page, img, (HPDF_REAL)b->x, (HPDF_REAL)b->y, (HPDF_REAL)b->w,
                                (HPDF_REAL)b->h);
        }
    }
    return true;
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

/* A text entry of the document information: UTF-16BE with a byte order
 * mark, the bytes libharu's UTF-8 encoder would give. Made here because
 * setting up that encoder costs a tenth of a document's time (it fills
 * tables for 65,536 code points byte by byte); characters beyond the BMP
 * become surrogate pairs. Returns false when out of memory. */
static bool set_info_text(HPDF_Doc pdf, const char *key, const char *text)
{
    size_t len = strlen(text);
    /* Two bytes of UTF-16 for each byte of UTF-8 are enough: a character
     * of 1 to 3 bytes takes 2, one of 4 bytes takes 4, and a bad byte
     * becomes U+FFFD's 2. */
    unsigned char *buf = malloc(2 + 2 * len);
    if (!buf)
        return false;
    size_t n = 0;
    buf[n++] = 0xFE;
    buf[n++] = 0xFF;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode(text + i, len - i, &cp);
        i += k ? k : 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            unsigned hi = 0xD800 + (cp >> 10), lo = 0xDC00 + (cp & 0x3FF);
            buf[n++] = (unsigned char)(hi >> 8);
            buf[n++] = (unsigned char)hi;
            cp = lo;
        }
        buf[n++] = (unsigned char)(cp >> 8);
        buf[n++] = (unsigned char)cp;
    }
    /* HPDF_New made the dictionary when it set /Producer; errors reach
     * our handler through HPDF_CheckError() in pdf_render(). */
    if (pdf->info)
        HPDF_Dict_Add(pdf->info, key, HPDF_Binary_New(pdf->mmgr, buf, (HPDF_UINT)n));
    else
        HPDF_RaiseError(&pdf->error, HPDF_INVALID_DOCUMENT, 0);
    free(buf);
    return true;
}

int pdf_render(const layout_doc *doc, const mp_font *const fonts[LFONT_COUNT], const pdf_meta *meta,
               unsigned char **out, size_t *out_len, mp_err *err)
{
    *out = NULL;
    *out_len = 0;
    hpdf_status st = {0};
    int rc = 0;
    HPDF_Doc pdf = HPDF_New(on_hpdf_error, &st);
    if (!pdf)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory (libharu)");
    HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);

    pdffont *pf[LFONT_COUNT] = {0};
    for (int f = 0; f < LFONT_COUNT && !rc; f++) {
        uint32_t *cps;
        size_t n;
        if (collect_codepoints(doc, (lfont)f, &cps, &n)) {
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            break;
        }
        /* A font the document does not draw with is left out. */
        if (n > 0)
            rc = pdffont_embed(pdf, fonts[f], cps, n, &pf[f], err);
        free(cps);
    }

    mp_buf c;
    buf_init(&c, NULL);
    image_cache ic = {0};
    if (!rc) {
        bool oom = false, drawn = true;
        const char *const info[][2] = {{"Title", meta->title},
                                       {"Author", meta->author},
                                       {"Subject", meta->subject},
                                       {"Keywords", meta->keywords},
                                       {"Creator", meta->creator}};
        for (size_t i = 0; i < sizeof info / sizeof *info && !oom; i++)
            if (info[i][1] && !set_info_text(pdf, info[i][0], info[i][1]))
                oom = true;
        set_date(pdf, HPDF_INFO_CREATION_DATE, meta->date_unix);
        set_date(pdf, HPDF_INFO_MOD_DATE, meta->date_unix);
        /* libharu has no call for /Lang; the catalog is a plain dictionary. */
        if (meta->lang && HPDF_Dict_Add(pdf->catalog, "Lang",
                                        HPDF_String_New(pdf->mmgr, meta->lang, NULL)) != HPDF_OK)
            oom = true;
        for (size_t p = 0; p < doc->npages && drawn && !oom && !st.code; p++) {
            HPDF_Page page = HPDF_AddPage(pdf);
            drawn = page && draw_page(pdf, page, &doc->pages[p], doc, pf, &c, &ic);
        }
        oom = oom || c.oom;
        /* The object and stream calls record their errors without calling
         * the handler: raise any now. */
        HPDF_CheckError(&pdf->error);
        if (drawn && !oom && !st.code)
            HPDF_SaveToStream(pdf);
        if (oom || st.code == HPDF_FAILD_TO_ALLOC_MEM)
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory (libharu)");
        else if (st.code || !drawn)
            rc = err_set(err, EX_SOFTWARE, NULL, 0, 0, "libharu failed (error 0x%04X, detail %u)",
                         (unsigned)st.code, (unsigned)st.detail);
    }
    buf_free(&c);

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
    for (int f = 0; f < LFONT_COUNT; f++)
        pdffont_free(pf[f]);
    return rc;
}
