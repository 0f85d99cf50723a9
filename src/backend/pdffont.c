/*
 * pdffont.c — see pdffont.h.
 *
 * The objects are made with libharu's object API (hpdf_objects.h), reached
 * through the document record (HPDF_Doc_Rec's mmgr and xref, hpdf_doc.h):
 * libharu still numbers, compresses and writes them. The glyph renumbering
 * hb-subset does comes from the subset plan, and for CFF FreeType reads
 * each new glyph's CID (the code a CIDFontType0 is drawn with) from the
 * bare subset, so that no CFF is parsed here. Widths are the original
 * face's advances rounded, the numbers the shaper used.
 */
#include "pdffont.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_CID_H
#include <hb-ot.h>
#include <hb-subset.h>
#include <hb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "bytes.h"
#include "utf8.h"

/* Two-byte codes. */
#define MAX_GLYPHS 0xFFFFu
/* Entries per bfchar block: the CMap format's limit. */
#define CMAP_BLOCK 100
/* Widths per /W sub-array: well inside libharu's array limit. */
#define W_CHUNK 8192
/* Room for the PostScript name: 63 characters, as the name table allows. */
#define PS_NAME_SIZE 64
/* UTF-16 units one glyph's ToUnicode text may take: a ligature or a
 * conjunct is a few characters; a CMap allows 256 units. */
#define MAX_TEXT_UNITS 32

