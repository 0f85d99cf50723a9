/*
 * outname.c — see outname.h.
 */
#include "outname.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

const char *outname_check(const char *pattern)
{
    for (const char *p = pattern; *p; p++) {
        if (*p == '/')
            return "a name pattern makes file names, not paths: no \"/\"";
        if (*p == '}')
            return "\"}\" without \"{\"";
        if (*p != '{')
            continue;
        const char *end = strchr(p, '}');
        if (!end)
            return "\"{\" without \"}\"";
        if (end == p + 1)
            return "empty field {}";
        for (const char *q = p + 1; q < end; q++)
            if (!name_char(*q))
                return "field names are a-z, 0-9 and _";
        p = end;
    }
    if (!*pattern)
        return "the name pattern is empty";
    return NULL;
}

const char *outname_unknown_field(const char *pattern, bool (*has)(void *ctx, const char *name),
                                  void *ctx, char *buf, size_t n)
{
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        if (!end)
            break;
        snprintf(buf, n, "%.*s", (int)(end - p - 1), p + 1);
        if (strcmp(buf, "row") != 0 && !has(ctx, buf))
            return buf;
    }
    return NULL;
}

/* Appends s[0..n) to out, made safe; *o is the length so far. */
static void append_safe(char *out, size_t *o, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && *o < OUTNAME_MAX) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) { /* invalid UTF-8 */
            out[(*o)++] = '_';
            i++;
            continue;
        }
        if (cp < 0x20 || cp == 0x7F || cp == '/' || cp == '\\' || (cp >= 0x80 && cp < 0xA0)) {
            out[(*o)++] = '_';
        } else {
            if (*o + k > OUTNAME_MAX)
                break; /* never cut a character in half */
            memcpy(out + *o, s + i, k);
            *o += k;
        }
        i += k;
    }
}

const char *outname_make(const char *pattern, const patient *p, long row, char *buf, char *why_buf,
                         size_t why_size)
{
    char raw[OUTNAME_MAX * 2 + 8];
    size_t o = 0;
    for (const char *s = pattern; *s && o < OUTNAME_MAX;) {
        if (*s != '{') {
            const char *next = strchr(s, '{');
            size_t n = next ? (size_t)(next - s) : strlen(s);
            append_safe(raw, &o, s, n);
            s += n;
            continue;
        }
        const char *end = strchr(s, '}');
        size_t n = (size_t)(end - s - 1);
        if (n == 3 && memcmp(s + 1, "row", 3) == 0) {
            char num[24];
            int k = snprintf(num, sizeof num, "%ld", row);
            append_safe(raw, &o, num, (size_t)k);
        } else {
            const mp_text *v = patient_get(p, s + 1, n);
            if (!v) {
                snprintf(why_buf, why_size,
                         "the file name pattern uses {%.*s}, and this row has no %.*s", (int)n,
                         s + 1, (int)n, s + 1);
                return why_buf;
            }
            append_safe(raw, &o, v->s, v->len);
        }
        s = end + 1;
    }
    raw[o] = '\0';
    /* No hidden files, no "." or "..": drop leading dots and spaces;
     * trailing ones confuse other systems' file dialogs. */
    const char *start = raw;
    while (*start == '.' || *start == ' ')
        start++;
    size_t len = strlen(start);
    while (len && (start[len - 1] == ' ' || start[len - 1] == '.'))
        len--;
    bool pdf = len >= 4 && strcmp(start + len - 4, ".pdf") == 0;
    if (len == 0 || (pdf && len == 4) || start[0] == '.') {
        snprintf(buf, OUTNAME_MAX + 1, "row-%ld.pdf", row);
        return NULL;
    }
    memcpy(buf, start, len);
    buf[len] = '\0';
    if (!pdf && len + 4 <= OUTNAME_MAX) {
        memcpy(buf + len, ".pdf", 5);
    } else if (!pdf) { /* cut to make room for the ending, at a character boundary */
        size_t cut = OUTNAME_MAX - 4;
        while (cut > 0 && ((unsigned char)buf[cut] & 0xC0) == 0x80)
            cut--;
        memcpy(buf + cut, ".pdf", 5);
    }
    return NULL;
}

void outname_suffix(char *buf, unsigned n)
{
    char ext[8] = "";
    size_t len = strlen(buf);
    if (len >= 4 && strcmp(buf + len - 4, ".pdf") == 0) {
        memcpy(ext, ".pdf", 5);
        len -= 4;
    }
    char suffix[16];
    int k = snprintf(suffix, sizeof suffix, "-%u", n);
    size_t room = OUTNAME_MAX - strlen(ext) - (size_t)k;
    if (len > room) {
        len = room;
        while (len > 0 && ((unsigned char)buf[len] & 0xC0) == 0x80)
            len--;
    }
    snprintf(buf + len, OUTNAME_MAX + 1 - len, "%s%s", suffix, ext);
}
