/*
 * font.c — TrueType faces for measuring and embedding, through HarfBuzz.
 *
 * Two consumers must agree to the unit: the layout engine, which measures
 * with font_advance(), and the PDF a viewer draws, whose glyph widths are the
 * /W array libharu 2.3.0 writes. So widths here are computed libharu's way
 * (hmtx advance * 1000 / unitsPerEm, truncated), and font_open() rejects, up
 * front and with a message naming the file, every font libharu would refuse
 * later with a bare error number.
 *
 * font_subset() cuts the face down with hb-subset and then works around a
 * libharu 2.3.0 bug: when it embeds a font it keeps the glyphs a page used and
 * their direct components, but not the components of components (fixed
 * upstream in 2.4.4). DejaVu builds "ễ" (Nguyễn) from "e" and a composite
 * circumflex-tilde, so the marks silently vanished from the page while the
 * text still extracted correctly. The subset therefore has its nested
 * composite glyphs flattened into one level.
 */
#include "font.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hb-subset.h>
#include <hb.h>

#include "bytes.h"

/* Latin, Latin-1 and Latin Extended-A/B: nearly every name on a form. */
#define LATIN_END 0x250u

struct mp_font {
    char *path;
    hb_blob_t *blob;
    hb_face_t *face;
    hb_font_t *font;
    unsigned upem; /* raw head.unitsPerEm, as libharu divides by it */
    unsigned num_glyphs;
    bool legacy_names; /* only Macintosh names: the subset must keep them */
    int ascent, descent;
    int latin[LATIN_END];
};

/* ---- reading table data (big-endian, read with bytes.h) ---- */

/* A table's bytes; *len is 0 when the face has no such table. The blob must
 * be destroyed by the caller. */
static hb_blob_t *table(hb_face_t *face, const char *tag, const unsigned char **data, unsigned *len)
{
    hb_blob_t *b = hb_face_reference_table(face, hb_tag_from_string(tag, 4));
    *data = (const unsigned char *)hb_blob_get_data(b, len);
    if (!*data)
        *len = 0;
    return b;
}

static bool has_table(hb_face_t *face, const char *tag)
{
    const unsigned char *d;
    unsigned len;
    hb_blob_t *b = table(face, tag, &d, &len);
    hb_blob_destroy(b);
    return len > 0;
}

/* libharu 2.3.0 looks up glyphs only through a Windows Unicode BMP cmap
 * (platform 3, encoding 1, format 4); a font with only, say, a platform-0
 * cmap measures fine in HarfBuzz and then fails to load in the PDF writer. */
static bool has_ms_bmp_cmap(hb_face_t *face)
{
    const unsigned char *d;
    unsigned len;
    hb_blob_t *b = table(face, "cmap", &d, &len);
    bool found = false;
    if (len >= 4) {
        unsigned n = bytes_be16(d + 2);
        for (unsigned i = 0; i < n && 4 + 8 * (i + 1) <= len && !found; i++) {
            const unsigned char *rec = d + 4 + 8 * i;
            uint32_t off = bytes_be32(rec + 4);
            found = bytes_be16(rec) == 3 && bytes_be16(rec + 2) == 1 && off <= len - 2 &&
                    bytes_be16(d + off) == 4;
        }
    }
    hb_blob_destroy(b);
    return found;
}

/* libharu names the embedded font from name IDs 6 (PostScript name) and 2
 * (subfamily), taken from Macintosh Roman or Windows US-English records, and
 * refuses the font without them or when the two are long. Returns a reason
 * for refusal, or NULL; *legacy is set when only Macintosh records exist,
 * which hb-subset drops unless told otherwise. */
