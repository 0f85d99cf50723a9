/* Unit tests for fill.c: placeholder syntax, escapes, and the exact place
 * reported for every error, since a clinic fixes its form from that message. */
#include <stdbool.h>
#include <stdlib.h>

#include "arena.h"
#include "check.h"
#include "fill.h"
#include "utf8.h"

static bool name_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(name, want, n) == 0;
}

static char long_value[101];

/* The patient and clinic a real lookup would consult. */
static fill_status lookup(void *ctx, const char *name, size_t n, const char **value,
                          size_t *value_len, const char **why)
{
    int *calls = ctx;
    if (calls)
        (*calls)++;
    const char *v = NULL;
    if (name_is(name, n, "patient.first_name"))
        v = "Jos\xC3\xA9"; /* José */
    else if (name_is(name, n, "patient.last_name"))
        v = "N\xC3\xBA\xC3\xB1\x65z"; /* Núñez */
    else if (name_is(name, n, "clinic.name"))
        v = "Cl\xC3\xADnica Sur";
    else if (name_is(name, n, "empty"))
        v = "";
    else if (name_is(name, n, "long"))
        v = long_value;
    else if (name_is(name, n, "null_empty")) {
        *value = NULL;
        *value_len = 0;
        return FILL_FOUND;
    } else if (name_is(name, n, "null_nonempty")) {
        *value = NULL;
        *value_len = 3;
        return FILL_FOUND;
    } else if (name_is(name, n, "patient.phone"))
        return FILL_MISSING;
    else if (name_is(name, n, "patient.dob")) {
        *why = "not a date: 1968-02-30";
        return FILL_INVALID;
    } else if (name_is(name, n, "bad_no_why"))
        return FILL_INVALID;
    else
        return FILL_UNKNOWN;
    *value = v;
    *value_len = strlen(v);
    return FILL_FOUND;
}

/* A specimen renderer's lookup: every placeholder shows its own name. */
static fill_status echo(void *ctx, const char *name, size_t n, const char **value,
                        size_t *value_len, const char **why)
{
    (void)ctx;
    (void)why;
    *value = name;
    *value_len = n;
    return FILL_FOUND;
}

/* Values that do not outlive the call: the same buffer, rewritten each time. */
static fill_status counter(void *ctx, const char *name, size_t n, const char **value,
                           size_t *value_len, const char **why)
{
    static char buf[16];
    int *count = ctx;
    (void)name;
    (void)n;
    (void)why;
    buf[0] = (char)('0' + ++*count % 10);
    buf[1] = '\0';
    *value = buf;
    *value_len = 1;
    return FILL_FOUND;
}

static arena *A;
static fill_problem P;

static fill_result run(const char *in, char **out)
{
    size_t out_len = 12345;
    memset(&P, 0x5A, sizeof P); /* stale garbage must not show through */
    fill_result r = fill_text(in, strlen(in), lookup, NULL, A, out, &out_len, &P);
    if (r == FILL_OK) {
        CHECK(*out != NULL);
        if (*out)
            CHECK_INT(out_len, strlen(*out));
    }
    return r;
}

/* The expansion of in, or "(error)" when it failed. */
static const char *fill(const char *in)
{
    char *out = NULL;
    return run(in, &out) == FILL_OK ? out : "(error)";
}

static void check_syntax(const char *in, size_t offset, size_t index, const char *why)
{
    char *out = (char *)"unchanged";
    fill_result r = run(in, &out);
    if (r != FILL_ERR_SYNTAX)
        fprintf(stderr, "input: %s\n", in);
    CHECK_INT(r, FILL_ERR_SYNTAX);
    CHECK_INT(P.result, FILL_ERR_SYNTAX);
    CHECK_INT(P.offset, offset);
    CHECK_INT(P.index, index);
    CHECK_STR(P.name, "");
    CHECK_STR(P.why, why);
    CHECK(out == NULL);
}

static void check_lookup_error(const char *in, fill_status status, size_t offset, size_t index,
                               const char *name, const char *why)
{
    char *out = (char *)"unchanged";
    fill_result r = run(in, &out);
    CHECK(out == NULL);
    CHECK_INT(r, FILL_ERR_LOOKUP);
    CHECK_INT(P.result, FILL_ERR_LOOKUP);
    CHECK_INT(P.status, status);
    CHECK_INT(P.offset, offset);
    CHECK_INT(P.index, index);
    CHECK_STR(P.name, name);
    CHECK_STR(P.why, why);
}

