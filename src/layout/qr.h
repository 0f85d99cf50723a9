/*
 * qr.h — the booking QR code as a matrix of modules, through libqrencode.
 *
 * Pure: no drawing here. The PDF backend draws each dark module as a vector
 * square, leaving QR_QUIET_MODULES light modules on every side.
 */
#ifndef MP_QR_H
#define MP_QR_H

#include <stddef.h>

#include "err.h"

#define QR_QUIET_MODULES 4
/* Version 10 (57 x 57 modules) at error correction level M holds 213 bytes:
 * printed 3 cm wide a module is still half a millimetre, which office
 * printers and phone cameras handle. A longer URL is an error, not a denser code. */
#define QR_MAX_VERSION 10

typedef struct qr_code {
    int version;         /* 1-40 */
    int width;           /* modules per side, without the quiet zone */
    unsigned char *dark; /* width*width bytes, row-major from the top-left; 1 = dark */
} qr_code;

/* Encodes text (byte mode, level M) in the smallest version that holds it.
 * Text that needs a version above max_version is EX_DATAERR with a message
 * that gives its length and the limit. Free with qr_free(). */
int qr_encode(const char *text, int max_version, qr_code *out, mp_err *err);
void qr_free(qr_code *q);

/* Most bytes a code of max_version holds at level M in byte mode. */
size_t qr_capacity_bytes(int max_version);

#endif
