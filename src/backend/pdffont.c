/*
 * pdffont.c — see pdffont.h.
 *
 * The objects are made with libharu's object API (hpdf_objects.h), reached
 * through the document record (HPDF_Doc_Rec's mmgr and xref, hpdf_doc.h):
 * libharu still numbers, compresses and writes them. Widths come from
 * font_advance() on the full face, the numbers the layout measured with;
 * glyph ids come from the subset itself, reopened with HarfBuzz, because
 * hb-subset renumbers glyphs.
 */
#include "pdffont.h"

#include <hb-ot.h>
#include <hb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

/* Code points with a direct code table: Latin text is nearly all of it. */
#define LATIN_END 0x250u
/* Two-byte codes, and code 0 stays unused (it would show .notdef). */
#define MAX_CHARS 0xFFFFu
/* Entries per bfchar/bfrange block: the CMap format's limit. */
#define CMAP_BLOCK 100
/* Widths per /W sub-array: well inside libharu's array limit. */
#define W_CHUNK 8192
/* Room for the PostScript name: 63 characters, as the name table allows. */
#define PS_NAME_SIZE 64

struct pdffont {
    HPDF_Dict dict;
    uint32_t *cps; /* code point of code i + 1 */
    size_t n;
    uint16_t latin[LATIN_END];
};

/* What the font descriptor says about the face, in 1/1000 em. */
typedef struct face_info {
    unsigned upem;
    int bbox[4];
    double italic_angle;
    bool fixed_pitch, italic;
    unsigned weight;
    int cap_height, x_height; /* 0: the face does not say */
    char ps_name[PS_NAME_SIZE];
} face_info;

/* A table's bytes (*len is 0 when absent); destroy the blob after use. */
static hb_blob_t *table(hb_face_t *face, const char *tag, const unsigned char **data, unsigned *len)
{
    hb_blob_t *b = hb_face_reference_table(face, hb_tag_from_string(tag, 4));
    *data = (const unsigned char *)hb_blob_get_data(b, len);
    if (!*data)
        *len = 0;
    return b;
}

static int em(const face_info *fi, int v)
{
    /* Truncated, as font.c converts ascent and descent. */
    return (int)((long)v * 1000 / (long)fi->upem);
}

/* Reads the descriptor's metrics from the subset's head, post, OS/2 and name
 * tables. Returns false when the subset has no usable head. */
