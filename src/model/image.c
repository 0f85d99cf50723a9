/*
 * image.c — see image.h. Only the headers are read here (PNG's IHDR, a
 * JPEG's SOF marker): enough to know the kind and the aspect ratio.
 */
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

static bool png_size(const unsigned char *d, size_t n, unsigned *w, unsigned *h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (n < 33 || memcmp(d, sig, 8) != 0 || memcmp(d + 12, "IHDR", 4) != 0)
        return false;
    unsigned long pw = be32(d + 16), ph = be32(d + 20);
    if (!pw || !ph || pw > 100000 || ph > 100000)
        return false;
    *w = (unsigned)pw;
    *h = (unsigned)ph;
    return true;
}

/* Walks the JPEG markers to the first start-of-frame. */
static bool jpeg_size(const unsigned char *d, size_t n, unsigned *w, unsigned *h)
{
    if (n < 4 || d[0] != 0xFF || d[1] != 0xD8)
        return false;
    size_t i = 2;
    while (i + 4 <= n) {
        if (d[i] != 0xFF)
            return false;
        unsigned m = d[i + 1];
        if (m == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7)) {
            i += 2;
            continue;
        }
        size_t len = be16(d + i + 2);
        if (len < 2 || i + 2 + len > n)
            return false;
        bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (sof) {
            if (len < 7)
                return false;
            *h = be16(d + i + 5);
            *w = be16(d + i + 7);
            return *w && *h;
        }
        i += 2 + len;
    }
    return false;
}

int image_load(const char *path, arena *a, layout_image *out, mp_err *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot open: %s", strerror(errno));
    /* Sized from the file, so that a 2 KB logo costs 2 KB, not the limit. */
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return err_set(err, EX_NOINPUT, path, 0, 0, "not a regular file");
    }
    if ((unsigned long long)st.st_size > IMAGE_MAX_BYTES) {
        fclose(f);
        return err_set(err, EX_DATAERR, path, 0, 0, "larger than 4 MiB");
    }
    size_t want = (size_t)st.st_size;
    unsigned char *buf = arena_alloc(a, want + 1);
    size_t n = buf ? fread(buf, 1, want + 1, f) : 0;
    bool bad_read = ferror(f);
    fclose(f);
    if (!buf)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (bad_read)
        return err_set(err, EX_IOERR, path, 0, 0, "cannot read the file");
    if (n > IMAGE_MAX_BYTES)
        return err_set(err, EX_DATAERR, path, 0, 0, "larger than 4 MiB");
    if (png_size(buf, n, &out->width_px, &out->height_px))
        out->png = true;
    else if (!jpeg_size(buf, n, &out->width_px, &out->height_px))
        return err_set(err, EX_DATAERR, path, 0, 0, "not a PNG or JPEG image");
    out->data = buf;
    out->len = n;
    return 0;
}
