/*
 * cmd_common.c — see cmd.h. Part of the front end, not the engine: the only place
 * besides the command files that prints.
 */
#include "cmd.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "suggest.h"
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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

int cli_unknown_option(const char *cmd, const char *arg, const struct option *opts)
{
    /* "--pagesize=a4" is asked about as "pagesize". */
    char word[64] = "";
    if (arg && arg[0] == '-' && arg[1] == '-')
        snprintf(word, sizeof word, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    const char *names[64];
    size_t n = 0;
    for (; n < sizeof names / sizeof names[0] - 1 && opts[n].name; n++)
        names[n] = opts[n].name;
    names[n] = NULL;
    const char *hint = word[0] ? suggest_word(word, names) : NULL;
    if (hint)
        return cli_fail(EX_USAGE,
                        "%s: unknown option %s; did you mean --%s? (see medpacket %s --help)", cmd,
                        arg, hint, cmd);
    return cli_fail(EX_USAGE, "%s: unknown option %s (see medpacket %s --help)", cmd,
                    arg ? arg : "", cmd);
}

int(cli_fail)(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("medpacket: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int cli_parse_copies(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 99)
        return -1;
    *out = (int)v;
    return 0;
}

int cmd_check_overwrite(const char *path, bool force, mp_err *err)
{
    struct stat st;
    if (force || strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    return err_set(err, EX_CANTCREAT, path, 0, 0, "the file exists (--force replaces it)");
}
