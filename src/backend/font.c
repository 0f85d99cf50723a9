/*
 * font.c — font faces for shaping, measuring and embedding, through HarfBuzz.
 *
 * font_open_face() checks up front, with a message naming the file, what
 * the shaper and pdffont.c rely on: outlines a PDF can carry (TrueType glyf
 * or CFF), the tables HarfBuzz measures with, a sane unitsPerEm and a
 * licence that allows embedding a subset. After that a face is only read.
 */
#include "font.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hb-ot.h>
#include <hb.h>

#include "bytes.h"

/* Latin, Latin-1 and Latin Extended-A/B: nearly every name on a form, whose
 * nominal glyphs are a table lookup. */
#define LATIN_END 0x250u

struct mp_font {
    char *path;
    hb_blob_t *blob;
    hb_face_t *face;
    hb_font_t *font;
    unsigned upem; /* head.unitsPerEm */
    unsigned num_glyphs;
    unsigned index; /* face in a collection (.ttc, .otc); 0 otherwise */
    bool cff;       /* CFF outlines ('CFF ' table), not glyf */
    char *family;
    int ascent, descent;
    uint16_t latin_gid[LATIN_END]; /* nominal glyphs, for the Latin fast path */
    /* The face as the subsetter sees it: without its cmap (font_subset_face). */
    hb_face_t *view;
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

static hb_codepoint_t glyph_of(const mp_font *f, uint32_t cp)
{
    hb_codepoint_t gid = 0;
    if (!hb_font_get_nominal_glyph(f->font, cp, &gid) || gid >= f->num_glyphs)
        gid = 0;
    return gid;
}

static int em_thousandths(const mp_font *f, int v)
{
    /* Truncated toward zero (C division). */
    return (int)((long)v * 1000 / (long)f->upem);
}

/* The family name for messages: the typographic family (name ID 16) when
 * the face has one, as "Noto Sans CJK JP" rather than a style-bearing
 * legacy name, else the legacy family (ID 1). */
static char *family_name(hb_face_t *face)
{
    static const hb_ot_name_id_t ids[] = {HB_OT_NAME_ID_TYPOGRAPHIC_FAMILY,
                                          HB_OT_NAME_ID_FONT_FAMILY};
    char name[128];
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        unsigned size = sizeof name;
        if (hb_ot_name_get_utf8(face, ids[i], HB_LANGUAGE_INVALID, &size, name) && size > 0)
            return strdup(name);
    }
    return strdup("");
}

/* The tables of the face behind user_data, but no cmap. A subset is asked
 * for by glyph id, and the embedded font carries no cmap (pdffont.c drops
 * it): yet hb-subset's plan reads the whole cmap into a map of every
 * character to its glyph, for every subset, to keep the characters of the
 * glyphs it keeps. That was most of a subset's cost: ten ideographs of
 * Noto CJK (44,000 characters) took 3.4 ms with the cmap, 0.5-0.8 ms
 * without; sixty DejaVu glyphs 0.45 and 0.20 ms. The same glyphs are kept. */
static hb_blob_t *view_table(hb_face_t *face, hb_tag_t tag, void *user_data)
{
    (void)face;
    if (tag == HB_TAG('c', 'm', 'a', 'p'))
        return hb_blob_get_empty();
    return hb_face_reference_table((hb_face_t *)user_data, tag);
}

