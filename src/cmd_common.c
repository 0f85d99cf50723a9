/*
 * cmd_common.c — see cmd.h. Part of the front end, not the engine: the only place
 * besides the command files that prints.
 */
#include "cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int cli_report(const mp_err *e)
{
    mp_err copy = *e;
    /* Insert "error: " after the place, gcc-style. */
    char place[700] = "";
    if (copy.file[0] && copy.line > 0 && copy.col > 0)
        snprintf(place, sizeof place, "%s:%d:%d: ", copy.file, copy.line, copy.col);
    else if (copy.file[0] && copy.line > 0)
        snprintf(place, sizeof place, "%s:%d: ", copy.file, copy.line);
    else if (copy.file[0] && copy.row > 0)
        snprintf(place, sizeof place, "%s: row %ld: ", copy.file, copy.row);
    else if (copy.file[0])
        snprintf(place, sizeof place, "%s: ", copy.file);
    else
        snprintf(place, sizeof place, "medpacket: ");
    fprintf(stderr, "%serror: %s\n", place, copy.msg);
    return e->code ? e->code : EX_SOFTWARE;
}

int cli_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("medpacket: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int cli_clock(int64_t *now_unix, mp_date *today, mp_err *err)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (errno || *end || v < 0 || v > 32503680000LL)
            return err_set(err, EX_USAGE, NULL, 0, 0,
                           "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970");
        *now_unix = v;
        *today = date_from_unix(v);
        return 0;
    }
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    *now_unix = (int64_t)t;
    *today = (mp_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
    return 0;
}
