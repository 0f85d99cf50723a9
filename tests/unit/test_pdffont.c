/* Unit tests for pdffont_embed_glyphs(): glyph sets of a CID-keyed CFF
 * face (Noto Sans CJK, a collection), a name-keyed CFF face (URW's Nimbus
 * Sans .otf) and a TrueType face (DejaVu Sans) embedded in a one-page PDF,
 * then read back by tools no one here wrote: pdffonts (embedded, subset,
 * font type), pdftotext (the text, through the ToUnicode CMaps) and
 * qpdf --check. Also: codes are CIDs for CFF, widths are rounded, output is
 * deterministic and the same from several threads, and bad glyph lists are
 * refused. Without the fonts or the tools it says "skip:" and exits 77. */
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_CID_H
#include <hpdf.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "font.h"
#include "pdffont.h"
#include "utf8.h"

#define CJK "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
#define DEJAVU "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define NIMBUS "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf"

#define MAX_GLYPHS 128

static char dir[256];

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* What one font shows: its glyphs (sorted, distinct) with their text, and
 * the glyph sequence of the line drawn with it. */
typedef struct run {
    const mp_font *font;
    uint32_t gids[MAX_GLYPHS];
    char text[MAX_GLYPHS][8];
    const char *texts[MAX_GLYPHS];
    size_t n;
    uint32_t line[MAX_GLYPHS];
    size_t line_len;
} run;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* A glyph per character of s (the nominal glyph: no shaping here), plus
 * any extra glyphs given with their text. */
static void make_run(run *r, const mp_font *f, const char *s)
{
    memset(r, 0, sizeof *r);
    r->font = f;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        CHECK(k > 0);
        uint32_t g = font_glyph(f, cp);
        CHECK(g != 0);
        r->line[r->line_len++] = g;
        bool seen = false;
        for (size_t j = 0; j < r->n; j++)
            seen = seen || r->gids[j] == g;
        if (!seen) {
            r->gids[r->n] = g;
            memcpy(r->text[r->n], s + i, k);
            r->text[r->n][k] = '\0';
            r->n++;
        }
        i += k ? k : 1;
    }
}

/* Adds glyph g showing text t (a ligature) to run r and its line. */
static void add_glyph(run *r, uint32_t g, const char *t)
{
    r->line[r->line_len++] = g;
    r->gids[r->n] = g;
    snprintf(r->text[r->n], sizeof r->text[r->n], "%s", t ? t : "");
    r->n++;
}

/* Sorts the glyphs (with their text) as pdffont_embed_glyphs() wants. */
static void finish_run(run *r)
{
    uint64_t keyed[MAX_GLYPHS];
    char text[MAX_GLYPHS][8];
    memcpy(text, r->text, sizeof text);
    for (size_t i = 0; i < r->n; i++)
        keyed[i] = (uint64_t)r->gids[i] << 32 | i;
    /* Insertion sort on the 64-bit key: gids are distinct, the high half decides. */
    for (size_t i = 1; i < r->n; i++)
        for (size_t j = i; j > 0 && keyed[j - 1] > keyed[j]; j--) {
            uint64_t t = keyed[j];
            keyed[j] = keyed[j - 1];
            keyed[j - 1] = t;
        }
    for (size_t i = 0; i < r->n; i++) {
        size_t from = (size_t)(keyed[i] & 0xFFFFFFFFu);
        r->gids[i] = (uint32_t)(keyed[i] >> 32);
        memcpy(r->text[i], text[from], sizeof r->text[i]);
        r->texts[i] = r->text[i];
    }
}

/* Builds a one-page PDF with a line per run and returns its bytes
 * (malloc'd), or NULL. fonts[i] receives each embedded font when not NULL
 * (then the caller frees them); cache may be NULL. */
