/*
 * cmd.h — what the command files share: printing an error value the one way
 * the tool prints errors, and checking and suggesting options. What a run
 * loads before its first patient is the engine's (prepare.h), not the
 * command line's.
 */
#ifndef MP_CLI_H
#define MP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "date.h"
#include "err.h"
#include "font.h"
#include "form.h"
#include "outfile.h"
#include "prepare.h"
#include "render.h"

/* Prints "file:line:col: error: message" (or the parts known) to stderr and
 * returns e->code, or EX_SOFTWARE when the code was not set. */
int cli_report(const mp_err *e);

/* Prints "medpacket: error: ..." and returns code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#ifdef __clang_analyzer__ /* it returns code: see err.h */
#define cli_fail(code, ...) err_returns_code(cli_fail((code), __VA_ARGS__), (code))
#endif

struct option;
/* "render: unknown option --pagesize; did you mean --page-size? (see
 * medpacket render --help)": EX_USAGE, with the closest of opts' long names
 * when one is close (suggest.h). arg is the option as typed. */
int cli_unknown_option(const char *cmd, const char *arg, const struct option *opts);

/* --copies N: 0 with *out set for 1..99 (a print job's copies), else -1. */
int cli_parse_copies(const char *s, int *out);

/* A regular file at path is never replaced unless force: a packet printed
 * for one patient must not silently overwrite another's. Returns 0 or
 * EX_CANTCREAT with *err set. Devices, FIFOs and "-" pass. */
int cmd_check_overwrite(const char *path, bool force, mp_err *err);

int cmd_render(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_newkey(int argc, char **argv);

#endif