static bool read_face_info(hb_face_t *face, face_info *fi)
{
    memset(fi, 0, sizeof *fi);
    const unsigned char *d;
    unsigned len;
    hb_blob_t *b = table(face, "head", &d, &len);
    if (len >= 54) {
        fi->upem = bytes_be16(d + 18);
        for (int i = 0; i < 4; i++)
            fi->bbox[i] = (int16_t)bytes_be16(d + 36 + 2 * i);
        fi->italic = bytes_be16(d + 44) & 2;
    }
    hb_blob_destroy(b);
    if (fi->upem < 16 || fi->upem > 16384)
        return false;
    for (int i = 0; i < 4; i++)
        fi->bbox[i] = em(fi, fi->bbox[i]);

    b = table(face, "post", &d, &len);
    if (len >= 16) {
        fi->italic_angle = (int32_t)bytes_be32(d + 4) / 65536.0;
        fi->fixed_pitch = bytes_be32(d + 12) != 0;
    }
    hb_blob_destroy(b);

    fi->weight = 400;
    b = table(face, "OS/2", &d, &len);
    if (len >= 6 && bytes_be16(d + 4) >= 1 && bytes_be16(d + 4) <= 1000)
        fi->weight = bytes_be16(d + 4);
    if (len >= 64 && (bytes_be16(d + 62) & 1))
        fi->italic = true;
    /* sxHeight and sCapHeight arrived with OS/2 version 2. */
    if (len >= 90 && bytes_be16(d) >= 2) {
        fi->x_height = em(fi, (int16_t)bytes_be16(d + 86));
        fi->cap_height = em(fi, (int16_t)bytes_be16(d + 88));
    }
    hb_blob_destroy(b);
    if (fi->italic_angle != 0)
        fi->italic = true;

    /* A PostScript name keeps to printable ASCII without PDF delimiters;
     * keep the safe part of it. */
    char raw[64];
    unsigned size = sizeof raw;
    if (!hb_ot_name_get_utf8(face, HB_OT_NAME_ID_POSTSCRIPT_NAME, HB_LANGUAGE_INVALID, &size, raw))
        size = 0;
    size_t k = 0;
    for (unsigned i = 0; i < size && raw[i] && k + 1 < sizeof fi->ps_name; i++) {
        char c = raw[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.')
            fi->ps_name[k++] = c;
    }
    if (k == 0)
        memcpy(fi->ps_name, "Font", 5);
    else
        fi->ps_name[k] = '\0';
    return true;
}

/* The subset tag ("ABCDEF+"): any six capitals mark a subset; deriving them
 * from the font and the characters keeps the output deterministic, and two
 * documents carrying the same subset carry the same name. */
static void subset_tag(const face_info *fi, const uint32_t *cps, size_t n, char tag[8])
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (const char *p = fi->ps_name; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3u;
    for (size_t i = 0; i < n; i++)
        for (int s = 0; s < 32; s += 8)
            h = (h ^ ((cps[i] >> s) & 0xFF)) * 0x100000001b3u;
    for (int i = 0; i < 6; i++) {
        tag[i] = (char)('A' + h % 26);
        h /= 26;
    }
    tag[6] = '+';
    tag[7] = '\0';
}

/* A new dictionary of its own (an indirect object). */
static HPDF_Dict new_dict(HPDF_Doc pdf)
{
    HPDF_Dict d = HPDF_Dict_New(pdf->mmgr);
    /* HPDF_Xref_Add frees the object when it fails. */
    if (d && HPDF_Xref_Add(pdf->xref, d) != HPDF_OK)
        return NULL;
    return d;
}

/* A new flate-compressed stream. */
static HPDF_Dict new_stream(HPDF_Doc pdf)
{
    HPDF_Dict s = HPDF_DictStream_New(pdf->mmgr, pdf->xref);
    if (s)
        s->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    return s;
}

/* Adds a new direct array under key; NULL when that fails. */
static HPDF_Array add_array(HPDF_Dict d, const char *key)
{
    HPDF_Array a = HPDF_Array_New(d->mmgr);
    /* HPDF_Dict_Add frees a direct object it cannot add. */
    if (!a || HPDF_Dict_Add(d, key, a) != HPDF_OK)
        return NULL;
    return a;
}

static HPDF_STATUS put(HPDF_Stream s, const char *str)
{
    return HPDF_Stream_Write(s, (const HPDF_BYTE *)str, (HPDF_UINT)strlen(str));
}

/* The code point as UTF-16BE hex, "<00E9>" or "<D83DDE00>". */
static void utf16_hex(uint32_t cp, char out[24])
{
    if (cp >= 0x10000) {
        cp -= 0x10000;
        snprintf(out, 24, "<%04X%04X>", (unsigned)(0xD800 + (cp >> 10)),
                 (unsigned)(0xDC00 + (cp & 0x3FF)));
    } else {
        snprintf(out, 24, "<%04X>", (unsigned)cp);
    }
}

typedef struct cmap_run {
    size_t first, count; /* indexes into cps; the codes are first + 1 ... */
} cmap_run;

/* Writes the runs of one kind (ranges or single characters) in blocks of at
 * most CMAP_BLOCK entries. */
static HPDF_STATUS put_runs(HPDF_Stream s, const uint32_t *cps, const cmap_run *runs, size_t nruns,
                            bool ranges)
{
    size_t left = 0, in_block = 0;
    for (size_t r = 0; r < nruns; r++)
        left += (runs[r].count > 1) == ranges;
    const char *kind = ranges ? "bfrange" : "bfchar";
    char line[80], dst[24];
    HPDF_STATUS ret = HPDF_OK;
    for (size_t r = 0; r < nruns && ret == HPDF_OK; r++) {
        const cmap_run *run = &runs[r];
        if ((run->count > 1) != ranges)
            continue;
        if (in_block == 0) {
            snprintf(line, sizeof line, "%zu begin%s\n", left < CMAP_BLOCK ? left : CMAP_BLOCK,
                     kind);
            ret |= put(s, line);
        }
        utf16_hex(cps[run->first], dst);
        if (ranges)
            snprintf(line, sizeof line, "<%04X> <%04X> %s\n", (unsigned)(run->first + 1),
                     (unsigned)(run->first + run->count), dst);
        else
            snprintf(line, sizeof line, "<%04X> %s\n", (unsigned)(run->first + 1), dst);
        ret |= put(s, line);
        left--;
        if (++in_block == CMAP_BLOCK || left == 0) {
            snprintf(line, sizeof line, "end%s\n", kind);
            ret |= put(s, line);
            in_block = 0;
        }
    }
    return ret;
}

/* The ToUnicode CMap: code i + 1 is cps[i]. Consecutive codes for
 * consecutive BMP characters make one bfrange entry, which may only vary in
 * the last byte of both the code and the UTF-16 value. */
static HPDF_STATUS put_tounicode(HPDF_Stream s, const uint32_t *cps, size_t n, bool *oom)
{
    cmap_run *runs = malloc((n ? n : 1) * sizeof *runs);
    if (!runs) {
        *oom = true;
        return HPDF_FAILD_TO_ALLOC_MEM;
    }
    size_t nruns = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && cps[j] == cps[j - 1] + 1 && cps[j] <= 0xFFFF &&
               ((j + 1) >> 8) == ((i + 1) >> 8) && (cps[j] >> 8) == (cps[i] >> 8))
            j++;
        runs[nruns++] = (cmap_run){i, j - i};
        i = j;
    }
    HPDF_STATUS ret = put(s, "/CIDInit /ProcSet findresource begin\n"
                             "12 dict begin\n"
                             "begincmap\n"
                             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
                             "/Supplement 0 >> def\n"
                             "/CMapName /Adobe-Identity-UCS def\n"
                             "/CMapType 2 def\n"
                             "1 begincodespacerange\n"
                             "<0000> <FFFF>\n"
                             "endcodespacerange\n");
    ret |= put_runs(s, cps, runs, nruns, true);
    ret |= put_runs(s, cps, runs, nruns, false);
    ret |= put(s, "endcmap\n"
                  "CMapName currentdict /CMapName get exch defineresource pop\n"
                  "end\n"
                  "end\n");
    free(runs);
    return ret;
}

