/* Unit tests for buf.c: appends on the heap and in an arena, printf past the
 * first allocation, room/commit, and an out-of-memory flag that stays set. */
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "check.h"

static void appends(arena *a)
{
    mp_buf b;
    buf_init(&b, a);
    CHECK_STR(buf_str(&b), "");
    CHECK_INT(b.len, 0);
    buf_puts(&b, "Nguy\xE1\xBB\x85n");
    buf_putc(&b, ',');
    buf_put(&b, " Ana\0tail", 4);
    CHECK_STR(buf_str(&b), "Nguy\xE1\xBB\x85n, Ana");
    CHECK_INT(b.len, 13);
    buf_putf(&b, " %d/%s", 42, "x");
    CHECK_STR(b.data, "Nguy\xE1\xBB\x85n, Ana 42/x");

    /* Longer than any first allocation: printed again after growing. */
    char big[5000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    buf_reset(&b);
    CHECK_STR(buf_str(&b), "");
    buf_putf(&b, "<%s>", big);
    CHECK_INT(b.len, sizeof big + 1);
    CHECK(b.data[0] == '<' && b.data[b.len - 1] == '>' && b.data[b.len] == '\0');
    CHECK(b.data[4999] == 'y' && b.data[5000] == '>');

    /* Room filled by hand, only what is committed kept. */
    buf_reset(&b);
    char *p = buf_room(&b, 10);
    CHECK(p != NULL);
    if (p) {
        memcpy(p, "abcdefghij", 10);
        buf_commit(&b, 3);
    }
    CHECK_STR(buf_str(&b), "abc");
    buf_putf(&b, "%s", "");
    CHECK_STR(buf_str(&b), "abc");
    CHECK(!b.oom);

    /* Out of memory (here: a size that cannot be), then every call a no-op. */
    CHECK(!buf_grow(&b, SIZE_MAX));
    CHECK(b.oom);
    buf_puts(&b, "more");
    buf_putc(&b, 'x');
    buf_putf(&b, "%d", 7);
    CHECK(buf_room(&b, 1) == NULL);
    CHECK_INT(b.len, 3);
    CHECK(buf_str(&b) == NULL);
    buf_reset(&b);
    CHECK(b.oom); /* a reset keeps it */
    buf_puts(&b, "x");
    CHECK_INT(b.len, 0);
    buf_free(&b);
    CHECK(!b.oom);
    CHECK(b.a == a);
    buf_puts(&b, "again");
    CHECK_STR(buf_str(&b), "again");
    buf_free(&b);
}

int main(void)
{
    appends(NULL);
    arena *a = arena_new();
    CHECK(a != NULL);
    if (a) {
        appends(a);
        /* An arena buffer's bytes outlive buf_free: the arena owns them. */
        mp_buf b;
        buf_init(&b, a);
        buf_puts(&b, "kept");
        const char *s = b.data;
        buf_free(&b);
        CHECK_STR(s, "kept");
        arena_free(a);
    }
    CHECK_DONE();
}
