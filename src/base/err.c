/*
 * err.c — see err.h.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_clear(mp_err *e)
{
    memset(e, 0, sizeof *e);
}

int(err_set)(mp_err *e, int code, const char *file, int line, int col, const char *fmt, ...)
{
    if (!e)
        return code;
    e->code = code;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
    e->line = line;
    e->col = col;
    e->row = 0;
    e->where[0] = '\0';
    e->field[0] = '\0';
    e->errnum = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

void err_missing_field(mp_err *e, const char *name)
{
    if (!e)
        return;
    if (strncmp(name, "patient.", 8) == 0)
        name += 8;
    snprintf(e->field, sizeof e->field, "%s", strcmp(name, "name") == 0 ? "first_name" : name);
}

const char *err_row_place(const mp_err *e, char *buf, size_t n)
{
    if (e->where[0])
        return e->where;
    snprintf(buf, n, "row %ld", e->row);
    return buf;
}

void err_format(const mp_err *e, char *buf, size_t n)
{
    char row[32];
    if (e->file[0] && e->line > 0 && e->col > 0)
        snprintf(buf, n, "%s:%d:%d: %s", e->file, e->line, e->col, e->msg);
    else if (e->file[0] && e->line > 0)
        snprintf(buf, n, "%s:%d: %s", e->file, e->line, e->msg);
    else if (e->file[0] && e->row > 0)
        snprintf(buf, n, "%s: %s: %s", e->file, err_row_place(e, row, sizeof row), e->msg);
    else if (e->file[0])
        snprintf(buf, n, "%s: %s", e->file, e->msg);
    else
        snprintf(buf, n, "%s", e->msg);
}