static const char *check_names(hb_face_t *face, bool *legacy)
{
    const unsigned char *d;
    unsigned len;
    hb_blob_t *b = table(face, "name", &d, &len);
    unsigned mac_len[7] = {0}, win_len[7] = {0};
    bool mac[7] = {false}, win[7] = {false};
    if (len >= 6) {
        unsigned n = bytes_be16(d + 2);
        for (unsigned i = 0; i < n && 6 + 12 * (i + 1) <= len; i++) {
            const unsigned char *rec = d + 6 + 12 * i;
            unsigned platform = bytes_be16(rec), encoding = bytes_be16(rec + 2);
            unsigned lang = bytes_be16(rec + 4), id = bytes_be16(rec + 6),
                     n_bytes = bytes_be16(rec + 8);
            if (id != 2 && id != 6)
                continue;
            if (platform == 1 && encoding == 0) {
                mac[id] = true;
                mac_len[id] = n_bytes;
            } else if (platform == 3 && encoding == 1 && lang == 0x0409) {
                win[id] = true;
                win_len[id] = n_bytes / 2 + n_bytes % 2;
            }
        }
    }
    hb_blob_destroy(b);
    if (!(mac[6] || win[6]) || !(mac[2] || win[2]))
        return "font has no PostScript name or style name in its 'name' table";
    unsigned l6 = mac[6] ? mac_len[6] : win_len[6], l2 = mac[2] ? mac_len[2] : win_len[2];
    if (l6 + l2 + 8 > 127)
        return "font's PostScript and style names are too long for the PDF writer";
    *legacy = !(win[6] && win[2]);
    return NULL;
}

/* What libharu writes for the glyph: its hmtx advance in 1/1000 em,
 * truncated (HPDF_TTFontDef_GetGidWidth). */
static int gid_width(const mp_font *f, hb_codepoint_t gid)
{
    if (gid >= f->num_glyphs)
        gid = 0;
    unsigned adv = (unsigned)hb_font_get_glyph_h_advance(f->font, gid);
    return (int)(adv * 1000u / f->upem);
}

static hb_codepoint_t glyph_of(const mp_font *f, uint32_t cp)
{
    hb_codepoint_t gid = 0;
    if (!hb_font_get_nominal_glyph(f->font, cp, &gid) || gid >= f->num_glyphs)
        gid = 0;
    return gid;
}

static int compute_advance(const mp_font *f, uint32_t cp)
{
    /* libharu's UTF-8 encoder turns everything beyond the BMP into a space
     * (its CIDs are 16 bits), so that is what the page shows and measures. */
    if (cp > 0xFFFF)
        cp = ' ';
    return gid_width(f, glyph_of(f, cp));
}

static int em_thousandths(const mp_font *f, int v)
{
    /* C division truncates toward zero, as libharu's does for /Ascent. */
    return (int)((long)v * 1000 / (long)f->upem);
}