static unsigned char *make_pdf(run *runs, size_t nruns, pdffont_cache *cache, size_t *len,
                               pdffont **fonts)
{
    HPDF_Doc pdf = HPDF_New(NULL, NULL);
    if (!pdf)
        return NULL;
    HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
    HPDF_Page page = HPDF_AddPage(pdf);
    char content[8192];
    size_t at = 0;
    bool ok = true;
    for (size_t i = 0; i < nruns && ok; i++) {
        pdffont *pf = NULL;
        mp_err err;
        err_clear(&err);
        int rc = pdffont_embed_glyphs(pdf, cache, runs[i].font, runs[i].gids, runs[i].texts,
                                      runs[i].n, &pf, &err);
        CHECK_INT(rc, 0);
        if (rc) {
            fprintf(stderr, "%s: %s\n", err.file, err.msg);
            ok = false;
            break;
        }
        const char *name = HPDF_Page_GetLocalFontName(page, pdffont_dict(pf));
        at += (size_t)snprintf(content + at, sizeof content - at, "BT /%s 20 Tf 40 %d Td <", name,
                               760 - 40 * (int)i);
        for (size_t k = 0; k < runs[i].line_len; k++)
            at += (size_t)snprintf(content + at, sizeof content - at, "%04X",
                                   pdffont_glyph_code(pf, runs[i].line[k]));
        at += (size_t)snprintf(content + at, sizeof content - at, "> Tj ET\n");
        if (fonts)
            fonts[i] = pf;
        else
            pdffont_free(pf);
    }
    unsigned char *out = NULL;
    HPDF_PageAttr attr = page->attr;
    if (ok &&
        HPDF_Stream_Write(attr->stream, (const HPDF_BYTE *)content, (HPDF_UINT)at) == HPDF_OK &&
        HPDF_SaveToStream(pdf) == HPDF_OK) {
        HPDF_UINT32 size = HPDF_GetStreamSize(pdf);
        out = malloc(size ? size : 1);
        HPDF_UINT32 got = size;
        if (out && HPDF_ReadFromStream(pdf, out, &got) != HPDF_OK && got != size) {
            free(out);
            out = NULL;
        }
        *len = got;
    }
    HPDF_Free(pdf);
    return out;
}

/* Runs cmd and returns its standard output (malloc'd, NUL-terminated). */
static char *run_cmd(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, p)) > 0)
        n += k;
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* The original CID of glyph gid of a CID-keyed face, read with FreeType. */
static unsigned original_cid(const char *path, unsigned index, uint32_t gid)
{
    FT_Library lib;
    FT_Face face;
    FT_UInt cid = 0;
    if (FT_Init_FreeType(&lib) != 0)
        return 0;
    if (FT_New_Face(lib, path, (FT_Long)index, &face) == 0) {
        FT_Get_CID_From_Glyph_Index(face, gid, &cid);
        FT_Done_Face(face);
    }
    FT_Done_FreeType(lib);
    return cid;
}

typedef struct job {
    run *runs;
    size_t nruns;
    pdffont_cache *cache;
    unsigned char *pdf;
    size_t len;
} job;

static void *embed_job(void *arg)
{
    job *j = arg;
    j->pdf = make_pdf(j->runs, j->nruns, j->cache, &j->len, NULL);
    return NULL;
}

static void test_refusals(const mp_font *f)
{
    HPDF_Doc pdf = HPDF_New(NULL, NULL);
    pdffont *pf = NULL;
    mp_err err;
    err_clear(&err);
    static const uint32_t unsorted[] = {40, 36};
    CHECK_INT(pdffont_embed_glyphs(pdf, NULL, f, unsorted, NULL, 2, &pf, &err), EX_SOFTWARE);
    CHECK_STR(err.msg, "glyph 36: glyph ids must be ascending, distinct and in the font");
    CHECK(pf == NULL);
    static const uint32_t too_big[] = {36, 70000};
    CHECK_INT(pdffont_embed_glyphs(pdf, NULL, f, too_big, NULL, 2, &pf, &err), EX_SOFTWARE);
    CHECK(pf == NULL);
    HPDF_Free(pdf);
}

