/*
 * fuzz_fill.c — libFuzzer harness for the placeholder engine (fill.c).
 *
 * The input is form text. It is expanded three ways, and the ways must agree
 * with each other and with the syntax in fill.h:
 *   - fill_each lists the names;
 *   - fill_text with a lookup that knows every name (each value is the name
 *     in brackets) must succeed exactly when fill_each does, call the lookup
 *     for the same names in the same order, and leave text without "{{" as is;
 *   - fill_text with a lookup whose answer depends on the name's first letter
 *     (u: unknown, m: missing, i: invalid, e: an empty value, n: FOUND with a
 *     NULL value, x: a value that itself holds "{{") must report a failing
 *     name at a "{{" of the input, and never expand a value's own braces.
 * A disagreement is an abort(), which libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fill.h"

#define MAX_NAMES 4096

typedef struct seen {
    size_t n;
    size_t offset[MAX_NAMES];
    size_t len[MAX_NAMES];
    const char *name[MAX_NAMES];
} seen;

static void each(void *ctx, const char *name, size_t name_len, size_t offset)
{
    seen *s = ctx;
    if (s->n < MAX_NAMES) {
        s->name[s->n] = name;
        s->len[s->n] = name_len;
        s->offset[s->n] = offset;
    }
    s->n++;
}

typedef struct known {
    seen *want; /* the names fill_each listed */
    size_t calls;
    char value[200]; /* "[name]" */
} known;

static fill_status lookup_known(void *ctx, const char *name, size_t name_len, const char **value,
                                size_t *value_len, const char **why)
{
    known *k = ctx;
    (void)why;
    if (name_len == 0 || name_len > 127)
        abort(); /* fill.h: names are 1 to 127 bytes */
    for (size_t i = 0; i < name_len; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.'))
            abort();
    }
    size_t i = k->calls++;
    if (i < MAX_NAMES && i < k->want->n &&
        (k->want->len[i] != name_len || memcmp(k->want->name[i], name, name_len) != 0))
        abort(); /* fill_text and fill_each disagree about a name */
    k->value[0] = '[';
    memcpy(k->value + 1, name, name_len);
    k->value[name_len + 1] = ']';
    *value = k->value;
    *value_len = name_len + 2;
    return FILL_FOUND;
}

static fill_status lookup_mixed(void *ctx, const char *name, size_t name_len, const char **value,
                                size_t *value_len, const char **why)
{
    (void)ctx;
    (void)name_len;
    switch (name[0]) {
    case 'u':
        return FILL_UNKNOWN;
    case 'm':
        return FILL_MISSING;
    case 'i':
        if (name_len > 1 && name[1] == 'w')
            *why = "not a date";
        return FILL_INVALID;
    case 'e':
        *value = "";
        *value_len = 0;
        return FILL_FOUND;
    case 'n':
        *value = NULL;
        *value_len = name_len; /* a lookup bug fill_text must refuse */
        return FILL_FOUND;
    case 'x':
        *value = "{{x}} \\{{ {{";
        *value_len = 12;
        return FILL_FOUND;
    default:
        *value = "Jos\xC3\xA9";
        *value_len = 5;
        return FILL_FOUND;
    }
}

static bool has_open(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '{' && s[i + 1] == '{')
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    arena *a = arena_new();
    if (!a)
        return 0;

    static seen names;
    names.n = 0;
    fill_problem pe;
    fill_result re = fill_each(in, size, each, &names, &pe);
    if (re != FILL_OK && re != FILL_ERR_SYNTAX)
        abort();
    if (re == FILL_ERR_SYNTAX && (pe.offset + 2 > size || in[pe.offset] != '{' ||
                                  in[pe.offset + 1] != '{' || !pe.why || pe.index != names.n))
        abort();
    for (size_t i = 0; i < names.n && i < MAX_NAMES; i++)
        if (names.offset[i] + 2 > size || in[names.offset[i]] != '{' ||
            (i && names.offset[i] <= names.offset[i - 1]))
            abort();

    static known k;
    k.want = &names;
    k.calls = 0;
    char *out = NULL;
    size_t out_len = 0;
    fill_problem pk;
    fill_result rk = fill_text(in, size, lookup_known, &k, a, &out, &out_len, &pk);
    if (rk != re || k.calls != names.n)
        abort();
    if (rk == FILL_ERR_SYNTAX && pk.offset != pe.offset)
        abort();
    if (rk == FILL_OK) {
        if (!out || out[out_len] != '\0')
            abort();
        if (!has_open(in, size) && (out_len != size || memcmp(out, in, size) != 0))
            abort();
    }

    char *mix = NULL;
    size_t mix_len = 0;
    fill_problem pm;
    fill_result rm = fill_text(in, size, lookup_mixed, NULL, a, &mix, &mix_len, &pm);
    if (rm == FILL_OK) {
        if (!mix || mix[mix_len] != '\0' || re != FILL_OK)
            abort();
    } else {
        if (mix || pm.result != rm)
            abort();
        if (rm == FILL_ERR_LOOKUP) {
            if (pm.offset + 2 > size || in[pm.offset] != '{' || !pm.why || pm.index >= names.n)
                abort();
            if (pm.index < MAX_NAMES &&
                (pm.offset != names.offset[pm.index] || strlen(pm.name) != names.len[pm.index] ||
                 memcmp(pm.name, names.name[pm.index], names.len[pm.index]) != 0))
                abort();
            if (pm.status != FILL_UNKNOWN && pm.status != FILL_MISSING && pm.status != FILL_INVALID)
                abort();
        } else if (rm != FILL_ERR_SYNTAX || re != FILL_ERR_SYNTAX) {
            abort();
        }
    }
    arena_free(a);
    return 0;
}
