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
/* What a secret read from a file must have. */
#define SECRET_MIN_LEN 32
#define SECRET_MAX_LEN 256
#define SECRET_MIN_BITS 80.0

/* Reads the secret in path: one line (a final line end is dropped) of
 * printable ASCII without spaces, from a regular file that neither its group
 * nor others may read or change. `what` names the secret in messages
 * ("booking key", "token"), `maker` the command that makes a good one.
 * *out is a NUL-terminated copy in a. Errors (EX_NOINPUT: cannot open;
 * EX_IOERR; EX_CONFIG: not a regular file, others may read or change it,
 * empty, more than one line or other characters, or weak by
 * secret_weakness()). Messages name the file, never its content. */
int secret_read(const char *path, const char *what, const char *maker, arena *a, const char **out,
                size_t *out_len, mp_err *err);

/* A secret someone else made, such as a FHIR server's bearer token (often a
 * JWT, kilobytes long): read as secret_read reads, the same file checks, but
 * its strength is the issuer's business, so only its length is checked (1
 * to SECRET_GIVEN_MAX_LEN characters). */
#define SECRET_GIVEN_MAX_LEN 16384
int secret_read_given(const char *path, const char *what, arena *a, const char **out, mp_err *err);

/* An estimate of s's strength in bits: its length times the entropy of its
 * own characters (or of the steps between them, if that is lower: "abcd..."
 * and "0123..." step by one), counting a character that repeats an earlier
 * three-character sequence as nothing. It catches repeats, runs and small
 * alphabets, not words: a secret is meant to be random (secret_create), not
 * chosen. 32 random hex digits (128 bits) score about 115 (at least 88 in
 * 20,000 draws); 16 times "a" scores 0, "password" four times 28. */
double secret_bits(const char *s, size_t len);

/* Why s is too weak to be a secret ("it has fewer than 32 characters", "it
 * is too predictable (...)", "it has more than 256 characters"), or NULL. */
const char *secret_weakness(const char *s, size_t len);

/* Writes a new secret (SECRET_LEN characters of A-Z a-z 0-9 - _, and a line
 * end) to path, mode 0600, whole or not at all (outfile.h). An existing path
 * is an error (EX_CANTCREAT) unless force, and even then only a regular file
 * is replaced: never a device, a FIFO, or a file through a planted link. */
int secret_create(const char *path, bool force, mp_err *err);

#endif