int font_open(const char *path, mp_font **out, mp_err *err)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot open font: %s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot open font: %s", strerror(EISDIR));
    if (st.st_size == 0)
        return err_set(err, EX_DATAERR, path, 0, 0, "not a TrueType font");

    errno = 0;
    hb_blob_t *blob = hb_blob_create_from_file_or_fail(path);
    if (!blob)
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot read font: %s",
                       strerror(errno ? errno : EIO));

    int rc = 0;
    mp_font *f = calloc(1, sizeof *f);
    hb_face_t *face = hb_face_create(blob, 0);
    if (!f || face == hb_face_get_empty()) {
        rc = err_set(err, EX_OSERR, path, 0, 0, "out of memory");
        goto fail;
    }
    f->blob = blob;
    f->face = face;

    /* A file that is not an sfnt at all sanitizes to a face without glyphs. */
    if (hb_face_get_glyph_count(face) == 0) {
        rc = err_set(err, EX_DATAERR, path, 0, 0, "not a TrueType font");
        goto fail;
    }
    if (has_table(face, "CFF ") || has_table(face, "CFF2")) {
        rc = err_set(err, EX_DATAERR, path, 0, 0,
                     "OpenType/CFF fonts are not supported, use a TrueType (.ttf) font");
        goto fail;
    }
    if (!has_table(face, "glyf") || !has_table(face, "loca")) {
        rc = err_set(err, EX_DATAERR, path, 0, 0, "font has no TrueType outlines ('glyf' table)");
        goto fail;
    }
    static const char *const needed[] = {"head", "hhea", "hmtx", "maxp", "OS/2", "name", "cmap"};
    for (size_t i = 0; i < sizeof needed / sizeof *needed; i++) {
        if (!has_table(face, needed[i])) {
            rc = err_set(err, EX_DATAERR, path, 0, 0, "font has no '%s' table", needed[i]);
            goto fail;
        }
    }
    if (!has_ms_bmp_cmap(face)) {
        rc = err_set(err, EX_DATAERR, path, 0, 0,
                     "font has no Unicode cmap (Windows platform 3, encoding 1, format 4)");
        goto fail;
    }
    const char *why = check_names(face, &f->legacy_names);
    if (why) {
        rc = err_set(err, EX_DATAERR, path, 0, 0, "%s", why);
        goto fail;
    }

    const unsigned char *d;
    unsigned len;
    hb_blob_t *b = table(face, "OS/2", &d, &len);
    unsigned fs_type = len >= 10 ? bytes_be16(d + 8) : 0;
    hb_blob_destroy(b);
    /* The bits libharu checks: restricted licence, no subsetting, bitmap only. */
    if (fs_type & (0x0002 | 0x0100 | 0x0200)) {
        rc =
            err_set(err, EX_DATAERR, path, 0, 0,
                    "the font's licence does not allow embedding it (OS/2 fsType 0x%04x)", fs_type);
        goto fail;
    }
    b = table(face, "head", &d, &len);
    f->upem = len >= 20 ? bytes_be16(d + 18) : 0;
    hb_blob_destroy(b);
    /* HarfBuzz replaces an out-of-range unitsPerEm with 1000; libharu would
     * divide by the raw value. Refuse rather than let the two disagree. */
    if (f->upem < 16 || f->upem > 16384 || f->upem != hb_face_get_upem(face)) {
        rc = err_set(err, EX_DATAERR, path, 0, 0, "font has an invalid unitsPerEm (%u)", f->upem);
        goto fail;
    }

    f->num_glyphs = hb_face_get_glyph_count(face);
    f->font = hb_font_create(face);
    f->path = strdup(path);
    if (f->font == hb_font_get_empty() || !f->path) {
        rc = err_set(err, EX_OSERR, path, 0, 0, "out of memory");
        goto fail;
    }
    hb_font_set_scale(f->font, (int)f->upem, (int)f->upem);
    hb_face_make_immutable(face);
    hb_font_make_immutable(f->font);

    /* Raw hhea values, as libharu writes /Ascent and /Descent from them;
     * HarfBuzz's extents would switch to OS/2 typo metrics for fonts that
     * set USE_TYPO_METRICS, and then the two would disagree. */
    b = table(face, "hhea", &d, &len);
    if (len < 8) {
        hb_blob_destroy(b);
        rc = err_set(err, EX_DATAERR, path, 0, 0, "font has a truncated 'hhea' table");
        goto fail;
    }
    f->ascent = em_thousandths(f, (int16_t)bytes_be16(d + 4));
    f->descent = em_thousandths(f, (int16_t)bytes_be16(d + 6));
    hb_blob_destroy(b);

    for (uint32_t cp = 0; cp < LATIN_END; cp++)
        f->latin[cp] = compute_advance(f, cp);

    *out = f;
    return 0;

fail:
    if (f) {
        f->blob = NULL;
        f->face = NULL;
        font_close(f);
    }
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    return rc;
}

void font_close(mp_font *f)
{
    if (!f)
        return;
    hb_font_destroy(f->font);
    hb_face_destroy(f->face);
    hb_blob_destroy(f->blob);
    free(f->path);
    free(f);
}

const char *font_path(const mp_font *f)
{
    return f->path;
}

int font_advance(const mp_font *f, uint32_t cp)
{
    if (cp < LATIN_END)
        return f->latin[cp];
    return compute_advance(f, cp);
}

bool font_has_glyph(const mp_font *f, uint32_t cp)
{
    /* Beyond the BMP libharu prints a space whatever the font holds. */
    return cp <= 0xFFFF && glyph_of(f, cp) != 0;
}

int font_ascent(const mp_font *f)
{
    return f->ascent;
}

int font_descent(const mp_font *f)
{
    return f->descent;
}

/* ---- flattening nested composite glyphs (the libharu 2.3.0 workaround) ---- */

enum {
    ARG_WORDS = 0x0001,
    ARGS_XY = 0x0002,
    HAS_SCALE = 0x0008,
    MORE = 0x0020,
    HAS_XY_SCALE = 0x0040,
    HAS_2X2 = 0x0080,
    HAS_INSTR = 0x0100,
    MY_METRICS = 0x0200,
    OVERLAP = 0x0400,
    SCALED_OFFSET = 0x0800,
    TRANSFORM = HAS_SCALE | HAS_XY_SCALE | HAS_2X2,
};

#define MAX_NESTING 8

typedef struct {
    unsigned flags, gid;
    long dx, dy;            /* offsets when ARGS_XY; point numbers otherwise */
    unsigned char xform[8]; /* the transform as stored, big-endian F2Dot14 */
    unsigned xform_len;
} component;