int font_open_face(const char *path, unsigned index, mp_font **out, mp_err *err)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot open font: %s", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot open font: %s", strerror(EISDIR));
    if (st.st_size == 0)
        return err_set(err, EX_DATAERR, path, 0, 0, "not a font file");

    /* Mapped, not read: a CJK collection is some 20 MB, and every face of
     * it opened here shares the pages the kernel already holds. */
    errno = 0;
    hb_blob_t *blob = hb_blob_create_from_file_or_fail(path);
    if (!blob)
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot read font: %s",
                       strerror(errno ? errno : EIO));

    int rc = 0;
    unsigned faces = hb_face_count(blob);
    if (faces > 0 && index >= faces) {
        hb_blob_destroy(blob);
        return err_set(err, EX_DATAERR, path, 0, 0, "the font file has %u face%s, no face %u",
                       faces, faces == 1 ? "" : "s", index);
    }
    mp_font *f = calloc(1, sizeof *f);
    hb_face_t *face = hb_face_create(blob, index);
    if (!f || face == hb_face_get_empty()) {
        rc = err_set(err, EX_OSERR, path, 0, 0, "out of memory");
        goto fail;
    }
    f->blob = blob;
    f->face = face;
    f->index = index;

    /* A file that is not an sfnt at all sanitizes to a face without glyphs. */
    if (faces == 0 || hb_face_get_glyph_count(face) == 0) {
        rc = err_set(err, EX_DATAERR, path, 0, 0, "not a font file");
        goto fail;
    }
    f->cff = has_table(face, "CFF ");
    /* CFF2 (variable outlines) has no PDF embedding: a PDF takes CFF only. */
    if (!f->cff && has_table(face, "CFF2")) {
        rc = err_set(err, EX_DATAERR, path, 0, 0,
                     "CFF2 (variable OpenType) fonts cannot be embedded in a PDF");
        goto fail;
    }
    if (!f->cff && (!has_table(face, "glyf") || !has_table(face, "loca"))) {
        rc = err_set(err, EX_DATAERR, path, 0, 0, "font has no TrueType outlines ('glyf' table)");
        goto fail;
    }
    /* OS/2 and name are optional: without them the licence allows
     * embedding and the descriptor takes defaults (pdffont.c). */
    static const char *const needed[] = {"head", "hhea", "hmtx", "maxp", "cmap"};
    for (size_t i = 0; i < sizeof needed / sizeof *needed; i++) {
        if (!has_table(face, needed[i])) {
            rc = err_set(err, EX_DATAERR, path, 0, 0, "font has no '%s' table", needed[i]);
            goto fail;
        }
    }

    const unsigned char *d;
    unsigned len;
    hb_blob_t *b = table(face, "OS/2", &d, &len);
    unsigned fs_type = len >= 10 ? bytes_be16(d + 8) : 0;
    hb_blob_destroy(b);
    /* Restricted licence, no subsetting, bitmap only: a PDF may carry none
     * of these as an outline subset. */
    if (fs_type & (0x0002 | 0x0100 | 0x0200)) {
        rc =
            err_set(err, EX_DATAERR, path, 0, 0,
                    "the font's licence does not allow embedding it (OS/2 fsType 0x%04x)", fs_type);
        goto fail;
    }
    b = table(face, "head", &d, &len);
    f->upem = len >= 20 ? bytes_be16(d + 18) : 0;
    hb_blob_destroy(b);
    /* HarfBuzz quietly replaces an out-of-range unitsPerEm with 1000: such
     * a font's scale is anyone's guess, so it is refused. */
    if (f->upem < 16 || f->upem > 16384 || f->upem != hb_face_get_upem(face)) {
        rc = err_set(err, EX_DATAERR, path, 0, 0, "font has an invalid unitsPerEm (%u)", f->upem);
        goto fail;
    }

    f->num_glyphs = hb_face_get_glyph_count(face);
    f->view = hb_face_create_for_tables(view_table, hb_face_reference(face),
                                        (hb_destroy_func_t)hb_face_destroy);
    if (f->view == hb_face_get_empty()) {
        f->view = NULL;
        rc = err_set(err, EX_OSERR, path, 0, 0, "out of memory");
        goto fail;
    }
    f->font = hb_font_create(face);
    f->path = strdup(path);
    f->family = family_name(face);
    if (f->font == hb_font_get_empty() || !f->path || !f->family) {
        rc = err_set(err, EX_OSERR, path, 0, 0, "out of memory");
        goto fail;
    }
    /* Positions in font units: the shaper's numbers need no rescaling, and
     * immutable, so that several threads may shape with it at once. */
    hb_font_set_scale(f->font, (int)f->upem, (int)f->upem);
    hb_face_make_immutable(face);
    hb_font_make_immutable(f->font);

    /* The descriptor's /Ascent and /Descent: the raw hhea values, not
     * HarfBuzz's extents, which switch to OS/2 typo metrics for fonts that
     * set USE_TYPO_METRICS. */
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
        f->latin_gid[cp] = (uint16_t)glyph_of(f, cp); /* glyph ids are 16-bit in an sfnt */

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
    hb_face_destroy(f->view);
    hb_face_destroy(f->face);
    hb_blob_destroy(f->blob);
    free(f->path);
    free(f->family);
    free(f);
}

hb_face_t *font_subset_face(const mp_font *f)
{
    return f->view;
}

const char *font_path(const mp_font *f)
{
    return f->path;
}

uint32_t font_glyph(const mp_font *f, uint32_t cp)
{
    if (cp < LATIN_END)
        return f->latin_gid[cp];
    return glyph_of(f, cp);
}

hb_font_t *font_hb(const mp_font *f)
{
    return f->font;
}

int font_upem(const mp_font *f)
{
    return (int)f->upem;
}

bool font_is_cff(const mp_font *f)
{
    return f->cff;
}

unsigned font_face_index(const mp_font *f)
{
    return f->index;
}

const char *font_family(const mp_font *f)
{
    return f->family;
}

int font_ascent(const mp_font *f)
{
    return f->ascent;
}

int font_descent(const mp_font *f)
{
    return f->descent;
}
