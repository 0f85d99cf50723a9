/* Unit tests for font.c: libharu-exact advances, the fonts it must refuse,
 * and subsets libharu 2.3.0 can embed without losing accents. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "bytes.h"
#include "check.h"
#include "font.h"
#include "utf8.h"

#define DEJAVU "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

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

static int open_err(const char *path, mp_err *err)
{
    mp_font *f = NULL;
    err_clear(err);
    int rc = font_open(path, &f, err);
    CHECK(rc == 0 || f == NULL);
    font_close(f);
    return rc;
}

/* Counts composite glyphs that use another composite glyph: the nesting
 * libharu 2.3.0 embeds incompletely. */
static int nested_composites(const unsigned char *font)
{
    uint32_t head, maxp, loca, glyf, len;
    if (!find_table(font, "head", &head, &len) || !find_table(font, "maxp", &maxp, &len) ||
        !find_table(font, "loca", &loca, &len) || !find_table(font, "glyf", &glyf, &len))
        return -1;
    int long_loca = bytes_be16(font + head + 50) != 0;
    unsigned n = bytes_be16(font + maxp + 4), nested = 0;
#define GLYPH_AT(g)                                                                                \
    (long_loca ? bytes_be32(font + loca + 4 * (g)) : 2u * bytes_be16(font + loca + 2 * (g)))
#define IS_COMPOSITE(g)                                                                            \
    (GLYPH_AT((g) + 1) - GLYPH_AT(g) >= 10 && bytes_be16(font + glyf + GLYPH_AT(g)) == 0xFFFF)
    for (unsigned g = 0; g < n; g++) {
        if (!IS_COMPOSITE(g))
            continue;
        const unsigned char *p = font + glyf + GLYPH_AT(g) + 10;
        unsigned flags;
        do {
            flags = bytes_be16(p);
            unsigned child = bytes_be16(p + 2);
            if (child < n && IS_COMPOSITE(child))
                nested++;
            p += 4 + ((flags & 1) ? 4 : 2);
            p += (flags & 8) ? 2 : (flags & 0x40) ? 4 : (flags & 0x80) ? 8 : 0;
        } while (flags & 0x20);
    }
    return (int)nested;
}

static void test_metrics(const mp_font *f)
{
    /* DejaVu Sans: unitsPerEm 2048; hmtx advances 'A' 1401, space 651, 'W' 2025,
     * .notdef 1229, and 1260 for both 'é' and 'ễ'. Truncated, not rounded:
     * space is 317.87 and 'W' 988.77. */
    CHECK_INT(font_advance(f, 'A'), 684);
    CHECK_INT(font_advance(f, ' '), 317);
    CHECK_INT(font_advance(f, 'W'), 988);
    CHECK_INT(font_advance(f, 0xE9), 615);
    CHECK_INT(font_advance(f, 0x1EC5), 615); /* outside the Latin table */
    CHECK_INT(font_advance(f, 0x4E2D), 600); /* 中 is missing: .notdef */
    /* libharu prints code points beyond the BMP as spaces. */
    CHECK_INT(font_advance(f, 0x1F600), 317);
    /* hhea ascender 1901 and descender -483. */
    CHECK_INT(font_ascent(f), 928);
    CHECK_INT(font_descent(f), -235);

    static const uint32_t jose[] = {'J', 'o', 's', 0xE9, ' ', 'N', 0xFA,   0xF1,
                                    'e', 'z', 'N', 'g',  'u', 'y', 0x1EC5, 'n'};
    for (size_t i = 0; i < sizeof jose / sizeof *jose; i++)
        CHECK(font_has_glyph(f, jose[i]));
    CHECK(!font_has_glyph(f, 0x4E2D));
    CHECK(!font_has_glyph(f, 0x1F600));
    CHECK(!font_has_glyph(f, 0xE000)); /* private use, unmapped */
}

