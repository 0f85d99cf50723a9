/*
 * pdfwrite.h — writes a document libharu holds as a PDF 1.5 file: stream
 * objects as they are, every other object compressed into one object
 * stream, and a cross-reference stream.
 *
 * Why not libharu's own writer: a tagged PDF has one object per structure
 * element, some two hundred for a consent, and libharu writes each as a
 * plain "N 0 obj" with a 20-byte cross-reference entry, nearly doubling
 * the file; an object stream deflates them together (ISO 32000-1, 7.5.7).
 * Writing straight from libharu's object model into one buffer is also
 * faster than libharu's writer, which goes through a stream object and a
 * call for every few bytes.
 *
 * The caller may add objects libharu does not hold (pdftag's structure
 * tree): they are numbered after libharu's, from pdfwrite_next(), and go
 * into the object stream; the catalog may get entries that refer to them.
 */
#ifndef MP_PDFWRITE_H
#define MP_PDFWRITE_H

#include <hpdf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct pdfwrite_extra {
    const char *body; /* the objects' bytes, one after another (no "obj") */
    size_t len;
    const uint32_t *at;  /* object i starts at body + at[i] */
    size_t n;            /* object i is numbered pdfwrite_next() + i */
    const char *catalog; /* more of the catalog dictionary ("/StructTreeRoot 9 0 R"), or NULL */
    size_t catalog_len;
} pdfwrite_extra;

/* A deflater for one document's streams (libdeflate's compressor, made
 * once per document: making one costs less than a page's deflate). */
typedef struct libdeflate_compressor pdfwrite_z;
#define PDFWRITE_DEFLATE_LEVEL 3
pdfwrite_z *pdfwrite_z_new(void);
void pdfwrite_z_free(pdfwrite_z *z);

/* in[0..n) deflated (zlib format, for /FlateDecode) and appended to out;
 * false when out of memory. */
bool pdfwrite_deflate(pdfwrite_z *z, const void *in, size_t n, mp_buf *out);

/* The number the first extra object takes: the next after libharu's. */
uint32_t pdfwrite_next(HPDF_Doc pdf);

/* pdf (and x, when not NULL) as a PDF 1.5 file appended to out. False when
 * out of memory or libharu's objects hold what this writer does not know
 * (then out holds no usable file). z deflates the object stream.
 * Deterministic: the same objects give
 * the same bytes. */
bool pdfwrite(HPDF_Doc pdf, const pdfwrite_extra *x, pdfwrite_z *z, mp_buf *out);

/* True when s[0..len) is printable ASCII: a PDF string as it is. */
bool pdfwrite_is_ascii(const char *s, size_t len);

/* s[0..len) (UTF-8) as a PDF text string: "(...)" when it is printable
 * ASCII, else UTF-16BE with a byte order mark, "<FEFF...>". */
void pdfwrite_text(mp_buf *b, const char *s, size_t len);

/* s[0..len) (UTF-8) as the bytes of a UTF-16BE text string, byte order
 * mark first. */
void pdfwrite_utf16(mp_buf *b, const char *s, size_t len);

/* u in decimal: printf costs a tenth of a tagged consent's time. */
void pdfwrite_uint(mp_buf *b, unsigned long long u);

/* "N 0 R". */
void pdfwrite_ref(mp_buf *b, uint32_t num);

/* The object number libharu gave obj (a page, an annotation). */
uint32_t pdfwrite_num(const void *obj);

#endif
