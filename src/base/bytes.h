/*
 * bytes.h — big-endian integers in byte arrays, as font tables (TrueType,
 * OpenType) store them. The caller checks that the bytes are there.
 */
#ifndef MP_BYTES_H
#define MP_BYTES_H

#include <stdint.h>

static inline unsigned bytes_be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static inline uint32_t bytes_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The low 16 bits of v. */
static inline void bytes_set_be16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static inline void bytes_set_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

#endif
