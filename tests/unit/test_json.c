/* Unit tests for json.c: the escaping batch, check and serve have always
 * written, commas placed by the writer, and its checks of nesting. */
#include <math.h>

#include "check.h"
#include "json.h"

static void escaping(void)
{
    static const char *const cases[][2] = {
        {"plain", "\"plain\""},
        {"say \"no\"", "\"say \\\"no\\\"\""},
        {"C:\\forms", "\"C:\\\\forms\""},
        {"a\nb\tc\r\x01\x1f", "\"a\\u000ab\\u0009c\\u000d\\u0001\\u001f\""},
        {"Nguy\xE1\xBB\x85n \x7f", "\"Nguy\xE1\xBB\x85n \x7f\""},
        {"", "\"\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mp_buf b;
        buf_init(&b, NULL);
        json_escape(&b, cases[i][0]);
        CHECK_STR(buf_str(&b), cases[i][1]);
        buf_free(&b);
    }
    mp_buf b;
    buf_init(&b, NULL);
    json_escape(&b, NULL);
    CHECK_STR(buf_str(&b), "\"\"");
    buf_free(&b);
}

static void documents(void)
{
    mp_buf b;
    buf_init(&b, NULL);
    json_writer w;
    json_init(&w, &b);
    json_begin_object(&w);
    json_key(&w, "row");
    json_put_int(&w, -12);
    json_key(&w, "bytes");
    json_put_uint(&w, 18446744073709551615ull);
    json_key(&w, "path");
    json_put_str(&w, "out/\"a\".pdf");
    json_key(&w, "grade");
    json_put_fixed(&w, 7.25, 1);
    json_key(&w, "none");
    json_put_null(&w);
    json_key(&w, "list");
    json_begin_array(&w);
    json_put_bool(&w, true);
    json_begin_object(&w);
    json_end_object(&w);
    json_begin_array(&w);
    json_end_array(&w);
    json_put_bool(&w, false);
    json_end_array(&w);
    json_key(&w, "after");
    json_put_fixed(&w, INFINITY, 1);
    json_end_object(&w);
    CHECK(json_ok(&w));
    CHECK_STR(buf_str(&b),
              "{\"row\":-12,\"bytes\":18446744073709551615,\"path\":\"out/\\\"a\\\".pdf\","
              "\"grade\":7.2,\"none\":null,\"list\":[true,{},[],false],"
              "\"after\":null}");

    /* Values side by side at the top: no commas (JSON lines). */
    buf_reset(&b);
    json_init(&w, &b);
    json_put_int(&w, 1);
    json_put_int(&w, 2);
    CHECK_STR(buf_str(&b), "12");

    /* serve's spacing. */
    buf_reset(&b);
    json_init(&w, &b);
    w.spaced = true;
    json_begin_object(&w);
    json_key(&w, "a");
    json_put_int(&w, 1);
    json_key(&w, "b");
    json_begin_array(&w);
    json_put_str(&w, "x");
    json_put_str(&w, "y");
    json_end_array(&w);
    json_end_object(&w);
    CHECK(json_ok(&w));
    CHECK_STR(buf_str(&b), "{\"a\": 1, \"b\": [\"x\", \"y\"]}");
    buf_free(&b);
}

/* Line breaks where json_newline asks: before an item, a key or a closing
 * bracket, the comma ending the line above (serve's day list). */
static void lines(void)
{
    mp_buf b;
    buf_init(&b, NULL);
    json_writer w;
    json_init(&w, &b);
    w.spaced = true;
    json_begin_object(&w);
    json_key(&w, "n");
    json_put_int(&w, 2);
    json_newline(&w, 1);
    json_key(&w, "rows");
    json_begin_array(&w);
    for (int i = 0; i < 2; i++) {
        json_newline(&w, 2);
        json_begin_object(&w);
        json_key(&w, "row");
        json_put_int(&w, i);
        json_end_object(&w);
    }
    json_newline(&w, 0);
    json_end_array(&w);
    json_key(&w, "empty");
    json_begin_array(&w);
    json_newline(&w, 0);
    json_end_array(&w);
    json_end_object(&w);
    CHECK(json_ok(&w));
    CHECK_STR(buf_str(&b), "{\"n\": 2,\n \"rows\": [\n  {\"row\": 0},\n  {\"row\": 1}\n], "
                           "\"empty\": [\n]}");

    /* Without spacing, and at the top: a line per value. */
    buf_reset(&b);
    json_init(&w, &b);
    json_put_int(&w, 1);
    json_newline(&w, 0);
    json_begin_array(&w);
    json_put_int(&w, 2);
    json_newline(&w, 1);
    json_put_int(&w, 3);
    json_end_array(&w);
    CHECK(json_ok(&w));
    CHECK_STR(buf_str(&b), "1\n[2,\n 3]");
    buf_free(&b);
}

static void misuse(void)
{
    mp_buf b;
    buf_init(&b, NULL);
    json_writer w;
    json_init(&w, &b);
    json_begin_object(&w);
    CHECK(!json_ok(&w)); /* still open */
    json_key(&w, "k");
    json_end_object(&w); /* a key without its value */
    CHECK(!json_ok(&w));

    json_init(&w, &b);
    json_end_array(&w); /* nothing open */
    CHECK(!json_ok(&w));

    json_init(&w, &b);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        json_begin_array(&w);
    for (int i = 0; i < JSON_MAX_DEPTH; i++)
        json_end_array(&w);
    CHECK(!json_ok(&w));

    /* A failed buffer fails the writer. */
    json_init(&w, &b);
    json_put_null(&w);
    CHECK(json_ok(&w));
    b.oom = true;
    json_put_null(&w);
    CHECK(!json_ok(&w));
    buf_free(&b);
}

int main(void)
{
    escaping();
    documents();
    lines();
    misuse();
    CHECK_DONE();
}
