/*
 * sha256.h — SHA-256 as lowercase hex (OpenSSL's EVP), the one way
 * medpacket prints a digest: a form's wording fingerprint, each PDF batch
 * writes.
 */
#ifndef MP_SHA256_H
#define MP_SHA256_H

#include <stddef.h>

/* The SHA-256 of data[0..len) as 64 lowercase hex digits and a NUL in out.
 * Returns 0, or -1 (out is then "") when OpenSSL fails. */
int sha256_hex(const void *data, size_t len, char out[65]);

#endif