typedef struct {
    const unsigned char *glyf, *loca;
    unsigned glyf_len, num_glyphs;
    bool long_loca;
} glyphs;

/* Byte range of a glyph, or false when loca points outside glyf. */
static bool glyph_range(const glyphs *g, unsigned gid, uint32_t *start, uint32_t *end)
{
    if (g->long_loca) {
        *start = bytes_be32(g->loca + 4 * gid);
        *end = bytes_be32(g->loca + 4 * gid + 4);
    } else {
        *start = 2u * bytes_be16(g->loca + 2 * gid);
        *end = 2u * bytes_be16(g->loca + 2 * gid + 2);
    }
    return *start <= *end && *end <= g->glyf_len;
}

static bool is_composite(const glyphs *g, unsigned gid)
{
    uint32_t s, e;
    if (gid >= g->num_glyphs || !glyph_range(g, gid, &s, &e) || e - s < 10)
        return false;
    return bytes_be16(g->glyf + s) == 0xFFFF;
}

/* Reads the component at p; returns its size or 0 when it does not fit. */
static size_t read_component(const unsigned char *p, const unsigned char *end, component *c)
{
    if (end - p < 4)
        return 0;
    c->flags = bytes_be16(p);
    c->gid = bytes_be16(p + 2);
    size_t n = 4;
    size_t args = (c->flags & ARG_WORDS) ? 4 : 2;
    c->xform_len = (c->flags & HAS_SCALE)      ? 2
                   : (c->flags & HAS_XY_SCALE) ? 4
                   : (c->flags & HAS_2X2)      ? 8
                                               : 0;
    if ((size_t)(end - p) < n + args + c->xform_len)
        return 0;
    bool xy = c->flags & ARGS_XY;
    if (c->flags & ARG_WORDS) {
        unsigned a = bytes_be16(p + 4), b = bytes_be16(p + 6);
        c->dx = xy ? (long)(int16_t)a : (long)a;
        c->dy = xy ? (long)(int16_t)b : (long)b;
    } else {
        c->dx = xy ? (long)(int8_t)p[4] : (long)p[4];
        c->dy = xy ? (long)(int8_t)p[5] : (long)p[5];
    }
    n += args;
    memcpy(c->xform, p + n, c->xform_len);
    return n + c->xform_len;
}

typedef struct {
    component *v;
    size_t n, cap;
} comp_list;

static bool push(comp_list *l, const component *c)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        component *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *c;
    return true;
}

/* Appends the leaf components of composite gid, moved by (dx, dy), to out.
 * Returns 1 on success, 0 when the glyph cannot be flattened exactly (point
 * matching or a scaled offset below the top level, too deep, malformed) and
 * -1 when out of memory. top marks the glyph being rewritten itself, whose
 * own components may do anything a leaf may. */
static int collect(const glyphs *g, unsigned gid, long dx, long dy, bool top, unsigned depth,
                   comp_list *out, size_t *instr_at)
{
    uint32_t s, e;
    if (depth > MAX_NESTING || !glyph_range(g, gid, &s, &e))
        return 0;
    const unsigned char *p = g->glyf + s + 10, *end = g->glyf + e;
    component c;
    do {
        size_t n = read_component(p, end, &c);
        if (!n)
            return 0;
        p += n;
        if (c.gid >= g->num_glyphs)
            return 0;
        if (is_composite(g, c.gid)) {
            /* Inlining is a pure translation only for an unscaled, offset
             * placement of the inner glyph. */
            if (!(c.flags & ARGS_XY) || (c.flags & TRANSFORM))
                return 0;
            int r = collect(g, c.gid, dx + c.dx, dy + c.dy, false, depth + 1, out, instr_at);
            if (r != 1)
                return r;
        } else {
            if (!top && !(c.flags & ARGS_XY))
                return 0; /* point numbers would shift with the outer glyph's points */
            if (!top && (c.flags & TRANSFORM) && (c.flags & SCALED_OFFSET))
                return 0;
            if (c.flags & ARGS_XY) {
                c.dx += dx;
                c.dy += dy;
                if (c.dx < INT16_MIN || c.dx > INT16_MAX || c.dy < INT16_MIN || c.dy > INT16_MAX)
                    return 0;
            }
            if (!top)
                c.flags &= ~(unsigned)(MY_METRICS | OVERLAP);
            if (!push(out, &c))
                return -1;
        }
    } while (c.flags & MORE);
    if (top)
        *instr_at = (size_t)(p - (g->glyf + s));
    return 1;
}