static void test_substitution(void)
{
    CHECK_STR(fill("Dear {{patient.first_name}},"), "Dear Jos\xC3\xA9,");
    CHECK_STR(fill("{{ patient.first_name }}"), "Jos\xC3\xA9");
    CHECK_STR(fill("{{patient.first_name    }}"), "Jos\xC3\xA9");
    CHECK_STR(fill("{{   patient.first_name}}"), "Jos\xC3\xA9");
    CHECK_STR(fill("{{patient.first_name}} {{ patient.last_name }}, {{clinic.name}}"),
              "Jos\xC3\xA9 N\xC3\xBA\xC3\xB1\x65z, Cl\xC3\xADnica Sur");
    CHECK_STR(fill("{{patient.first_name}}{{patient.last_name}}"),
              "Jos\xC3\xA9N\xC3\xBA\xC3\xB1\x65z");
    CHECK_STR(fill("no placeholders at all"), "no placeholders at all");
    CHECK_STR(fill(""), "");
    CHECK_STR(fill("[{{empty}}]"), "[]");
    CHECK_STR(fill("[{{null_empty}}]"), "[]");
    /* UTF-8 around and inside values survives byte for byte. */
    char *out;
    CHECK_INT(run("\xC2\xBF{{patient.first_name}} {{patient.last_name}}?", &out), FILL_OK);
    CHECK_STR(out, "\xC2\xBFJos\xC3\xA9 N\xC3\xBA\xC3\xB1\x65z?");
    CHECK(out && utf8_valid(out, strlen(out), NULL));
    /* A single brace is ordinary text. */
    CHECK_STR(fill("{a} {{patient.first_name}} {b}"), "{a} Jos\xC3\xA9 {b}");
    CHECK_STR(fill("{"), "{");
    CHECK_STR(fill("x{"), "x{");
}

static void test_escapes(void)
{
    CHECK_STR(fill("\\{{patient.first_name}}"), "{{patient.first_name}}");
    CHECK_STR(fill("say \\{{ and }}"), "say {{ and }}");
    CHECK_STR(fill("ends in \\{{"), "ends in {{");
    CHECK_STR(fill("\\{{{{patient.first_name}}"), "{{Jos\xC3\xA9");
    /* Only the backslash right before "{{" is special. */
    CHECK_STR(fill("C:\\forms\\{a}"), "C:\\forms\\{a}");
    CHECK_STR(fill("\\\\{{x}}"), "\\{{x}}");
    CHECK_STR(fill("trailing \\"), "trailing \\");
    CHECK_STR(fill("a }} b"), "a }} b");
    CHECK_STR(fill("}}"), "}}");
    CHECK_STR(fill("{{patient.first_name}}}}"), "Jos\xC3\xA9}}");
    CHECK_STR(fill("{{patient.first_name}}}"), "Jos\xC3\xA9}");
}