struct pdffont {
    HPDF_Dict dict;
    /* original glyph gids[i] (ascending) is shown by code codes[i], /W
     * width widths[i] */
    uint32_t *gids;
    uint16_t *codes;
    int *widths;
    size_t ngids;
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
 * from the font and the glyphs keeps the output deterministic, and two
 * documents carrying the same subset carry the same name. */
static void subset_tag(const char *ps_name, const uint32_t *gids, size_t n, char tag[8])
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (const char *p = ps_name; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3u;
    for (size_t i = 0; i < n; i++)
        for (int s = 0; s < 32; s += 8)
            h = (h ^ ((gids[i] >> s) & 0xFF)) * 0x100000001b3u;
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

/* One ToUnicode entry: code shows the UTF-16 text u16[0..len), which lies
 * in the caller's pool. */
typedef struct cmap_entry {
    unsigned code;
    const uint16_t *u16;
    unsigned len;
} cmap_entry;

/* Appends cp to u16 as one or two UTF-16 units; returns how many. */
static unsigned utf16_units(uint32_t cp, uint16_t *u16)
{
    if (cp >= 0x10000) {
        cp -= 0x10000;
        u16[0] = (uint16_t)(0xD800 + (cp >> 10));
        u16[1] = (uint16_t)(0xDC00 + (cp & 0x3FF));
        return 2;
    }
    u16[0] = (uint16_t)cp;
    return 1;
}

/* The text as UTF-16BE hex, "<00E9>" or "<D83DDE00>". */
static void utf16_hex(const cmap_entry *m, char *out, size_t cap)
{
    size_t k = (size_t)snprintf(out, cap, "<");
    for (unsigned i = 0; i < m->len && k + 6 < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%04X", (unsigned)m->u16[i]);
    snprintf(out + k, cap - k, ">");
}

/* Writes the entries as bfchar blocks of at most CMAP_BLOCK entries. */
static void put_entries(mp_buf *s, const cmap_entry *m, size_t n)
{
    char line[40 + 4 * MAX_TEXT_UNITS], dst[8 + 4 * MAX_TEXT_UNITS];
    for (size_t r = 0; r < n && !s->oom; r++) {
        size_t in_block = r % CMAP_BLOCK, left = n - r;
        if (in_block == 0) {
            snprintf(line, sizeof line, "%zu beginbfchar\n", left < CMAP_BLOCK ? left : CMAP_BLOCK);
            buf_puts(s, line);
        }
        utf16_hex(&m[r], dst, sizeof dst);
        snprintf(line, sizeof line, "<%04X> %s\n", m[r].code, dst);
        buf_puts(s, line);
        if (in_block + 1 == CMAP_BLOCK || left == 1)
            buf_puts(s, "endbfchar\n");
    }
}

/* The ToUnicode CMap for two-byte codes, into s (s->oom when out of memory). */
static void put_tounicode(mp_buf *s, const cmap_entry *m, size_t n)
{
    buf_puts(s, "/CIDInit /ProcSet findresource begin\n"
                "12 dict begin\n"
                "begincmap\n"
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) "
                "/Supplement 0 >> def\n"
                "/CMapName /Adobe-Identity-UCS def\n"
                "/CMapType 2 def\n"
                "1 begincodespacerange\n"
                "<0000> <FFFF>\n"
                "endcodespacerange\n");
    put_entries(s, m, n);
    buf_puts(s, "endcmap\n"
                "CMapName currentdict /CMapName get exch defineresource pop\n"
                "end\n"
                "end\n");
}

/* Everything one font's objects are made from. */
typedef struct embed {
    HPDF_Doc pdf;
    const mp_font *font;
    bool cff;                  /* CIDFontType0 over a bare CFF; else CIDFontType2 */
    int flags;                 /* the descriptor's Symbolic or Nonsymbolic bit */
    size_t n;                  /* codes drawn */
    const uint16_t *codes;     /* ascending */
    const int *widths;         /* of codes[i], in 1/1000 em */
    const unsigned char *cmap; /* the ToUnicode CMap, deflated */
    size_t cmap_len;
    const unsigned char *file; /* FontFile2 (sfnt) or FontFile3 (bare CFF), deflated */
    size_t file_len;           /* deflated */
    size_t raw_len;            /* before deflating: FontFile2's /Length1 */
    face_info fi;
    int default_width;
    char registry[PS_NAME_SIZE], ordering[PS_NAME_SIZE];
    int supplement;
    char base_font[7 + PS_NAME_SIZE]; /* "ABCDEF+" and the name */
} embed;

static HPDF_STATUS add_descriptor(const embed *e, HPDF_Dict desc, HPDF_Dict file)
{
    const face_info *fi = &e->fi;
    int flags = e->flags | (fi->fixed_pitch ? 1 : 0) | (fi->italic ? 64 : 0);
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
    if (e->cff) {
        ret |= HPDF_Dict_Add(desc, "FontFile3", file);
        ret |= HPDF_Dict_AddName(file, "Subtype", "CIDFontType0C");
    } else {
        ret |= HPDF_Dict_Add(desc, "FontFile2", file);
        ret |= HPDF_Dict_AddNumber(file, "Length1", (HPDF_INT32)e->raw_len);
    }
    ret |= HPDF_Stream_Write(file->stream, e->file, (HPDF_UINT)e->file_len);
    return ret;
}

/* The /W array: "c [w ...]" for each run of consecutive codes, cut into
 * sub-arrays of at most W_CHUNK widths. */
static HPDF_STATUS add_widths(const embed *e, HPDF_Dict cid)
{
    HPDF_Array w = add_array(cid, "W");
    if (!w)
        return HPDF_GetError(e->pdf);
    HPDF_STATUS ret = HPDF_OK;
    for (size_t i = 0; i < e->n && ret == HPDF_OK;) {
        ret |= HPDF_Array_AddNumber(w, e->codes[i]);
        HPDF_Array chunk = HPDF_Array_New(e->pdf->mmgr);
        if (!chunk || HPDF_Array_Add(w, chunk) != HPDF_OK)
            return HPDF_GetError(e->pdf);
        size_t k = i;
        do {
            ret |= HPDF_Array_AddNumber(chunk, e->widths[k++]);
        } while (k < e->n && k < i + W_CHUNK && e->codes[k] == e->codes[k - 1] + 1);
        i = k;
    }
    return ret;
}

static HPDF_STATUS add_cid_font(const embed *e, HPDF_Dict cid, HPDF_Dict desc)
{
    HPDF_MMgr mmgr = e->pdf->mmgr;
    HPDF_STATUS ret = HPDF_Dict_AddName(cid, "Type", "Font");
    ret |= HPDF_Dict_AddName(cid, "Subtype", e->cff ? "CIDFontType0" : "CIDFontType2");
    ret |= HPDF_Dict_AddName(cid, "BaseFont", e->base_font);
    HPDF_Dict info = HPDF_Dict_New(mmgr);
    if (!info || HPDF_Dict_Add(cid, "CIDSystemInfo", info) != HPDF_OK)
        return HPDF_GetError(e->pdf);
    ret |= HPDF_Dict_Add(info, "Registry", HPDF_String_New(mmgr, e->registry, NULL));
    ret |= HPDF_Dict_Add(info, "Ordering", HPDF_String_New(mmgr, e->ordering, NULL));
    ret |= HPDF_Dict_AddNumber(info, "Supplement", e->supplement);
    ret |= HPDF_Dict_Add(cid, "FontDescriptor", desc);
    ret |= HPDF_Dict_AddNumber(cid, "DW", e->default_width);
    if (ret == HPDF_OK)
        ret = add_widths(e, cid);
    /* A TrueType code is the subset's glyph number; a CFF maps CIDs itself. */
    if (ret == HPDF_OK && !e->cff)
        ret = HPDF_Dict_AddName(cid, "CIDToGIDMap", "Identity");
    return ret;
}

/* libharu's writer deletes a /Filter entry it did not apply itself, so the
 * entry of a stream deflated beforehand is written from the dictionary's
 * write_fn, which runs after the entries and before ">>", and the stream
 * goes out unfiltered, as it is. */
static HPDF_STATUS write_flate_filter(HPDF_Dict d, HPDF_Stream out)
{
    (void)d;
    return HPDF_Stream_WriteStr(out, "/Filter /FlateDecode\012");
}

void pdffont_mark_deflated(HPDF_Dict stream)
{
    stream->filter = HPDF_STREAM_FILTER_NONE;
    stream->write_fn = write_flate_filter;
}

/* Makes the font's objects; returns the Type0 font or NULL. */
static HPDF_Dict build(const embed *e)
{
    HPDF_Doc pdf = e->pdf;
    HPDF_Dict type0 = new_dict(pdf), cid = new_dict(pdf), desc = new_dict(pdf);
    HPDF_Dict file = new_stream(pdf), cmap = new_stream(pdf);
    if (!type0 || !cid || !desc || !file || !cmap)
        return NULL;
    /* Deflated once per glyph set and kept (program_make()). */
    pdffont_mark_deflated(file);
    HPDF_STATUS ret = HPDF_Dict_AddName(type0, "Type", "Font");
    ret |= HPDF_Dict_AddName(type0, "Subtype", "Type0");
    ret |= HPDF_Dict_AddName(type0, "BaseFont", e->base_font);
    ret |= HPDF_Dict_AddName(type0, "Encoding", "Identity-H");
    HPDF_Array descendants = add_array(type0, "DescendantFonts");
    if (!descendants)
        return NULL;
    ret |= HPDF_Array_Add(descendants, cid);
    ret |= HPDF_Dict_Add(type0, "ToUnicode", cmap);
    /* Deflated once for the glyph set's texts and kept, as the program. */
    pdffont_mark_deflated(cmap);
    if (ret == HPDF_OK)
        ret = HPDF_Stream_Write(cmap->stream, e->cmap, (HPDF_UINT)e->cmap_len);
    if (ret == HPDF_OK)
        ret = add_cid_font(e, cid, desc);
    if (ret == HPDF_OK)
        ret = add_descriptor(e, desc, file);
    return ret == HPDF_OK ? type0 : NULL;
}

/* The error for a failed build(). */
static int build_error(const embed *e, mp_err *err)
{
    HPDF_STATUS st = HPDF_GetError(e->pdf);
    if (st == HPDF_FAILD_TO_ALLOC_MEM)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    return err_set(err, EX_SOFTWARE, font_path(e->font), 0, 0,
                   "libharu cannot embed this font (error 0x%04X)", (unsigned)st);
}

/* Tables an embedded font is never read for: the text was shaped before the
 * PDF was written, viewers draw outlines unhinted, and colour, bitmap and
 * variation data have no place in a PDF font program. Dropping the layout
 * tables also keeps hb-subset from closing the set over GSUB alternates. */
static const char *const unused_tables[] = {
    "GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "kern", "morx", "mort", "kerx",
    "feat", "trak", "hdmx", "LTSH", "VDMX", "vhea", "vmtx", "VORG", "DSIG", "FFTM",
    "gasp", "meta", "STAT", "COLR", "CPAL", "SVG ", "sbix", "CBDT", "CBLC", "EBDT",
    "EBLC", "EBSC", "PCLT", "fvar", "avar", "gvar", "HVAR", "VVAR", "MVAR", "cvar"};
/* Of a CFF face only the bare 'CFF ' table goes into the PDF. */
static const char *const unused_cff_tables[] = {"cmap", "name", "post", "OS/2"};
static const char *const unused_tt_tables[] = {"cmap", "name", "post"};

/* Cuts f down to glyphs gids[0..n) and .notdef; newgid[i] is gids[i]'s
 * number in the subset. Returns the subset face or NULL (*rc set). */
static hb_face_t *subset_glyphs(const mp_font *f, const uint32_t *gids, size_t n, uint32_t *newgid,
                                int *rc, mp_err *err)
{
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    if (!in) {
        *rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        return NULL;
    }
    hb_set_t *glyphs = hb_subset_input_glyph_set(in);
    hb_set_add(glyphs, 0);
    for (size_t i = 0; i < n; i++)
        hb_set_add(glyphs, gids[i]);
    hb_set_t *drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    for (size_t i = 0; i < sizeof unused_tables / sizeof *unused_tables; i++)
        hb_set_add(drop, hb_tag_from_string(unused_tables[i], 4));
    if (font_is_cff(f))
        for (size_t i = 0; i < sizeof unused_cff_tables / sizeof *unused_cff_tables; i++)
            hb_set_add(drop, hb_tag_from_string(unused_cff_tables[i], 4));
    else
        for (size_t i = 0; i < sizeof unused_tt_tables / sizeof *unused_tt_tables; i++)
            hb_set_add(drop, hb_tag_from_string(unused_tt_tables[i], 4));
    /* .notdef keeps its outline: a character no font could draw shows as a
     * box on the page, never as nothing, so a reader sees that it is there. */
    hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NO_HINTING | HB_SUBSET_FLAGS_NOTDEF_OUTLINE);
    if (!hb_set_allocation_successful(glyphs) || !hb_set_allocation_successful(drop)) {
        hb_subset_input_destroy(in);
        *rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        return NULL;
    }

    hb_subset_plan_t *plan = hb_subset_plan_create_or_fail(font_subset_face(f), in);
    hb_subset_input_destroy(in);
    hb_face_t *sub = NULL;
    if (plan) {
        const hb_map_t *map = hb_subset_plan_old_to_new_glyph_mapping(plan);
        bool mapped = true;
        for (size_t i = 0; i < n && mapped; i++) {
            newgid[i] = hb_map_get(map, gids[i]);
            mapped = newgid[i] != HB_MAP_VALUE_INVALID && newgid[i] <= 0xFFFF;
        }
        if (mapped)
            sub = hb_subset_plan_execute_or_fail(plan);
        hb_subset_plan_destroy(plan);
    }
    if (!sub)
        *rc = err_set(err, EX_SOFTWARE, font_path(f), 0, 0, "subsetting the font failed");
    return sub;
}

/* What a glyph set of a face becomes, whatever document draws it: the
 * subset program, deflated, and the code each glyph is drawn with. */
typedef struct program {
    struct program *prev, *next; /* the cache's list, most recently used first */
    const mp_font *font;
    uint64_t hash;
    uint32_t *gids; /* the key: ascending */
    size_t n;
    uint16_t *codes;     /* of gids[i] */
    unsigned char *file; /* deflated */
    size_t len, raw_len; /* deflated, and before */
    char registry[PS_NAME_SIZE], ordering[PS_NAME_SIZE];
    int supplement;
    size_t bytes; /* what the entry holds, for the cache's bound */
    /* The last ToUnicode CMap made for this glyph set, as text and
     * deflated: a batch gives the same glyphs the same texts again and
     * again (the notice's sixteen languages, a form's wording), and
     * deflating the CMap of every font of every PDF cost as much as the
     * rest of the PDF. Kept only when the text is the same, byte for byte. */
    char *cmap_text; /* not the text: each entry's code, length and units (cmap_key) */
    size_t cmap_text_len;
    unsigned char *cmap_z;
    size_t cmap_z_len;
} program;

/* A CFF font program shows a glyph by its CID: in a CID-keyed CFF the
 * charset gives it, in a name-keyed one the CID is the glyph number.
 * FreeType reads the charset of the bare subset; the registry and ordering
 * go into /CIDSystemInfo. Returns 0 or an error code (*err set). */
static int cff_codes(const mp_font *f, const unsigned char *cff, size_t len, const uint32_t *newgid,
                     size_t n, program *p, mp_err *err)
{
    FT_Library lib;
    if (FT_Init_FreeType(&lib) != 0)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    FT_Face face;
    int rc = 0;
    if (FT_New_Memory_Face(lib, cff, (FT_Long)len, 0, &face) != 0) {
        FT_Done_FreeType(lib);
        return err_set(err, EX_SOFTWARE, font_path(f), 0, 0,
                       "the subset's CFF table cannot be read back");
    }
    FT_Bool cid_keyed = 0;
    if (FT_Get_CID_Is_Internally_CID_Keyed(face, &cid_keyed) != 0)
        cid_keyed = 0;
    const char *reg = NULL, *ord = NULL;
    FT_Int sup = 0;
    if (cid_keyed && FT_Get_CID_Registry_Ordering_Supplement(face, &reg, &ord, &sup) == 0 && reg &&
        ord && strlen(reg) < sizeof p->registry && strlen(ord) < sizeof p->ordering) {
        memcpy(p->registry, reg, strlen(reg) + 1);
        memcpy(p->ordering, ord, strlen(ord) + 1);
        p->supplement = sup;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        FT_UInt cid = newgid[i];
        if (cid_keyed && (FT_Get_CID_From_Glyph_Index(face, newgid[i], &cid) != 0 || cid > 0xFFFF))
            rc = err_set(err, EX_SOFTWARE, font_path(f), 0, 0, "the subset has no CID for glyph %u",
                         (unsigned)newgid[i]);
        p->codes[i] = (uint16_t)cid;
    }
    FT_Done_Face(face);
    FT_Done_FreeType(lib);
    return rc;
}

/* An advance in font units as /W writes it: 1/1000 em, rounded to the
 * nearest (halves away from zero), in integers so that every machine agrees. */
static int width_milli(hb_position_t adv, int upem)
{
    long long a = (long long)adv * 2000, d = 2LL * upem;
    return (int)(a >= 0 ? (a + upem) / d : -((-a + upem) / d));
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* ToUnicode entries for the glyphs that stand for text; the UTF-16 goes
 * into *pool. Entries come out in code order. */
static cmap_entry *glyph_entries(const uint16_t *codes, const char *const *text,
                                 const size_t *order, size_t n, uint16_t **pool, size_t *nentries)
{
    cmap_entry *m = malloc((n ? n : 1) * sizeof *m);
    uint16_t *u16 = malloc((n ? n : 1) * MAX_TEXT_UNITS * sizeof *u16);
    if (!m || !u16) {
        free(m);
        free(u16);
        return NULL;
    }
    size_t k = 0, used = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = order[j];
        const char *t = text ? text[i] : NULL;
        if (!t || !*t)
            continue;
        size_t len = strlen(t);
        unsigned units = 0;
        for (size_t at = 0; at < len;) {
            uint32_t cp;
            size_t step = utf8_decode(t + at, len - at, &cp); /* U+FFFD when invalid */
            at += step ? step : 1;
            uint16_t two[2];
            unsigned u = utf16_units(cp, two);
            if (units + u > MAX_TEXT_UNITS)
                break;
            memcpy(u16 + used + units, two, u * sizeof *two);
            units += u;
        }
        m[k++] = (cmap_entry){codes[i], u16 + used, units};
        used += units;
    }
    *pool = u16;
    *nentries = k;
    return m;
}

/* ---- font programs, and the cache that keeps them across documents ---- */

static void program_free(program *p)
{
    if (!p)
        return;
    free(p->gids);
    free(p->codes);
    free(p->file);
    free(p->cmap_text);
    free(p->cmap_z);
    free(p);
}

static uint64_t program_hash(const mp_font *f, const uint32_t *gids, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u ^ (uint64_t)(uintptr_t)f;
    for (size_t i = 0; i < n; i++)
        h = (h ^ gids[i]) * 0x100000001b3u;
    return h ^ n;
}

/* Subsets f to gids[0..n), reads each glyph's code, deflates the program.
 * Returns 0 or an error code (*err set); *out is the caller's. */
static int program_make(const mp_font *f, const uint32_t *gids, size_t n, program **out,
                        mp_err *err)
{
    *out = NULL;
    size_t m = n ? n : 1;
    program *p = calloc(1, sizeof *p);
    uint32_t *newgid = malloc(m * sizeof *newgid);
    hb_face_t *sub = NULL;
    hb_blob_t *file = NULL;
    int rc = 0;
    if (p) {
        p->gids = malloc(m * sizeof *p->gids);
        p->codes = calloc(m, sizeof *p->codes);
    }
    if (!p || !newgid || !p->gids || !p->codes) {
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        goto done;
    }
    p->font = f;
    memcpy(p->gids, gids, n * sizeof *gids);
    p->n = n;
    p->hash = program_hash(f, gids, n);
    memcpy(p->registry, "Adobe", 6);
    memcpy(p->ordering, "Identity", 9);

    sub = subset_glyphs(f, gids, n, newgid, &rc, err);
    if (!sub)
        goto done;
    /* Of TrueType the whole sfnt is the FontFile2; of CFF the bare table. */
    bool cff = font_is_cff(f);
    file = cff ? hb_face_reference_table(sub, HB_TAG('C', 'F', 'F', ' '))
               : hb_face_reference_blob(sub);
    unsigned len = 0;
    const unsigned char *data = (const unsigned char *)hb_blob_get_data(file, &len);
    if (!data || len == 0) {
        rc = err_set(err, EX_SOFTWARE, font_path(f), 0, 0, "subsetting the font failed");
        goto done;
    }
    if (cff) {
        if ((rc = cff_codes(f, data, len, newgid, n, p, err)) != 0)
            goto done;
    } else {
        /* Code = the subset's glyph number: CIDToGIDMap /Identity. */
        for (size_t i = 0; i < n; i++)
            p->codes[i] = (uint16_t)newgid[i];
    }
    /* Deflated here, once for the glyph set, rather than by libharu in
     * every document; zlib's default level, as libharu uses. */
    uLongf zlen = compressBound(len);
    if (!(p->file = malloc(zlen)) ||
        compress2(p->file, &zlen, data, len, Z_DEFAULT_COMPRESSION) != Z_OK) {
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        goto done;
    }
    p->len = zlen;
    p->raw_len = len;
    p->bytes =
        sizeof *p + m * (sizeof *p->gids + sizeof *p->codes) + zlen; /* what a cached copy holds */

done:
    hb_blob_destroy(file);
    hb_face_destroy(sub);
    free(newgid);
    if (rc)
        program_free(p);
    else
        *out = p;
    return rc;
}

struct pdffont_cache {
    pthread_mutex_t lock; /* guards all below */
    program *head, *tail;
    size_t bytes, max_bytes;
    uint64_t blob_key; /* pdffont_cache_get_blob() */
    unsigned char *blob;
    size_t blob_len;
};

pdffont_cache *pdffont_cache_new(size_t max_bytes)
{
    pdffont_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return NULL;
    }
    c->max_bytes = max_bytes;
    return c;
}