/* Everything one font's objects are made from. */
typedef struct embed {
    HPDF_Doc pdf;
    const mp_font *font;
    const uint32_t *cps; /* code i + 1 shows cps[i] */
    size_t n;
    uint16_t *gids; /* the subset's glyph for codes 0..n */
    const unsigned char *subset;
    size_t subset_len;
    face_info fi;
    int notdef_width;
    char base_font[7 + PS_NAME_SIZE]; /* "ABCDEF+" and the name */
    bool oom;
} embed;

static HPDF_STATUS add_descriptor(const embed *e, HPDF_Dict desc, HPDF_Dict file)
{
    const face_info *fi = &e->fi;
    /* Nonsymbolic: font_open() takes only faces with a Unicode cmap. */
    int flags = 32 | (fi->fixed_pitch ? 1 : 0) | (fi->italic ? 64 : 0);
    HPDF_STATUS ret = HPDF_Dict_AddName(desc, "Type", "FontDescriptor");
    ret |= HPDF_Dict_AddName(desc, "FontName", e->base_font);
    ret |= HPDF_Dict_AddNumber(desc, "Flags", flags);
    HPDF_Array bbox = add_array(desc, "FontBBox");
    if (!bbox)
        return HPDF_GetError(e->pdf);
    for (int i = 0; i < 4; i++)
        ret |= HPDF_Array_AddNumber(bbox, fi->bbox[i]);
    ret |= HPDF_Dict_AddReal(desc, "ItalicAngle", (HPDF_REAL)fi->italic_angle);
    ret |= HPDF_Dict_AddNumber(desc, "Ascent", font_ascent(e->font));
    ret |= HPDF_Dict_AddNumber(desc, "Descent", font_descent(e->font));
    /* Viewers use CapHeight and StemV only to stand in a font they lack, and
     * this one is embedded: the ascent serves for a cap height that OS/2
     * tables before version 2 do not give, and StemV is the usual guess
     * from the weight class. */
    ret |= HPDF_Dict_AddNumber(desc, "CapHeight",
                               fi->cap_height ? fi->cap_height : font_ascent(e->font));
    if (fi->x_height)
        ret |= HPDF_Dict_AddNumber(desc, "XHeight", fi->x_height);
    double stem = fi->weight / 65.0;
    ret |= HPDF_Dict_AddNumber(desc, "StemV", (HPDF_INT32)(50 + stem * stem + 0.5));
    ret |= HPDF_Dict_Add(desc, "FontFile2", file);

    ret |= HPDF_Dict_AddNumber(file, "Length1", (HPDF_INT32)e->subset_len);
    ret |= HPDF_Stream_Write(file->stream, e->subset, (HPDF_UINT)e->subset_len);
    return ret;
}