int main(void)
{
    if (access(CJK, R_OK) != 0 || access(DEJAVU, R_OK) != 0 || access(NIMBUS, R_OK) != 0) {
        printf("skip: fonts-noto-cjk, fonts-dejavu-core or fonts-urw-base35 not installed\n");
        return 77;
    }
    mp_font *cjk = NULL, *dejavu = NULL, *nimbus = NULL;
    mp_err err;
    err_clear(&err);
    double t0 = now_ms();
    CHECK_INT(font_open_face(CJK, 0, &cjk, &err), 0);
    double t_open = now_ms() - t0;
    CHECK_INT(font_open_face(DEJAVU, 0, &dejavu, &err), 0);
    CHECK_INT(font_open_face(NIMBUS, 0, &nimbus, &err), 0);
    if (!cjk || !dejavu || !nimbus) {
        fprintf(stderr, "%s: %s\n", err.file, err.msg);
        return 1;
    }
    CHECK(font_is_cff(cjk) && font_is_cff(nimbus) && !font_is_cff(dejavu));
    test_refusals(dejavu);

    static run runs[3];
    /* Ten ideographs of a Japanese consent form. */
    make_run(&runs[0], cjk, "患者同意書芳名日本語");
    CHECK_INT(runs[0].n, 10);
    /* Latin with a ligature glyph standing for two characters, and
     * .notdef (the box for a character no font has), which extracts as
     * nothing. */
    make_run(&runs[1], dejavu, "Consent of Jos\xC3\xA9 ");
    add_glyph(&runs[1], font_glyph(dejavu, 0xFB01), "fi");
    add_glyph(&runs[1], 0, NULL);
    make_run(&runs[2], nimbus, "Nimbus Sans");
    for (int i = 0; i < 3; i++)
        finish_run(&runs[i]);

    /* Timing: ten CJK glyphs, first (cold) and again. */
    HPDF_Doc pdf = HPDF_New(NULL, NULL);
    pdffont *pf = NULL;
    t0 = now_ms();
    CHECK_INT(
        pdffont_embed_glyphs(pdf, NULL, cjk, runs[0].gids, runs[0].texts, runs[0].n, &pf, &err), 0);
    double t_cjk1 = now_ms() - t0;
    /* The codes of a CID-keyed CFF are the glyphs' CIDs in the original
     * font; the widths its advances (1000 units per em, 1000 each). */
    for (size_t i = 0; pf && i < runs[0].n; i++) {
        CHECK_INT(pdffont_glyph_code(pf, runs[0].gids[i]), original_cid(CJK, 0, runs[0].gids[i]));
        CHECK_INT(pdffont_glyph_width(pf, runs[0].gids[i]), 1000);
    }
    CHECK_INT(pdffont_glyph_code(pf, 1), 0); /* not embedded */
    pdffont_free(pf);
    t0 = now_ms();
    for (int i = 0; i < 10; i++) {
        CHECK_INT(
            pdffont_embed_glyphs(pdf, NULL, cjk, runs[0].gids, runs[0].texts, runs[0].n, &pf, &err),
            0);
        pdffont_free(pf);
    }
    double t_cjk2 = (now_ms() - t0) / 10;
    /* Again from a cache that holds the program: neither subset nor deflate. */
    pdffont_cache *cache = pdffont_cache_new(1u << 20);
    CHECK(cache != NULL);
    CHECK_INT(
        pdffont_embed_glyphs(pdf, cache, cjk, runs[0].gids, runs[0].texts, runs[0].n, &pf, &err),
        0);
    pdffont_free(pf);
    t0 = now_ms();
    for (int i = 0; i < 10; i++) {
        CHECK_INT(pdffont_embed_glyphs(pdf, cache, cjk, runs[0].gids, runs[0].texts, runs[0].n, &pf,
                                       &err),
                  0);
        pdffont_free(pf);
    }
    double t_cjk3 = (now_ms() - t0) / 10;

    /* Sixty Latin glyphs of DejaVu. */
    uint32_t latin[60];
    for (uint32_t i = 0; i < 60; i++)
        latin[i] = font_glyph(dejavu, 0x21 + i);
    qsort(latin, 60, sizeof *latin, cmp_u32);
    t0 = now_ms();
    CHECK_INT(pdffont_embed_glyphs(pdf, NULL, dejavu, latin, NULL, 60, &pf, &err), 0);
    double t_latin = now_ms() - t0;
    /* TrueType: the code is the subset's glyph number, 1..60 in the
     * original order (.notdef is 0). Widths rounded: 'A' is 1401/2048 em
     * (684.08), 'W' 2025/2048 (988.77, rounded up, not truncated). */
    CHECK_INT(pdffont_glyph_code(pf, latin[0]), 1);
    CHECK_INT(pdffont_glyph_code(pf, latin[59]), 60);
    CHECK_INT(pdffont_glyph_width(pf, font_glyph(dejavu, 'A')), 684);
    CHECK_INT(pdffont_glyph_width(pf, font_glyph(dejavu, 'W')), 989);
    pdffont_free(pf);
    HPDF_Free(pdf);
    fprintf(stderr,
            "note: font_open_face(CJK ttc) %.2f ms; embed 10 CJK glyphs %.2f ms first, %.2f ms "
            "later, %.3f ms from the cache; 60 DejaVu glyphs %.2f ms\n",
            t_open, t_cjk1, t_cjk2, t_cjk3, t_latin);
    pdffont_cache_free(cache);

    /* The document, twice without a cache, then twice through one (made,
     * then taken from it): the same bytes each time. */
    size_t len = 0, len2 = 0, len3 = 0, len4 = 0;
    cache = pdffont_cache_new(1u << 20);
    unsigned char *a = make_pdf(runs, 3, NULL, &len, NULL);
    unsigned char *b = make_pdf(runs, 3, NULL, &len2, NULL);
    unsigned char *c1 = make_pdf(runs, 3, cache, &len3, NULL);
    unsigned char *c2 = make_pdf(runs, 3, cache, &len4, NULL);
    CHECK(a && b && len == len2 && memcmp(a, b, len) == 0);
    CHECK(a && c1 && len == len3 && memcmp(a, c1, len) == 0);
    CHECK(a && c2 && len == len4 && memcmp(a, c2, len) == 0);
    free(c1);
    free(c2);
    pdffont_cache_free(cache);
    /* A dozen more without a cache: DejaVu is prepared for subsetting on
     * the way (font_subset_face()), and the bytes stay the same. */
    for (int i = 0; i < 12; i++) {
        c1 = make_pdf(runs, 3, NULL, &len3, NULL);
        CHECK(a && c1 && len == len3 && memcmp(a, c1, len) == 0);
        free(c1);
    }
    /* A cache with room for some of the three programs drops the least
     * recently used to take the next (under ASan: no use after free). */
    cache = pdffont_cache_new(12u << 10);
    for (int i = 0; i < 4; i++) {
        c1 = make_pdf(runs, 3, cache, &len3, NULL);
        CHECK(a && c1 && len == len3 && memcmp(a, c1, len) == 0);
        free(c1);
    }
    pdffont_cache_free(cache);
    /* A cache too small for any program keeps none and changes nothing. */
    cache = pdffont_cache_new(16);
    c1 = make_pdf(runs, 3, cache, &len3, NULL);
    CHECK(a && c1 && len == len3 && memcmp(a, c1, len) == 0);
    free(c1);
    pdffont_cache_free(cache);
    /* And from four threads at once, each its own document, sharing one
     * cache. */
    cache = pdffont_cache_new(1u << 20);
    job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){runs, 3, cache, NULL, 0};
        CHECK_INT(pthread_create(&th[i], NULL, embed_job, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK(a && jobs[i].pdf && jobs[i].len == len && memcmp(jobs[i].pdf, a, len) == 0);
        free(jobs[i].pdf);
    }
    pdffont_cache_free(cache);
    free(b);
    CHECK(a != NULL);
    CHECK(len < 60 * 1024); /* ten ideographs, not the 20 MB collection */
    fprintf(stderr, "note: the three-font page is %zu bytes\n", len);

    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/test_pdffont.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    char path[300];
    int rc = 0;
    if (a && mkdtemp(dir)) {
        snprintf(path, sizeof path, "%s/page.pdf", dir);
        FILE *fp = fopen(path, "wb");
        CHECK(fp && fwrite(a, 1, len, fp) == len);
        if (fp)
            fclose(fp);
    } else {
        CHECK(0);
    }
    free(a);

    if (system("(command -v qpdf && command -v pdffonts && command -v pdftotext) "
               ">/dev/null 2>&1") != 0) {
        printf("skip: qpdf or poppler-utils missing; the PDF was not checked\n");
        rc = 77;
    } else {
        char cmd[400];
        int st;
        snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", path);
        char *out = run_cmd(cmd, &st);
        CHECK_INT(st, 0);
        CHECK(out && strstr(out, "No syntax or stream encoding errors found"));
        free(out);

        /* name type encoding emb sub uni object: one line per font. */
        snprintf(cmd, sizeof cmd, "pdffonts '%s'", path);
        out = run_cmd(cmd, &st);
        CHECK_INT(st, 0);
        if (out) {
            fprintf(stderr, "%s", out);
            static const char *const want[] = {"NotoSansCJKjp-Regular", "DejaVuSans",
                                               "NimbusSans-Regular"};
            static const char *const type[] = {"CID Type 0C", "CID TrueType", "CID Type 0C"};
            for (int i = 0; i < 3; i++) {
                char *line = strstr(out, want[i]);
                CHECK(line != NULL);
                if (!line)
                    continue;
                char *end = strchr(line, '\n');
                if (end)
                    *end = '\0';
                /* "ABCDEF+Name", the type, Identity-H, then yes yes yes. */
                CHECK(line - out >= 7 && line[-1] == '+');
                CHECK(strstr(line, type[i]) != NULL);
                CHECK(strstr(line, "Identity-H") != NULL);
                CHECK(strstr(line, "yes yes yes") != NULL);
                if (end)
                    *end = '\n';
            }
        }
        free(out);

        snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", path);
        out = run_cmd(cmd, &st);
        CHECK_INT(st, 0);
        CHECK(out && strstr(out, "患者同意書芳名日本語"));
        /* The ligature extracts as its two letters, .notdef as nothing. */
        CHECK(out && strstr(out, "Consent of José fi"));
        CHECK(out && strstr(out, "Nimbus Sans"));
        if (out && !strstr(out, "患者同意書芳名日本語"))
            fprintf(stderr, "pdftotext gave:\n%s\n", out);
        free(out);
    }
    /* MP_TEST_KEEP=1 keeps the page for a look (pdftoppm, a viewer). */
    if (getenv("MP_TEST_KEEP")) {
        fprintf(stderr, "note: kept %s\n", path);
    } else {
        unlink(path);
        rmdir(dir);
    }

    font_close(cjk);
    font_close(dejavu);
    font_close(nimbus);
    if (check_failures)
        CHECK_DONE();
    return rc;
}