unsigned char *pdffont_cache_get_blob(pdffont_cache *c, uint64_t key, size_t *len)
{
    unsigned char *copy = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->blob && c->blob_key == key && (copy = malloc(c->blob_len ? c->blob_len : 1))) {
        memcpy(copy, c->blob, c->blob_len);
        *len = c->blob_len;
    }
    pthread_mutex_unlock(&c->lock);
    return copy;
}

void pdffont_cache_put_blob(pdffont_cache *c, uint64_t key, const unsigned char *data, size_t len)
{
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy)
        return;
    memcpy(copy, data, len);
    pthread_mutex_lock(&c->lock);
    free(c->blob);
    c->blob = copy;
    c->blob_len = len;
    c->blob_key = key;
    pthread_mutex_unlock(&c->lock);
}

void pdffont_cache_free(pdffont_cache *c)
{
    if (!c)
        return;
    free(c->blob);
    for (program *p = c->head, *next; p; p = next) {
        next = p->next;
        program_free(p);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static void unlink_program(pdffont_cache *c, program *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        c->head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        c->tail = p->prev;
    p->prev = p->next = NULL;
}

static void push_front(pdffont_cache *c, program *p)
{
    p->prev = NULL;
    p->next = c->head;
    if (c->head)
        c->head->prev = p;
    c->head = p;
    if (!c->tail)
        c->tail = p;
}

static program *find_program(pdffont_cache *c, const mp_font *f, const uint32_t *gids, size_t n,
                             uint64_t h)
{
    for (program *p = c->head; p; p = p->next)
        if (p->hash == h && p->font == f && p->n == n &&
            memcmp(p->gids, gids, n * sizeof *gids) == 0)
            return p;
    return NULL;
}

static void *dup_bytes(const void *b, size_t n)
{
    void *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, b, n);
    return d;
}

/* A copy of the cached program for (f, gids), or NULL. */
static program *cache_get(pdffont_cache *c, const mp_font *f, const uint32_t *gids, size_t n)
{
    uint64_t h = program_hash(f, gids, n);
    pthread_mutex_lock(&c->lock);
    program *p = find_program(c, f, gids, n, h), *copy = NULL;
    if (p) {
        unlink_program(c, p);
        push_front(c, p);
        copy = malloc(sizeof *copy);
        if (copy) {
            *copy = *p;
            copy->prev = copy->next = NULL;
            copy->gids = NULL; /* the caller has them */
            copy->codes = malloc((n ? n : 1) * sizeof *copy->codes);
            copy->file = malloc(p->len ? p->len : 1);
            copy->cmap_text = p->cmap_text ? dup_bytes(p->cmap_text, p->cmap_text_len) : NULL;
            copy->cmap_z = p->cmap_z ? dup_bytes(p->cmap_z, p->cmap_z_len) : NULL;
            if (!copy->cmap_text || !copy->cmap_z) {
                free(copy->cmap_text);
                free(copy->cmap_z);
                copy->cmap_text = NULL;
                copy->cmap_z = NULL;
            }
            if (copy->codes && copy->file) {
                memcpy(copy->codes, p->codes, n * sizeof *p->codes);
                memcpy(copy->file, p->file, p->len);
            } else {
                program_free(copy);
                copy = NULL;
            }
        }
    }
    pthread_mutex_unlock(&c->lock);
    return copy;
}

/* Keeps a copy of p, dropping the least recently used programs beyond the
 * cache's bound. Out of memory, nothing is kept: the cache only saves
 * time. */
static void cache_put(pdffont_cache *c, const program *p)
{
    if (p->bytes > c->max_bytes)
        return;
    program *k = malloc(sizeof *k);
    if (!k)
        return;
    *k = *p;
    k->cmap_text = NULL;
    k->cmap_z = NULL;
    k->gids = malloc((p->n ? p->n : 1) * sizeof *k->gids);
    k->codes = malloc((p->n ? p->n : 1) * sizeof *k->codes);
    k->file = malloc(p->len ? p->len : 1);
    if (!k->gids || !k->codes || !k->file) {
        program_free(k);
        return;
    }
    if (p->n) {
        memcpy(k->gids, p->gids, p->n * sizeof *p->gids);
        memcpy(k->codes, p->codes, p->n * sizeof *p->codes);
    }
    if (p->len)
        memcpy(k->file, p->file, p->len);
    pthread_mutex_lock(&c->lock);
    if (find_program(c, p->font, p->gids, p->n, p->hash)) {
        /* Another thread made the same program meanwhile. */
        pthread_mutex_unlock(&c->lock);
        program_free(k);
        return;
    }
    push_front(c, k);
    c->bytes += k->bytes;
    while (c->bytes > c->max_bytes && c->tail != k) {
        program *old = c->tail; /* k is at the front: old is not k */
        c->tail = old->prev;
        c->tail->next = NULL;
        c->bytes -= old->bytes;
        program_free(old);
    }
    pthread_mutex_unlock(&c->lock);
}

/* Keeps p's CMap (text and deflated) in the cached program of p's glyph
 * set, replacing the one it had. Out of memory, nothing is kept. */
static void cache_put_cmap(pdffont_cache *c, const program *p, const uint32_t *gids)
{
    char *text = dup_bytes(p->cmap_text, p->cmap_text_len);
    unsigned char *z = dup_bytes(p->cmap_z, p->cmap_z_len);
    pthread_mutex_lock(&c->lock);
    program *k = text && z ? find_program(c, p->font, gids, p->n, p->hash) : NULL;
    if (k) {
        c->bytes -= k->cmap_text_len + k->cmap_z_len;
        free(k->cmap_text);
        free(k->cmap_z);
        k->cmap_text = text;
        k->cmap_text_len = p->cmap_text_len;
        k->cmap_z = z;
        k->cmap_z_len = p->cmap_z_len;
        c->bytes += k->cmap_text_len + k->cmap_z_len;
        text = NULL;
        z = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    free(text);
    free(z);
}

/* The deflated ToUnicode CMap of entries m[0..n) into p, the program of
 * glyph set gids: the one p holds when its text is the same, else made and
 * kept (in p, and in the cache when there is one). Returns 0 or EX_OSERR. */
static int tounicode(pdffont_cache *cache, program *p, const uint32_t *gids, const cmap_entry *m,
                     size_t n)
{
    /* What the CMap says, compared before it is written out: each entry's
     * code, length and UTF-16 units. */
    mp_buf key;
    buf_init(&key, NULL);
    for (size_t i = 0; i < n; i++) {
        uint32_t head[2] = {m[i].code, m[i].len};
        buf_put(&key, head, sizeof head);
        buf_put(&key, m[i].u16, m[i].len * sizeof *m[i].u16);
    }
    if (key.oom) {
        buf_free(&key);
        return EX_OSERR;
    }
    if (p->cmap_z && p->cmap_text_len == key.len && memcmp(p->cmap_text, key.data, key.len) == 0) {
        buf_free(&key);
        return 0;
    }
    mp_buf text;
    buf_init(&text, NULL);
    put_tounicode(&text, m, n);
    if (text.oom) {
        buf_free(&text);
        buf_free(&key);
        return EX_OSERR;
    }
    uLongf zlen = compressBound((uLong)text.len);
    unsigned char *z = malloc(zlen);
    int zrc =
        z ? compress2(z, &zlen, (const Bytef *)text.data, (uLong)text.len, Z_DEFAULT_COMPRESSION)
          : Z_MEM_ERROR;
    buf_free(&text);
    if (zrc != Z_OK) {
        free(z);
        buf_free(&key);
        return EX_OSERR;
    }
    free(p->cmap_text);
    free(p->cmap_z);
    p->cmap_text = key.data; /* the buffer's heap bytes, now p's */
    p->cmap_text_len = key.len;
    p->cmap_z = z;
    p->cmap_z_len = zlen;
    if (cache)
        cache_put_cmap(cache, p, gids);
    return 0;
}

int pdffont_embed_glyphs(HPDF_Doc pdf, pdffont_cache *cache, const mp_font *f, const uint32_t *gids,
                         const char *const *text, size_t n, pdffont **out, mp_err *err)
{
    *out = NULL;
    unsigned nglyphs = hb_face_get_glyph_count(hb_font_get_face(font_hb(f)));
    if (n > MAX_GLYPHS)
        return err_set(err, EX_SOFTWARE, font_path(f), 0, 0,
                       "more than %u different glyphs in one font", MAX_GLYPHS);
    for (size_t i = 0; i < n; i++)
        if (gids[i] >= nglyphs || (i > 0 && gids[i] <= gids[i - 1]))
            return err_set(err, EX_SOFTWARE, font_path(f), 0, 0,
                           "glyph %u: glyph ids must be ascending, distinct and in the font",
                           (unsigned)gids[i]);

    size_t m = n ? n : 1;
    pdffont *pf = calloc(1, sizeof *pf);
    size_t *order = malloc(m * sizeof *order);
    uint16_t *sorted_codes = malloc(m * sizeof *sorted_codes);
    int *sorted_widths = malloc(m * sizeof *sorted_widths);
    uint16_t *pool = NULL;
    cmap_entry *cmap = NULL;
    program *prog = NULL;
    int rc = 0;
    embed e = {.pdf = pdf, .font = f, .cff = font_is_cff(f), .n = n};
    if (pf) {
        pf->gids = malloc(m * sizeof *pf->gids);
        pf->codes = malloc(m * sizeof *pf->codes);
        pf->widths = malloc(m * sizeof *pf->widths);
    }
    if (!pf || !order || !sorted_codes || !sorted_widths || !pf->gids || !pf->codes ||
        !pf->widths) {
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        goto done;
    }
    memcpy(pf->gids, gids, n * sizeof *gids);
    pf->ngids = n;

    /* A batch draws the same glyph sets again and again (a form's text and
     * the names that add no new letter): their programs are made once. */
    if (cache)
        prog = cache_get(cache, f, gids, n);
    if (!prog) {
        if ((rc = program_make(f, gids, n, &prog, err)) != 0)
            goto done;
        if (cache)
            cache_put(cache, prog);
    }
    if (!read_face_info(hb_font_get_face(font_hb(f)), &e.fi)) {
        rc = err_set(err, EX_SOFTWARE, font_path(f), 0, 0, "subsetting the font failed");
        goto done;
    }
    e.file = prog->file;
    e.file_len = prog->len;
    e.raw_len = prog->raw_len;
    memcpy(e.registry, prog->registry, sizeof e.registry);
    memcpy(e.ordering, prog->ordering, sizeof e.ordering);
    e.supplement = prog->supplement;
    const uint16_t *codes = prog->codes;

    /* Widths from the original face, the advances the shaper used. */
    hb_font_t *hbf = font_hb(f);
    for (size_t i = 0; i < n; i++) {
        pf->codes[i] = codes[i];
        pf->widths[i] = width_milli(hb_font_get_glyph_h_advance(hbf, gids[i]), font_upem(f));
    }
    e.default_width = width_milli(hb_font_get_glyph_h_advance(hbf, 0), font_upem(f));

    /* /W and the CMap list codes in ascending order; a CFF's CIDs need not
     * follow the glyph order. Codes are distinct, so the sort is stable in
     * effect and the output deterministic. */
    for (size_t i = 0; i < n; i++)
        order[i] = (size_t)codes[i] << 16 | i;
    qsort(order, n, sizeof *order, cmp_size);
    for (size_t j = 0; j < n; j++) {
        order[j] &= 0xFFFF;
        sorted_codes[j] = codes[order[j]];
        sorted_widths[j] = pf->widths[order[j]];
    }
    size_t ncmap;
    cmap = glyph_entries(codes, text, order, n, &pool, &ncmap);
    if (!cmap || tounicode(cache, prog, gids, cmap, ncmap) != 0) {
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        goto done;
    }
    e.codes = sorted_codes;
    e.widths = sorted_widths;
    e.cmap = prog->cmap_z;
    e.cmap_len = prog->cmap_z_len;
    /* Symbolic: a shaped glyph set (conjuncts, ligatures, ideographs) is no
     * subset of the standard Latin character set. */
    e.flags = 4;
    subset_tag(e.fi.ps_name, gids, n, e.base_font);
    memcpy(e.base_font + 7, e.fi.ps_name, strlen(e.fi.ps_name) + 1);

    pf->dict = build(&e);
    if (!pf->dict)
        rc = build_error(&e, err);

done:
    program_free(prog);
    free(order);
    free(sorted_codes);
    free(sorted_widths);
    free(cmap);
    free(pool);
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

static int cmp_gid(const void *key, const void *elem)
{
    uint32_t a = *(const uint32_t *)key, b = *(const uint32_t *)elem;
    return a < b ? -1 : a > b;
}

/* Index of original glyph gid among those embedded, or -1. */
static long glyph_index(const pdffont *pf, uint32_t gid)
{
    if (!pf->gids)
        return -1;
    const uint32_t *hit = bsearch(&gid, pf->gids, pf->ngids, sizeof *pf->gids, cmp_gid);
    return hit ? (long)(hit - pf->gids) : -1;
}

unsigned pdffont_glyph_code(const pdffont *pf, uint32_t gid)
{
    long i = glyph_index(pf, gid);
    return i < 0 ? 0 : pf->codes[i];
}

int pdffont_glyph_width(const pdffont *pf, uint32_t gid)
{
    long i = glyph_index(pf, gid);
    return i < 0 ? 0 : pf->widths[i];
}

void pdffont_free(pdffont *pf)
{
    if (!pf)
        return;
    free(pf->gids);
    free(pf->codes);
    free(pf->widths);
    free(pf);
}
