/* Unit tests for qr.c: sizes, the byte limit and its message, and the
 * fixed patterns a scanner looks for, without drawing anything. */
#include <stdlib.h>

#include "check.h"
#include "qr.h"

static char *repeat_to(const char *prefix, const char *unit, size_t len)
{
    char *s = malloc(len + 1);
    if (!s)
        return NULL;
    size_t p = strlen(prefix), u = strlen(unit);
    for (size_t i = 0; i < len; i++)
        s[i] = i < p ? prefix[i] : unit[(i - p) % u];
    s[len] = '\0';
    return s;
}

static int dark(const qr_code *q, int row, int col)
{
    return q->dark[(size_t)row * (size_t)q->width + (size_t)col];
}

/* The 7x7 finder at (row, col): dark border, light ring, dark 3x3 centre. */
static int finder_ok(const qr_code *q, int row, int col)
{
    for (int r = 0; r < 7; r++) {
        for (int c = 0; c < 7; c++) {
            int ring = r == 0 || r == 6 || c == 0 || c == 6;
            int centre = r >= 2 && r <= 4 && c >= 2 && c <= 4;
            if (dark(q, row + r, col + c) != (ring || centre))
                return 0;
        }
    }
    return 1;
}

static void test_short_url(void)
{
    qr_code q;
    mp_err err;
    err_clear(&err);
    CHECK_INT(qr_encode("https://book.example.org/c?t=9f2k", QR_MAX_VERSION, &q, &err), 0);
    CHECK_INT(err.code, 0);
    CHECK_INT(q.version, 3); /* 33 bytes: more than version 2's 26 */
    CHECK_INT(q.width, 17 + 4 * q.version);
    if (!q.dark)
        return;
    size_t n = (size_t)q.width * (size_t)q.width, ones = 0;
    int binary = 1;
    for (size_t i = 0; i < n; i++) {
        binary &= q.dark[i] <= 1;
        ones += q.dark[i];
    }
    CHECK(binary);
    CHECK(ones > n / 4 && ones < 3 * n / 4);

    CHECK(finder_ok(&q, 0, 0));
    CHECK(finder_ok(&q, 0, q.width - 7));
    CHECK(finder_ok(&q, q.width - 7, 0));
    /* The light separator around the top-left finder, and the timing
     * pattern alternating along row 6 and column 6 between the finders. */
    for (int i = 0; i < 8; i++) {
        CHECK_INT(dark(&q, 7, i), 0);
        CHECK_INT(dark(&q, i, 7), 0);
    }
    for (int i = 8; i < q.width - 8; i++) {
        CHECK_INT(dark(&q, 6, i), i % 2 == 0);
        CHECK_INT(dark(&q, i, 6), i % 2 == 0);
    }
    /* The dark module every code has beside the bottom-left finder. */
    CHECK_INT(dark(&q, 4 * q.version + 9, 8), 1);
    qr_free(&q);
    CHECK(q.dark == NULL);
    qr_free(&q); /* harmless twice */
}

static void test_limit(void)
{
    CHECK_INT(qr_capacity_bytes(1), 14);
    CHECK_INT(qr_capacity_bytes(QR_MAX_VERSION), 213);
    CHECK_INT(qr_capacity_bytes(40), 2331);
    CHECK_INT(qr_capacity_bytes(0), 0);

    qr_code q;
    mp_err err;
    char *at = repeat_to("https://book.example.org/c?t=", "abcdefgh", 213);
    char *over = repeat_to("https://book.example.org/c?t=", "abcdefgh", 214);
    CHECK(at && over);
    if (!at || !over) {
        free(at);
        free(over);
        return;
    }
    err_clear(&err);
    CHECK_INT(qr_encode(at, QR_MAX_VERSION, &q, &err), 0);
    CHECK_INT(q.version, 10);
    CHECK_INT(q.width, 57);
    qr_free(&q);

    err_clear(&err);
    CHECK_INT(qr_encode(over, QR_MAX_VERSION, &q, &err), EX_DATAERR);
    CHECK_INT(err.code, EX_DATAERR);
    CHECK_STR(err.msg,
              "booking URL is 214 bytes; a QR code holds at most 213 (version 10, level M)");
    CHECK(q.dark == NULL);
    qr_free(&q);
    /* A larger limit takes it. */
    err_clear(&err);
    CHECK_INT(qr_encode(over, 11, &q, &err), 0);
    CHECK_INT(q.version, 11);
    qr_free(&q);
    free(at);
    free(over);

    /* libqrencode's own segmentation would need version 13 for this one;
     * within the byte limit it must still fit. */
    char *digits = repeat_to("https://book.example.org/c?t=", "1111/a", 213);
    CHECK(digits != NULL);
    if (digits) {
        err_clear(&err);
        CHECK_INT(qr_encode(digits, QR_MAX_VERSION, &q, &err), 0);
        CHECK(q.version >= 1 && q.version <= 10);
        qr_free(&q);
        free(digits);
    }

    err_clear(&err);
    CHECK_INT(qr_encode("", QR_MAX_VERSION, &q, &err), EX_DATAERR);
    CHECK_STR(err.msg, "booking URL is empty");
    err_clear(&err);
    CHECK_INT(qr_encode("x", 0, &q, &err), EX_SOFTWARE);

    /* The whole table against the encoder: each capacity encodes at its
     * version and one byte more needs the next. */
    for (int v = 1; v <= 40; v++) {
        size_t cap = qr_capacity_bytes(v);
        char *fits = repeat_to("", "a", cap), *more = repeat_to("", "a", cap + 1);
        CHECK(fits && more);
        if (fits && more) {
            err_clear(&err);
            CHECK_INT(qr_encode(fits, 40, &q, &err), 0);
            CHECK_INT(q.version, v);
            qr_free(&q);
            CHECK_INT(qr_encode(more, v, &q, &err), EX_DATAERR);
            if (v < 40) {
                CHECK_INT(qr_encode(more, 40, &q, &err), 0);
                CHECK_INT(q.version, v + 1);
                qr_free(&q);
            }
        }
        free(fits);
        free(more);
    }
}

int main(void)
{
    test_short_url();
    test_limit();
    CHECK_DONE();
}
