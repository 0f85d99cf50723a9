/* Unit tests for font.c: the faces font_open_face() opens for shaping and
 * embedding (TrueType, CFF, collections, Noto scripts), their glyphs in
 * every plane and their metrics, and the files it must refuse. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "check.h"
#include "font.h"

#define DEJAVU "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define CJK "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
#define ARABIC "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf"
#define KHMER "/usr/share/fonts/truetype/noto/NotoSansKhmer-Regular.ttf"
#define NIMBUS "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf"

/* Writes data to a new temporary file; its name goes into path. */
static void write_temp(char path[64], const void *data, size_t n)
{
    snprintf(path, 64, "/tmp/mp_test_font_XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK(write(fd, data, n) == (ssize_t)n);
    close(fd);
}

static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    unsigned char *buf = malloc((size_t)len);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return buf;
}

/* Offset and length of a table in an sfnt; false when absent. */
static int find_table(const unsigned char *font, const char *tag, uint32_t *off, uint32_t *len)
{
    unsigned n = bytes_be16(font + 4);
    for (unsigned i = 0; i < n; i++) {
        const unsigned char *rec = font + 12 + 16 * i;
        if (memcmp(rec, tag, 4) == 0) {
            *off = bytes_be32(rec + 8);
            *len = bytes_be32(rec + 12);
            return 1;
        }
    }
    return 0;
}

static int open_err(const char *path, unsigned index, mp_err *err)
{
    mp_font *f = NULL;
    err_clear(err);
    int rc = font_open_face(path, index, &f, err);
    CHECK(rc == 0 || f == NULL);
    font_close(f);
    return rc;
}

static void test_metrics(const mp_font *f)
{
    /* DejaVu Sans, unitsPerEm 2048: hhea ascender 1901 and descender -483,
     * in 1/1000 em truncated (928.22 and -235.84). */
    CHECK_INT(font_ascent(f), 928);
    CHECK_INT(font_descent(f), -235);

    static const uint32_t jose[] = {'J', 'o', 's', 0xE9, ' ', 'N', 0xFA,   0xF1,
                                    'e', 'z', 'N', 'g',  'u', 'y', 0x1EC5, 'n'};
    for (size_t i = 0; i < sizeof jose / sizeof *jose; i++)
        CHECK(font_glyph(f, jose[i]) != 0);
    CHECK_INT(font_glyph(f, 0x4E2D), 0);  /* 中 */
    CHECK_INT(font_glyph(f, 0x20B9F), 0); /* 𠮟, beyond the BMP */
    CHECK_INT(font_glyph(f, 0xE000), 0);  /* private use, unmapped */
    CHECK_INT(font_glyph(f, 0x110000), 0);
    /* Beyond the BMP a face answers for what it maps: DejaVu Sans has 😀. */
    CHECK(font_glyph(f, 0x1F600) != 0);
}

static void test_refusals(void)
{
    mp_err err;
    char path[64];

    CHECK_INT(open_err("/nonexistent/DejaVuSans.ttf", 0, &err), EX_NOINPUT);
    CHECK_STR(err.file, "/nonexistent/DejaVuSans.ttf");
    CHECK_STR(err.msg, "cannot open font: No such file or directory");
    CHECK_INT(open_err("/tmp", 0, &err), EX_NOINPUT);

    static const char text[] = "Consent form\nThis is not a font.\n";
    write_temp(path, text, sizeof text - 1);
    CHECK_INT(open_err(path, 0, &err), EX_DATAERR);
    CHECK_STR(err.file, path);
    CHECK_STR(err.msg, "not a font file");
    char buf[700], want[700];
    err_format(&err, buf, sizeof buf);
    snprintf(want, sizeof want, "%s: not a font file", path);
    CHECK_STR(buf, want);
    unlink(path);

    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0,
                                        0,    13,  'I', 'H', 'D',  'R',  0,    0,    0, 1,
                                        0,    0,   0,   1,   8,    2,    0,    0,    0};
    write_temp(path, png, sizeof png);
    CHECK_INT(open_err(path, 0, &err), EX_DATAERR);
    CHECK_STR(err.msg, "not a font file");
    unlink(path);

    write_temp(path, "", 0);
    CHECK_INT(open_err(path, 0, &err), EX_DATAERR);
    CHECK_STR(err.msg, "not a font file");
    unlink(path);

    /* The smallest OpenType/CFF face HarfBuzz accepts: a 'CFF ' table and
     * a version 0.5 'maxp' declaring one glyph. */
    unsigned char cff[60] = {0};
    memcpy(cff, "OTTO", 4);
    bytes_set_be16(cff + 4, 2);
    memcpy(cff + 12, "CFF ", 4);
    cff[12 + 11] = 44; /* offset */
    cff[12 + 15] = 8;  /* length */
    memcpy(cff + 28, "maxp", 4);
    cff[28 + 11] = 52;
    cff[28 + 15] = 6;
    static const unsigned char cff_data[8] = {1, 0, 4, 1, 0, 0, 0, 0};
    memcpy(cff + 44, cff_data, 8);
    static const unsigned char maxp05[6] = {0, 0, 0x50, 0, 0, 1};
    memcpy(cff + 52, maxp05, 6);
    write_temp(path, cff, sizeof cff);
    CHECK_INT(open_err(path, 0, &err), EX_DATAERR);
    CHECK_STR(err.msg, "font has no 'head' table");
    unlink(path);

    /* DejaVu Sans with OS/2 fsType set to Restricted License embedding. */
    size_t n;
    unsigned char *font = read_all(DEJAVU, &n);
    CHECK(font != NULL);
    if (!font)
        return;
    uint32_t off = 0, len = 0;
    CHECK(find_table(font, "OS/2", &off, &len) && len >= 10);
    if (len < 10) {
        free(font);
        return;
    }
    bytes_set_be16(font + off + 8, 0x0002);
    write_temp(path, font, n);
    CHECK_INT(open_err(path, 0, &err), EX_DATAERR);
    CHECK_STR(err.msg, "the font's licence does not allow embedding it (OS/2 fsType 0x0002)");
    unlink(path);
    /* Installable embedding (0) and Editable (0x0008) are fine. */
    bytes_set_be16(font + off + 8, 0x0008);
    write_temp(path, font, n);
    CHECK_INT(open_err(path, 0, &err), 0);
    unlink(path);
    free(font);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* font_open_face(): the faces the shaping engine opens, TrueType and CFF,
 * plain files and collections. */