static void test_syntax_errors(void)
{
    const char *unterminated = "unterminated placeholder: \"{{\" without \"}}\"";
    check_syntax("Dear {{patient.first_name", 5, 0, unterminated);
    check_syntax("Dear {{patient.first_name}", 5, 0, unterminated);
    check_syntax("{{", 0, 0, unterminated);
    check_syntax("{{empty}} and {{b} }", 14, 1, unterminated);
    check_syntax("\\{{ {{x", 4, 0, unterminated);

    check_syntax("{{}}", 0, 0, "empty placeholder name");
    check_syntax("{{   }}", 0, 0, "empty placeholder name");
    check_syntax("x {{a..b}}", 2, 0,
                 "bad placeholder name: use letters, digits and _ in parts joined by dots, as in "
                 "{{patient.first_name}}");
    check_syntax("{{.a}}", 0, 0,
                 "bad placeholder name: use letters, digits and _ in parts joined by dots, as in "
                 "{{patient.first_name}}");
    check_syntax("{{a.}}", 0, 0,
                 "bad placeholder name: use letters, digits and _ in parts joined by dots, as in "
                 "{{patient.first_name}}");
    check_syntax("{{a b}}", 0, 0,
                 "bad placeholder name: use letters, digits and _ in parts joined by dots, as in "
                 "{{patient.first_name}}");
    check_syntax("{{a-b}}", 0, 0,
                 "bad placeholder name: use letters, digits and _ in parts joined by dots, as in "
                 "{{patient.first_name}}");
    check_syntax("{{a\tb}}", 0, 0,
                 "bad placeholder name: use letters, digits and _ in parts joined by dots, as in "
                 "{{patient.first_name}}");
    check_syntax("{{\tname}}", 0, 0,
                 "bad placeholder name: use letters, digits and _ in parts joined by dots, as in "
                 "{{patient.first_name}}");
    check_syntax("{{line\nbreak}}", 0, 0,
                 "bad placeholder name: use letters, digits and _ in parts joined by dots, as in "
                 "{{patient.first_name}}");
    check_syntax("{{Jos\xC3\xA9}}", 0, 0,
                 "bad placeholder name: use letters, digits and _ in parts joined by dots, as in "
                 "{{patient.first_name}}");
    check_syntax("{{{patient.first_name}}}", 0, 0,
                 "bad placeholder name: use letters, digits and _ in parts joined by dots, as in "
                 "{{patient.first_name}}");
    check_syntax("{{a {{patient.first_name}}", 0, 0,
                 "bad placeholder name: use letters, digits and _ in parts joined by dots, as in "
                 "{{patient.first_name}}");
    check_syntax("{{patient.first_name}} {{clinic.name}} {{ . }}", 39, 2,
                 "bad placeholder name: use letters, digits and _ in parts joined by dots, as in "
                 "{{patient.first_name}}");

    /* 127 characters is the longest name; 128 is refused. */
    char in[300], *out;
    size_t len;
    memcpy(in, "{{", 2);
    memset(in + 2, 'n', 127);
    memcpy(in + 129, "}}", 3);
    CHECK_INT(fill_text(in, strlen(in), echo, NULL, A, &out, &len, &P), FILL_OK);
    CHECK_INT(len, 127);
    memset(in + 2, 'n', 128);
    memcpy(in + 130, "}}", 3);
    check_syntax(in, 0, 0, "placeholder name too long");
    memset(in + 2, 'n', 200);
    memcpy(in + 202, "}}", 3);
    check_syntax(in, 0, 0, "placeholder name too long");
}

static void test_lookup_errors(void)
{
    check_lookup_error("Hi {{patient.first_name}}, tel {{patient.phone}}", FILL_MISSING, 31, 1,
                       "patient.phone", "no value for placeholder");
    check_lookup_error("{{ patient.middle_name }}", FILL_UNKNOWN, 0, 0, "patient.middle_name",
                       "unknown placeholder");
    check_lookup_error("\\{{x}} {{empty}}{{empty}} born {{ patient.dob }}", FILL_INVALID, 31, 2,
                       "patient.dob", "not a date: 1968-02-30");
    check_lookup_error("{{bad_no_why}}", FILL_INVALID, 0, 0, "bad_no_why",
                       "invalid value for placeholder");
    check_lookup_error("{{null_nonempty}}", FILL_INVALID, 0, 0, "null_nonempty",
                       "lookup returned no value");

    /* The first error wins: a later syntax error is not reached. */
    check_lookup_error("{{nope}} {{", FILL_UNKNOWN, 0, 0, "nope", "unknown placeholder");

    /* A 127-byte name comes back whole. */
    char in[300], name[128], *out;
    memcpy(in, "{{", 2);
    memset(in + 2, 'q', 127);
    memcpy(in + 129, "}}", 3);
    memset(name, 'q', 127);
    name[127] = '\0';
    check_lookup_error(in, FILL_UNKNOWN, 0, 0, name, "unknown placeholder");

    /* Syntax is checked as the text is read, so a lookup before it runs. */
    int calls = 0;
    size_t len;
    const char *text = "{{patient.first_name}} {{clinic.name}} {{a..b}}";
    CHECK_INT(fill_text(text, strlen(text), lookup, &calls, A, &out, &len, &P), FILL_ERR_SYNTAX);
    CHECK_INT(calls, 2);
    CHECK_INT(P.index, 2);
}