/* Writes the flattened composite into buf (room for its worst case) and
 * returns its length. The outer glyph's header (bounding box) and any
 * instructions are kept: the points come out in the same order. */
static size_t write_flat(const unsigned char *src, size_t src_len, size_t instr_at,
                         const comp_list *l, unsigned char *buf)
{
    bool instr = false;
    size_t n = 10, last = 10;
    memcpy(buf, src, 10);
    for (size_t i = 0; i < l->n; i++) {
        const component *c = &l->v[i];
        unsigned flags = c->flags & ~(unsigned)(ARG_WORDS | MORE | HAS_INSTR);
        instr = instr || (c->flags & HAS_INSTR);
        bool words = (c->flags & ARGS_XY)
                         ? (c->dx < -128 || c->dx > 127 || c->dy < -128 || c->dy > 127)
                         : (c->dx > 255 || c->dy > 255);
        if (words)
            flags |= ARG_WORDS;
        if (i + 1 < l->n)
            flags |= MORE;
        last = n;
        bytes_set_be16(buf + n, flags);
        bytes_set_be16(buf + n + 2, c->gid);
        n += 4;
        if (words) {
            bytes_set_be16(buf + n, (unsigned)(c->dx & 0xFFFF));
            bytes_set_be16(buf + n + 2, (unsigned)(c->dy & 0xFFFF));
            n += 4;
        } else {
            buf[n++] = (unsigned char)(c->dx & 0xFF);
            buf[n++] = (unsigned char)(c->dy & 0xFF);
        }
        memcpy(buf + n, c->xform, c->xform_len);
        n += c->xform_len;
    }
    if (instr && instr_at < src_len) {
        bytes_set_be16(buf + last, bytes_be16(buf + last) | HAS_INSTR);
        memcpy(buf + n, src + instr_at, src_len - instr_at);
        n += src_len - instr_at;
    }
    return n;
}

typedef struct {
    uint32_t tag;
    const unsigned char *data;
    uint32_t len;
} sfnt_table;

static uint32_t checksum(const unsigned char *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 4) {
        unsigned char w[4] = {0, 0, 0, 0};
        memcpy(w, p + i, len - i < 4 ? len - i : 4);
        sum += bytes_be32(w);
    }
    return sum;
}

static int cmp_table(const void *a, const void *b)
{
    uint32_t x = ((const sfnt_table *)a)->tag, y = ((const sfnt_table *)b)->tag;
    return x < y ? -1 : x > y;
}

/* Serializes tables (sorted by tag, 4-byte aligned, checksummed, head's
 * checkSumAdjustment set) into a malloc'd font. head must be writable. */
static unsigned char *write_sfnt(sfnt_table *t, unsigned n, size_t *out_len)
{
    qsort(t, n, sizeof *t, cmp_table);
    size_t size = 12 + 16 * (size_t)n;
    for (unsigned i = 0; i < n; i++)
        size += ((size_t)t[i].len + 3) & ~(size_t)3;
    unsigned char *font = calloc(1, size);
    if (!font)
        return NULL;
    unsigned pow2 = 1, log2 = 0;
    while (pow2 * 2 <= n) {
        pow2 *= 2;
        log2++;
    }
    bytes_set_be32(font, 0x00010000);
    bytes_set_be16(font + 4, n);
    bytes_set_be16(font + 6, pow2 * 16);
    bytes_set_be16(font + 8, log2);
    bytes_set_be16(font + 10, n * 16 - pow2 * 16);
    size_t at = 12 + 16 * (size_t)n, head_at = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned char *rec = font + 12 + 16 * i;
        memcpy(font + at, t[i].data, t[i].len);
        if (t[i].tag == HB_TAG('h', 'e', 'a', 'd')) {
            head_at = at;
            bytes_set_be32(font + at + 8, 0);
        }
        bytes_set_be32(rec, t[i].tag);
        bytes_set_be32(rec + 4, checksum(font + at, t[i].len));
        bytes_set_be32(rec + 8, (uint32_t)at);
        bytes_set_be32(rec + 12, t[i].len);
        at += ((size_t)t[i].len + 3) & ~(size_t)3;
    }
    if (head_at)
        bytes_set_be32(font + head_at + 8, 0xB1B0AFBAu - checksum(font, size));
    *out_len = size;
    return font;
}

