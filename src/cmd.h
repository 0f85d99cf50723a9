/*
 * cmd.h — what the command files share: printing an error value the one way
 * the tool prints errors, and the run-wide settings every command reads the
 * same way (SOURCE_DATE_EPOCH, page size).
 */
#ifndef MP_CLI_H
#define MP_CLI_H

#include <stdint.h>

#include "date.h"
#include "err.h"

/* Prints "file:line:col: error: message" (or the parts known) to stderr and
 * returns e->code, or EX_SOFTWARE when the code was not set. */
int cli_report(const mp_err *e);

/* Prints "medpacket: error: ..." and returns code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The run's clock: SOURCE_DATE_EPOCH when set (then {{today}} is its UTC date,
 * so that builds are reproducible), else now and the local date. */
int cli_clock(int64_t *now_unix, mp_date *today, mp_err *err);

int cmd_render(int argc, char **argv);

#endif
