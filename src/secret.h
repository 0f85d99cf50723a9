/*
 * secret.h — secrets kept in files of their own: the clinic's booking key
 * (booking_key_file: in clinic.yaml) and the front desk page's access token
 * (serve --token-file).
 *
 * A secret written into a settings file travels with the forms, into version
 * control and to everyone who can read them; the shipped example once held a
 * booking key that anyone could use to turn every QR code's reference back
 * into a record number. So a secret lives alone in a file that only its owner
 * may read, made by secret_create() from the kernel's random bytes.
 */
#ifndef MP_SECRET_H
#define MP_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "err.h"

/* What secret_create() writes: 32 random bytes as base64url, 43 characters. */
#define SECRET_LEN 43
/* What a secret read from a file must have at least. */
#define SECRET_MIN_LEN 32
#define SECRET_MIN_DISTINCT 10
#define SECRET_MAX_LEN 256

/* Reads the secret in path: one line (a final line end is dropped) of
 * printable ASCII without spaces, from a regular file that neither its group
 * nor others may read. `what` names the secret in messages ("booking key").
 * *out is a NUL-terminated copy in a. Errors (EX_NOINPUT: cannot open;
 * EX_CONFIG: the file is not a regular file, may be read by others, is
 * empty, too long, holds more than one line or other characters, or is weak
 * by secret_weakness()). Messages name the file, never its content. */
int secret_read(const char *path, const char *what, arena *a, const char **out, size_t *out_len,
                mp_err *err);

/* Why s is too weak to be a secret (fewer than SECRET_MIN_LEN characters,
 * or fewer than SECRET_MIN_DISTINCT different ones: "aaaa..." is no
 * secret), or NULL. */
const char *secret_weakness(const char *s, size_t len);

/* Writes a new secret (SECRET_LEN characters and a line end) to path, mode
 * 0600, whole or not at all. An existing path is an error (EX_CANTCREAT)
 * unless force, and even then only a regular file is replaced. */
int secret_create(const char *path, bool force, mp_err *err);

#endif