static HPDF_STATUS add_cid_font(embed *e, HPDF_Dict cid, HPDF_Dict desc, HPDF_Dict map)
{
    HPDF_MMgr mmgr = e->pdf->mmgr;
    HPDF_STATUS ret = HPDF_Dict_AddName(cid, "Type", "Font");
    ret |= HPDF_Dict_AddName(cid, "Subtype", "CIDFontType2");
    ret |= HPDF_Dict_AddName(cid, "BaseFont", e->base_font);
    HPDF_Dict info = HPDF_Dict_New(mmgr);
    if (!info || HPDF_Dict_Add(cid, "CIDSystemInfo", info) != HPDF_OK)
        return HPDF_GetError(e->pdf);
    ret |= HPDF_Dict_Add(info, "Registry", HPDF_String_New(mmgr, "Adobe", NULL));
    ret |= HPDF_Dict_Add(info, "Ordering", HPDF_String_New(mmgr, "Identity", NULL));
    ret |= HPDF_Dict_AddNumber(info, "Supplement", 0);
    ret |= HPDF_Dict_Add(cid, "FontDescriptor", desc);
    ret |= HPDF_Dict_AddNumber(cid, "DW", e->notdef_width);

    /* The widths the layout measured with, codes 1..n in a row. */
    HPDF_Array w = add_array(cid, "W");
    if (!w)
        return HPDF_GetError(e->pdf);
    for (size_t i = 0; i < e->n && ret == HPDF_OK; i += W_CHUNK) {
        ret |= HPDF_Array_AddNumber(w, (HPDF_INT32)(i + 1));
        HPDF_Array chunk = HPDF_Array_New(mmgr);
        if (!chunk || HPDF_Array_Add(w, chunk) != HPDF_OK)
            return HPDF_GetError(e->pdf);
        for (size_t k = i; k < e->n && k < i + W_CHUNK; k++)
            ret |= HPDF_Array_AddNumber(chunk, font_advance(e->font, e->cps[k]));
    }

    /* Two big-endian bytes per code; code 0 is .notdef like any unknown. */
    ret |= HPDF_Dict_Add(cid, "CIDToGIDMap", map);
    size_t map_len = 2 * (e->n + 1);
    unsigned char *bytes = malloc(map_len);
    if (!bytes) {
        e->oom = true;
        return HPDF_FAILD_TO_ALLOC_MEM;
    }
    for (size_t i = 0; i <= e->n; i++) {
        bytes[2 * i] = (unsigned char)(e->gids[i] >> 8);
        bytes[2 * i + 1] = (unsigned char)e->gids[i];
    }
    ret |= HPDF_Stream_Write(map->stream, bytes, (HPDF_UINT)map_len);
    free(bytes);
    return ret;
}

/* Makes the font's objects; returns the Type0 font or NULL. */
static HPDF_Dict build(embed *e)
{
    HPDF_Doc pdf = e->pdf;
    HPDF_Dict type0 = new_dict(pdf), cid = new_dict(pdf), desc = new_dict(pdf);
    HPDF_Dict file = new_stream(pdf), cmap = new_stream(pdf), map = new_stream(pdf);
    if (!type0 || !cid || !desc || !file || !cmap || !map)
        return NULL;
    HPDF_STATUS ret = HPDF_Dict_AddName(type0, "Type", "Font");
    ret |= HPDF_Dict_AddName(type0, "Subtype", "Type0");
    ret |= HPDF_Dict_AddName(type0, "BaseFont", e->base_font);
    ret |= HPDF_Dict_AddName(type0, "Encoding", "Identity-H");
    HPDF_Array descendants = add_array(type0, "DescendantFonts");
    if (!descendants)
        return NULL;
    ret |= HPDF_Array_Add(descendants, cid);
    ret |= HPDF_Dict_Add(type0, "ToUnicode", cmap);
    if (ret == HPDF_OK)
        ret = put_tounicode(cmap->stream, e->cps, e->n, &e->oom);
    if (ret == HPDF_OK)
        ret = add_cid_font(e, cid, desc, map);
    if (ret == HPDF_OK)
        ret = add_descriptor(e, desc, file);
    return ret == HPDF_OK ? type0 : NULL;
}