static void test_faces(void)
{
    mp_err err;
    mp_font *f = NULL;
    err_clear(&err);
    CHECK_INT(font_open_face(DEJAVU, 0, &f, &err), 0);
    if (f) {
        CHECK(!font_is_cff(f));
        CHECK_INT(font_upem(f), 2048);
        CHECK_INT(font_face_index(f), 0);
        CHECK_STR(font_family(f), "DejaVu Sans");
        /* Shaping positions come out in font units: 'A' advances 1401. */
        hb_font_t *hb = font_hb(f);
        int x = 0, y = 0;
        hb_font_get_scale(hb, &x, &y);
        CHECK_INT(x, 2048);
        CHECK(hb_font_is_immutable(hb));
        CHECK_INT(hb_font_get_glyph_h_advance(hb, font_glyph(f, 'A')), 1401);
        /* The same glyphs through the Latin table and past it. */
        hb_codepoint_t g = 0;
        CHECK(hb_font_get_nominal_glyph(hb, 0xE9, &g) && g == font_glyph(f, 0xE9));
        CHECK(hb_font_get_nominal_glyph(hb, 0x1EC5, &g) && g == font_glyph(f, 0x1EC5));
        CHECK_INT(font_glyph(f, 0x4E2D), 0);
        font_close(f);
    }

    if (access(CJK, R_OK) != 0 || access(ARABIC, R_OK) != 0 || access(KHMER, R_OK) != 0 ||
        access(NIMBUS, R_OK) != 0) {
        fprintf(stderr, "note: Noto or URW fonts missing; font_open_face() checks skipped\n");
        return;
    }
    /* A CFF collection: ten faces sharing one 'CFF ' table, mapped once. */
    double t0 = now_ms();
    CHECK_INT(font_open_face(CJK, 0, &f, &err), 0);
    double t_open = now_ms() - t0;
    fprintf(stderr, "note: font_open_face(%s, 0) %.2f ms\n", CJK, t_open);
    if (f) {
        CHECK(font_is_cff(f));
        CHECK_INT(font_upem(f), 1000);
        CHECK_STR(font_family(f), "Noto Sans CJK JP");
        CHECK(font_glyph(f, 0x82B3) != 0);  /* 芳 */
        CHECK(font_glyph(f, 0x20B9F) != 0); /* 𠮟, beyond the BMP */
        CHECK(font_glyph(f, 'A') != 0);
        CHECK_INT(hb_font_get_glyph_h_advance(font_hb(f), font_glyph(f, 0x82B3)), 1000);
        font_close(f);
    }
    CHECK_INT(font_open_face(CJK, 3, &f, &err), 0);
    if (f) {
        CHECK_INT(font_face_index(f), 3);
        CHECK_STR(font_family(f), "Noto Sans CJK TC");
        font_close(f);
    }
    CHECK_INT(open_err(CJK, 10, &err), EX_DATAERR);
    CHECK_STR(err.msg, "the font file has 10 faces, no face 10");
    CHECK_INT(open_err(DEJAVU, 1, &err), EX_DATAERR);
    CHECK_STR(err.msg, "the font file has 1 face, no face 1");

    CHECK_INT(font_open_face(ARABIC, 0, &f, &err), 0);
    if (f) {
        CHECK(!font_is_cff(f));
        CHECK(font_glyph(f, 0x0645) != 0);
        CHECK_INT(font_glyph(f, 0x1780), 0);
        font_close(f);
    }
    CHECK_INT(font_open_face(KHMER, 0, &f, &err), 0);
    if (f) {
        CHECK(font_glyph(f, 0x1780) != 0);
        CHECK_STR(font_family(f), "Noto Sans Khmer");
        font_close(f);
    }
    /* A name-keyed CFF OpenType font (.otf). */
    CHECK_INT(font_open_face(NIMBUS, 0, &f, &err), 0);
    if (f) {
        CHECK(font_is_cff(f));
        CHECK(font_glyph(f, 'N') != 0);
        font_close(f);
    }

    /* What no face is. */
    CHECK_INT(open_err("/nonexistent/x.otf", 0, &err), EX_NOINPUT);
    CHECK_STR(err.msg, "cannot open font: No such file or directory");
    static const char text[] = "Consent form\nThis is not a font.\n";
    char path[64];
    write_temp(path, text, sizeof text - 1);
    CHECK_INT(open_err(path, 0, &err), EX_DATAERR);
    CHECK_STR(err.msg, "not a font file");
    unlink(path);
}

int main(void)
{
    mp_font *f = NULL;
    mp_err err;
    err_clear(&err);
    CHECK_INT(font_open_face(DEJAVU, 0, &f, &err), 0);
    if (!f) {
        fprintf(stderr, "%s: %s\n", err.file, err.msg);
        return 1;
    }
    CHECK_STR(font_path(f), DEJAVU);
    test_metrics(f);
    test_refusals();
    test_faces();
    font_close(f);
    CHECK_DONE();
}