/* Rewrites the sfnt in font[0..len) so that no composite glyph refers to
 * another composite. *out is NULL (and 0 returned) when nothing needed it. */
static int flatten_composites(const unsigned char *font, size_t len, unsigned char **out,
                              size_t *out_len)
{
    *out = NULL;
    if (len < 12)
        return EX_SOFTWARE;
    unsigned n = bytes_be16(font + 4);
    if (12 + 16 * (size_t)n > len || n == 0 || n > 64)
        return EX_SOFTWARE;
    sfnt_table t[64];
    int ihead = -1, imaxp = -1, iglyf = -1, iloca = -1;
    for (unsigned i = 0; i < n; i++) {
        const unsigned char *rec = font + 12 + 16 * i;
        uint32_t off = bytes_be32(rec + 8), tlen = bytes_be32(rec + 12);
        if (off > len || tlen > len - off)
            return EX_SOFTWARE;
        t[i] = (sfnt_table){bytes_be32(rec), font + off, tlen};
        if (t[i].tag == HB_TAG('h', 'e', 'a', 'd'))
            ihead = (int)i;
        else if (t[i].tag == HB_TAG('m', 'a', 'x', 'p'))
            imaxp = (int)i;
        else if (t[i].tag == HB_TAG('g', 'l', 'y', 'f'))
            iglyf = (int)i;
        else if (t[i].tag == HB_TAG('l', 'o', 'c', 'a'))
            iloca = (int)i;
    }
    if (ihead < 0 || imaxp < 0 || iglyf < 0 || iloca < 0 || t[ihead].len < 54 || t[imaxp].len < 32)
        return EX_SOFTWARE;
    glyphs g = {t[iglyf].data, t[iloca].data, t[iglyf].len, bytes_be16(t[imaxp].data + 4),
                bytes_be16(t[ihead].data + 50) != 0};
    if (t[iloca].len < (g.num_glyphs + 1u) * (g.long_loca ? 4u : 2u))
        return EX_SOFTWARE;

    bool nested = false;
    for (unsigned gid = 0; gid < g.num_glyphs && !nested; gid++) {
        uint32_t s, e;
        if (!is_composite(&g, gid) || !glyph_range(&g, gid, &s, &e))
            continue;
        const unsigned char *p = g.glyf + s + 10;
        component c;
        do {
            size_t k = read_component(p, g.glyf + e, &c);
            if (!k)
                break;
            p += k;
            nested = is_composite(&g, c.gid);
        } while ((c.flags & MORE) && !nested);
    }
    if (!nested)
        return 0;

    /* A flattened glyph can outgrow its source: each inlined component may
     * gain word arguments. Bound the new glyf generously and check as we go. */
    int rc = EX_OSERR;
    comp_list l = {0};
    size_t cap = (size_t)g.glyf_len * 4 + 4096, used = 0;
    unsigned char *glyf = malloc(cap), *loca = malloc(4 * ((size_t)g.num_glyphs + 1));
    unsigned char *head = malloc(t[ihead].len), *maxp = malloc(t[imaxp].len);
    uint32_t *offsets = malloc(sizeof *offsets * ((size_t)g.num_glyphs + 1));
    if (!glyf || !loca || !head || !maxp || !offsets)
        goto done;
    unsigned max_elements = bytes_be16(t[imaxp].data + 28);
    for (unsigned gid = 0; gid < g.num_glyphs; gid++) {
        uint32_t s, e;
        offsets[gid] = (uint32_t)used;
        if (!glyph_range(&g, gid, &s, &e)) {
            rc = EX_SOFTWARE;
            goto done;
        }
        size_t glen = e - s, instr_at = 0;
        int r = 0;
        l.n = 0;
        if (is_composite(&g, gid))
            r = collect(&g, gid, 0, 0, true, 0, &l, &instr_at);
        if (r < 0)
            goto done;
        size_t worst = r == 1 ? 10 + l.n * 16 + glen : glen;
        if (used + worst + 4 > cap) {
            size_t ncap = (used + worst + 4) * 2;
            unsigned char *ng = realloc(glyf, ncap);
            if (!ng)
                goto done;
            glyf = ng;
            cap = ncap;
        }
        if (r == 1) {
            used += write_flat(g.glyf + s, glen, instr_at, &l, glyf + used);
            if (l.n > max_elements)
                max_elements = (unsigned)l.n;
        } else {
            memcpy(glyf + used, g.glyf + s, glen);
            used += glen;
        }
        while (used % 4)
            glyf[used++] = 0;
    }
    offsets[g.num_glyphs] = (uint32_t)used;

    /* Short offsets count 16-bit words and stop at 128 KiB. */
    bool long_loca = used > 0x1FFFC;
    for (unsigned gid = 0; gid <= g.num_glyphs; gid++) {
        if (long_loca)
            bytes_set_be32(loca + 4 * gid, offsets[gid]);
        else
            bytes_set_be16(loca + 2 * gid, offsets[gid] / 2);
    }
    memcpy(head, t[ihead].data, t[ihead].len);
    bytes_set_be16(head + 50, long_loca ? 1 : 0);
    memcpy(maxp, t[imaxp].data, t[imaxp].len);
    bytes_set_be16(maxp + 28, max_elements);

    t[iglyf].data = glyf;
    t[iglyf].len = (uint32_t)used;
    t[iloca].data = loca;
    t[iloca].len = (g.num_glyphs + 1u) * (long_loca ? 4u : 2u);
    t[ihead].data = head;
    t[imaxp].data = maxp;
    *out = write_sfnt(t, n, out_len);
    rc = *out ? 0 : EX_OSERR;

done:
    free(l.v);
    free(offsets);
    free(glyf);
    free(loca);
    free(head);
    free(maxp);
    return rc;
}

