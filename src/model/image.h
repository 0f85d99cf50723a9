/*
 * image.h — the clinic's logo: a PNG or JPEG file, checked when the clinic
 * settings load (so that a missing or broken logo is an error naming the
 * file, before any patient is rendered), kept as its bytes for the PDF
 * backend to decode.
 */
#ifndef MP_IMAGE_H
#define MP_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "err.h"

#define IMAGE_MAX_BYTES (4u << 20)

/* An image (the clinic's logo), kept as its file's bytes: the backend
 * decodes it. width_px and height_px give its aspect ratio. The layout
 * places it as it is (layout.h). */
typedef struct layout_image {
    const unsigned char *data;
    size_t len;
    bool png; /* else JPEG */
    unsigned width_px, height_px;
} layout_image;

/* Reads path into out (bytes in a). Errors, with short messages the caller
 * places: EX_NOINPUT ("cannot open: ..."), EX_DATAERR ("not a PNG or JPEG
 * image", "larger than 4 MiB"), EX_IOERR. */
int image_load(const char *path, arena *a, layout_image *out, mp_err *err);

#endif