static void test_refusals(void)
{
    mp_err err;
    char path[64];

    CHECK_INT(open_err("/nonexistent/DejaVuSans.ttf", &err), EX_NOINPUT);
    CHECK_STR(err.file, "/nonexistent/DejaVuSans.ttf");
    CHECK_STR(err.msg, "cannot open font: No such file or directory");
    CHECK_INT(open_err("/tmp", &err), EX_NOINPUT);

    static const char text[] = "Consent form\nThis is not a font.\n";
    write_temp(path, text, sizeof text - 1);
    CHECK_INT(open_err(path, &err), EX_DATAERR);
    CHECK_STR(err.file, path);
    CHECK_STR(err.msg, "not a TrueType font");
    char buf[700], want[700];
    err_format(&err, buf, sizeof buf);
    snprintf(want, sizeof want, "%s: not a TrueType font", path);
    CHECK_STR(buf, want);
    unlink(path);

    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0,
                                        0,    13,  'I', 'H', 'D',  'R',  0,    0,    0, 1,
                                        0,    0,   0,   1,   8,    2,    0,    0,    0};
    write_temp(path, png, sizeof png);
    CHECK_INT(open_err(path, &err), EX_DATAERR);
    CHECK_STR(err.msg, "not a TrueType font");
    unlink(path);

    write_temp(path, "", 0);
    CHECK_INT(open_err(path, &err), EX_DATAERR);
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
    CHECK_INT(open_err(path, &err), EX_DATAERR);
    CHECK_STR(err.msg, "OpenType/CFF fonts are not supported, use a TrueType (.ttf) font");
    unlink(path);

    /* DejaVu Sans with its Windows Unicode cmap relabelled as platform 0:
     * HarfBuzz would still map characters, libharu 2.3.0 would not load it. */
    size_t n;
    unsigned char *font = read_all(DEJAVU, &n);
    CHECK(font != NULL);
    if (!font)
        return;
    uint32_t off, len;
    CHECK(find_table(font, "cmap", &off, &len));
    unsigned records = bytes_be16(font + off + 2), patched = 0;
    for (unsigned i = 0; i < records; i++) {
        unsigned char *rec = font + off + 4 + 8 * i;
        if (bytes_be16(rec) == 3 && bytes_be16(rec + 2) == 1) {
            bytes_set_be16(rec, 0);
            bytes_set_be16(rec + 2, 3);
            patched++;
        }
    }
    CHECK_INT(patched, 1);
    write_temp(path, font, n);
    CHECK_INT(open_err(path, &err), EX_DATAERR);
    CHECK_STR(err.msg, "font has no Unicode cmap (Windows platform 3, encoding 1, format 4)");
    unlink(path);
    free(font);
}

static void test_subset(const mp_font *f)
{
    /* About 30 code points of a consent form, with Nguyễn's nested accent. */
    static const char *const words = "José Núñez Nguyễn, consent: WRITTEN 2024-05-01 ✓";
    uint32_t cps[64];
    size_t n = 0, len = strlen(words);
    for (size_t i = 0; i < len && n < 64;) {
        size_t k = utf8_decode(words + i, len - i, &cps[n++]);
        CHECK(k > 0);
        i += k ? k : 1;
    }
    CHECK(n > 40);

    mp_err err;
    err_clear(&err);
    unsigned char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    CHECK_INT(font_subset(f, cps, n, &a, &alen, &err), 0);
    CHECK_INT(font_subset(f, cps, n, &b, &blen, &err), 0);
    if (!a || !b) {
        free(a);
        free(b);
        return;
    }
    CHECK(alen > 1000);
    CHECK(alen < 30 * 1024);
    CHECK(alen == blen && memcmp(a, b, alen) == 0); /* deterministic output */
    CHECK_INT(nested_composites(a), 0);

    /* A valid sfnt: every table checksummed, head's adjustment right. */
    uint32_t sum = 0;
    for (size_t i = 0; i + 4 <= alen; i += 4)
        sum += bytes_be32(a + i);
    CHECK(alen % 4 == 0);
    CHECK_INT(sum, 0xB1B0AFBAu);

    char path[64];
    write_temp(path, a, alen);
    mp_font *s = NULL;
    err_clear(&err);
    CHECK_INT(font_open(path, &s, &err), 0);
    unlink(path);
    if (s) {
        for (size_t i = 0; i < n; i++) {
            CHECK_INT(font_advance(s, cps[i]), font_advance(f, cps[i]));
            CHECK(font_has_glyph(s, cps[i]) == font_has_glyph(f, cps[i]));
        }
        CHECK(font_has_glyph(s, 0x1EC5));
        CHECK(!font_has_glyph(s, 'Q')); /* not asked for */
        CHECK_INT(font_ascent(s), font_ascent(f));
        CHECK_INT(font_descent(s), font_descent(f));
        font_close(s);
    }
    free(a);
    free(b);

    /* The unsubset font does nest composites: the check above can fail. */
    size_t flen;
    unsigned char *full = read_all(DEJAVU, &flen);
    CHECK(full && nested_composites(full) > 0);
    free(full);
}

int main(void)
{
    mp_font *f = NULL;
    mp_err err;
    err_clear(&err);
    CHECK_INT(font_open(DEJAVU, &f, &err), 0);
    if (!f) {
        fprintf(stderr, "%s: %s\n", err.file, err.msg);
        return 1;
    }
    CHECK_STR(font_path(f), DEJAVU);
    test_metrics(f);
    test_refusals();
    test_subset(f);
    font_close(f);
    CHECK_DONE();
}