static void test_buffers(void)
{
    char *out;
    size_t len;

    /* in[0..len) only: the bytes after it are not part of the text. */
    const char *in = "{{clinic.name}}{{patient.phone}}";
    CHECK_INT(fill_text(in, 15, lookup, NULL, A, &out, &len, &P), FILL_OK);
    CHECK_STR(out, "Cl\xC3\xADnica Sur");
    CHECK_INT(fill_text("{{clinic.name}}", 14, lookup, NULL, A, &out, &len, &P), FILL_ERR_SYNTAX);
    CHECK_INT(fill_text(NULL, 0, lookup, NULL, A, &out, &len, &P), FILL_OK);
    CHECK_STR(out, "");
    CHECK_INT(len, 0);

    /* The input is never written to. */
    char mine[] = "a {{ patient.first_name }} \\{{ b";
    char copy[sizeof mine];
    memcpy(copy, mine, sizeof mine);
    CHECK_INT(fill_text(mine, strlen(mine), lookup, NULL, A, &out, &len, &P), FILL_OK);
    CHECK(memcmp(mine, copy, sizeof mine) == 0);
    CHECK_STR(out, "a Jos\xC3\xA9 {{ b");

    /* Values are copied at once. */
    int count = 0;
    CHECK_INT(fill_text("{{n}}-{{n}}-{{n}}", 17, counter, &count, A, &out, &len, &P), FILL_OK);
    CHECK_STR(out, "1-2-3");

    CHECK_STR(fill("{{ a.b_c.D9 }}"), "(error)"); /* unknown to lookup */
    CHECK_INT(fill_text("{{ a.b_c.D9 }}", 14, echo, NULL, A, &out, &len, &P), FILL_OK);
    CHECK_STR(out, "a.b_c.D9");

    /* Growth well past the first guess: 5000 x 100-byte values. */
    memset(long_value, 'v', 100);
    const char *unit = "{{long}}.";
    size_t units = 5000, ulen = strlen(unit);
    char *big = malloc(units * ulen + 1);
    CHECK(big != NULL);
    if (!big)
        return;
    for (size_t i = 0; i < units; i++)
        memcpy(big + i * ulen, unit, ulen);
    big[units * ulen] = '\0';
    CHECK_INT(fill_text(big, units * ulen, lookup, NULL, A, &out, &len, &P), FILL_OK);
    CHECK_INT(len, units * 101);
    bool same = out != NULL;
    for (size_t i = 0; same && i < units; i++)
        same = memcmp(out + i * 101, long_value, 100) == 0 && out[i * 101 + 100] == '.';
    CHECK(same);
    CHECK(out && out[len] == '\0');
    free(big);
}

struct seen {
    int n;
    char names[8][32];
    size_t offsets[8];
};

static void collect(void *ctx, const char *name, size_t n, size_t offset)
{
    struct seen *s = ctx;
    if (s->n < 8 && n < 32) {
        memcpy(s->names[s->n], name, n);
        s->names[s->n][n] = '\0';
        s->offsets[s->n] = offset;
    }
    s->n++;
}

static void test_each(void)
{
    struct seen s = {0};
    const char *in = "{{a}} x {{ b.c }} \\{{d}} }} {{e_1}}";
    CHECK_INT(fill_each(in, strlen(in), collect, &s, &P), FILL_OK);
    CHECK_INT(P.result, FILL_OK);
    CHECK_INT(s.n, 3);
    CHECK_STR(s.names[0], "a");
    CHECK_INT(s.offsets[0], 0);
    CHECK_STR(s.names[1], "b.c");
    CHECK_INT(s.offsets[1], 8);
    CHECK_STR(s.names[2], "e_1");
    CHECK_INT(s.offsets[2], 28);

    /* Names before the error are reported; the error carries its place. */
    memset(&s, 0, sizeof s);
    in = "{{a}} {{b}} {{c d}} {{e}}";
    CHECK_INT(fill_each(in, strlen(in), collect, &s, &P), FILL_ERR_SYNTAX);
    CHECK_INT(s.n, 2);
    CHECK_INT(P.result, FILL_ERR_SYNTAX);
    CHECK_INT(P.offset, 12);
    CHECK_INT(P.index, 2);
    CHECK_STR(P.why, "bad placeholder name: use letters, digits and _ in parts joined by dots, as "
                     "in {{patient.first_name}}");
    CHECK_STR(P.name, "");

    memset(&s, 0, sizeof s);
    in = "{{a}} {{b";
    CHECK_INT(fill_each(in, strlen(in), collect, &s, &P), FILL_ERR_SYNTAX);
    CHECK_INT(s.n, 1);
    CHECK_INT(P.offset, 6);
    CHECK_INT(P.index, 1);

    memset(&s, 0, sizeof s);
    CHECK_INT(fill_each("", 0, collect, &s, &P), FILL_OK);
    CHECK_INT(s.n, 0);
    CHECK_INT(fill_each("plain }} text \\{{", 17, collect, &s, NULL), FILL_OK);
    CHECK_INT(s.n, 0);
}

int main(void)
{
    A = arena_new();
    if (!A) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    test_substitution();
    test_escapes();
    test_syntax_errors();
    test_lookup_errors();
    test_buffers();
    test_each();
    arena_free(A);
    CHECK_DONE();
}