int font_subset(const mp_font *f, const uint32_t *cps, size_t n, unsigned char **out,
                size_t *out_len, mp_err *err)
{
    *out = NULL;
    *out_len = 0;
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    if (!in)
        return err_set(err, EX_OSERR, f->path, 0, 0, "out of memory");

    hb_set_t *unicodes = hb_subset_input_unicode_set(in);
    /* libharu draws code points beyond the BMP as spaces, so those cannot
     * appear and the space always can. */
    hb_set_add(unicodes, ' ');
    for (size_t i = 0; i < n; i++)
        if (cps[i] <= 0xFFFF)
            hb_set_add(unicodes, cps[i]);

    /* libharu embeds just 13 tables (OS/2 cmap cvt fpgm glyf head hhea hmtx
     * loca maxp name post prep) and does no shaping; dropping the layout
     * tables also keeps hb-subset from pulling in ligatures and alternates
     * through GSUB closure. Hinting goes too: viewers and printers render
     * PDF text at high resolution without TrueType instructions, and without
     * them the embedded font is about half the size. */
    static const char *const drop[] = {
        "GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "kern", "morx", "mort", "kerx", "feat",
        "trak", "hdmx", "LTSH", "VDMX", "vhea", "vmtx", "DSIG", "FFTM", "gasp", "meta", "STAT"};
    hb_set_t *drop_tables = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
        hb_set_add(drop_tables, hb_tag_from_string(drop[i], 4));
    unsigned flags = HB_SUBSET_FLAGS_NO_HINTING;
    if (f->legacy_names)
        flags |= HB_SUBSET_FLAGS_NAME_LEGACY;
    hb_subset_input_set_flags(in, flags);
    if (hb_set_allocation_successful(unicodes) == false ||
        hb_set_allocation_successful(drop_tables) == false) {
        hb_subset_input_destroy(in);
        return err_set(err, EX_OSERR, f->path, 0, 0, "out of memory");
    }

    hb_face_t *sub = hb_subset_or_fail(f->face, in);
    hb_subset_input_destroy(in);
    if (!sub)
        return err_set(err, EX_SOFTWARE, f->path, 0, 0, "subsetting the font failed");
    hb_blob_t *blob = hb_face_reference_blob(sub);
    hb_face_destroy(sub);
    unsigned len = 0;
    const unsigned char *data = (const unsigned char *)hb_blob_get_data(blob, &len);
    if (!data || len == 0) {
        hb_blob_destroy(blob);
        return err_set(err, EX_SOFTWARE, f->path, 0, 0, "subsetting the font failed");
    }

    int rc = flatten_composites(data, len, out, out_len);
    if (rc == 0 && !*out) {
        *out = malloc(len);
        if (*out) {
            memcpy(*out, data, len);
            *out_len = len;
        } else {
            rc = EX_OSERR;
        }
    }
    hb_blob_destroy(blob);
    if (rc == EX_OSERR)
        return err_set(err, EX_OSERR, f->path, 0, 0, "out of memory");
    if (rc)
        return err_set(err, rc, f->path, 0, 0, "subsetting the font failed");
    return 0;
}
