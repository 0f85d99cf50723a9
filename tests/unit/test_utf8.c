/* Unit tests for utf8.c: strict decoding, the cases patient exports get wrong. */
#include "check.h"
#include "utf8.h"

static size_t dec(const char *s, uint32_t *cp)
{
    return utf8_decode(s, strlen(s), cp);
}

int main(void)
{
    uint32_t cp;
    CHECK_INT(dec("A", &cp), 1);
    CHECK_INT(cp, 'A');
    CHECK_INT(dec("\xC3\xA9", &cp), 2); /* é */
    CHECK_INT(cp, 0xE9);
    CHECK_INT(dec("\xE1\xBB\x85", &cp), 3); /* ễ, as in Nguyễn */
    CHECK_INT(cp, 0x1EC5);
    CHECK_INT(dec("\xF0\x9F\x98\x80", &cp), 4);
    CHECK_INT(cp, 0x1F600);
    CHECK_INT(dec("\xC0\xAF", &cp), 0);         /* overlong '/' */
    CHECK_INT(dec("\xE0\x80\xAF", &cp), 0);     /* overlong, 3 bytes */
    CHECK_INT(dec("\xED\xA0\x80", &cp), 0);     /* surrogate */
    CHECK_INT(dec("\xF4\x90\x80\x80", &cp), 0); /* above U+10FFFF */
    CHECK_INT(dec("\x80", &cp), 0);             /* lone continuation */
    CHECK_INT(utf8_decode("\xC3", 1, &cp), 0);  /* truncated */
    CHECK_INT(cp, 0xFFFD);

    size_t bad = 99;
    CHECK(utf8_valid("Jos\xC3\xA9 N\xC3\xBA\xC3\xB1\x65z", 12, &bad));
    CHECK(!utf8_valid("ab\xFF"
                      "cd",
                      5, &bad));
    CHECK_INT(bad, 2);

    char out[4];
    CHECK_INT(utf8_encode(0x1EC5, out), 3);
    CHECK(memcmp(out, "\xE1\xBB\x85", 3) == 0);
    CHECK_INT(utf8_encode(0xD800, out), 0);
    CHECK(utf8_is_combining(0x0301));
    CHECK(!utf8_is_combining('a'));
    CHECK_DONE();
}