int pdffont_embed(HPDF_Doc pdf, const mp_font *f, const uint32_t *cps, size_t n, pdffont **out,
                  mp_err *err)
{
    *out = NULL;
    if (n > MAX_CHARS)
        return err_set(err, EX_SOFTWARE, font_path(f), 0, 0,
                       "more than %u different characters in one font", MAX_CHARS);
    pdffont *pf = calloc(1, sizeof *pf);
    embed e = {.pdf = pdf, .font = f, .cps = cps, .n = n};
    e.gids = malloc((n + 1) * sizeof *e.gids);
    if (pf)
        pf->cps = malloc((n ? n : 1) * sizeof *pf->cps);
    if (!pf || !e.gids || !pf->cps) {
        free(e.gids);
        pdffont_free(pf);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    memcpy(pf->cps, cps, n * sizeof *cps);
    pf->n = n;
    for (size_t i = 0; i < n && cps[i] < LATIN_END; i++)
        pf->latin[cps[i]] = (uint16_t)(i + 1);

    unsigned char *subset = NULL;
    int rc = font_subset(f, cps, n, &subset, &e.subset_len, err);
    if (rc) {
        free(e.gids);
        pdffont_free(pf);
        return rc;
    }
    e.subset = subset;

    /* hb-subset renumbers glyphs: ask the subset itself. The blob borrows
     * the bytes. */
    hb_blob_t *blob = hb_blob_create((const char *)subset, (unsigned)e.subset_len,
                                     HB_MEMORY_MODE_READONLY, NULL, NULL);
    hb_face_t *face = hb_face_create(blob, 0);
    hb_font_t *font = hb_font_create(face);
    if (font == hb_font_get_empty() || hb_face_get_glyph_count(face) == 0 ||
        !read_face_info(face, &e.fi)) {
        rc = err_set(err, EX_SOFTWARE, font_path(f), 0, 0, "subsetting the font failed");
        goto done;
    }
    hb_font_set_scale(font, (int)e.fi.upem, (int)e.fi.upem);
    e.gids[0] = 0;
    for (size_t i = 0; i < n; i++) {
        /* font_subset() keeps the BMP only, and the layout measured the
         * characters beyond it as spaces: spaces they show as. */
        hb_codepoint_t g = 0;
        if (!hb_font_get_nominal_glyph(font, cps[i] > 0xFFFF ? ' ' : cps[i], &g) || g > 0xFFFF)
            g = 0;
        e.gids[i + 1] = (uint16_t)g;
    }
    /* In 1/1000 em truncated, as font_advance() gives every other width. */
    e.notdef_width = (int)((unsigned)hb_font_get_glyph_h_advance(font, 0) * 1000u / e.fi.upem);
    subset_tag(&e.fi, cps, n, e.base_font);
    memcpy(e.base_font + 7, e.fi.ps_name, strlen(e.fi.ps_name) + 1);

    pf->dict = build(&e);
    if (!pf->dict) {
        HPDF_STATUS st = HPDF_GetError(pdf);
        if (e.oom || st == HPDF_FAILD_TO_ALLOC_MEM)
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        else
            rc = err_set(err, EX_SOFTWARE, font_path(f), 0, 0,
                         "libharu cannot embed this font (error 0x%04X)", (unsigned)st);
    }

done:
    hb_font_destroy(font);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    free(subset);
    free(e.gids);
    if (rc) {
        pdffont_free(pf);
        return rc;
    }
    *out = pf;
    return 0;
}

HPDF_Dict pdffont_dict(const pdffont *pf)
{
    return pf->dict;
}

static int cmp_cp(const void *key, const void *elem)
{
    uint32_t a = *(const uint32_t *)key, b = *(const uint32_t *)elem;
    return a < b ? -1 : a > b;
}

unsigned pdffont_code(const pdffont *pf, uint32_t cp)
{
    if (cp < LATIN_END)
        return pf->latin[cp];
    const uint32_t *hit = bsearch(&cp, pf->cps, pf->n, sizeof *pf->cps, cmp_cp);
    return hit ? (unsigned)(hit - pf->cps) + 1 : 0;
}

void pdffont_free(pdffont *pf)
{
    if (!pf)
        return;
    free(pf->cps);
    free(pf);
}
