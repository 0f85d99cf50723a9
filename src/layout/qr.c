/*
 * qr.c — the booking QR code as a module matrix, through libqrencode.
 *
 * The size limit is stated in bytes so that the error a clinic sees is
 * simple and true ("at most 213 bytes"), and it is checked before encoding.
 * libqrencode's QRcode_encodeString() splits text into numeric, alphanumeric
 * and byte segments. That can save a version (upper-case tokens) but its
 * heuristic can also cost several: a 213-byte URL ending in "1111/a1111/a..."
 * comes out as version 13 where plain byte mode needs 10, and about one
 * random mixed-case URL in twenty near a version's capacity grows by one. So
 * the segmented code is kept only when it is no larger than byte mode, and
 * byte mode is used otherwise: a text within the limit always fits.
 */
#include "qr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

/* Byte-mode capacity at level M, versions 1-40 (ISO/IEC 18004 table 7),
 * checked against libqrencode 4.1.1: the longest run of 'a' that encodes at
 * each version. */
static const unsigned short capacity_m[41] = {
    0,    14,   26,   42,   62,   84,   106,  122,  152,  180,  213,  251,  287,  331,
    362,  412,  450,  504,  560,  624,  666,  711,  779,  857,  911,  997,  1059, 1125,
    1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331,
};

size_t qr_capacity_bytes(int max_version)
{
    if (max_version < 1)
        return 0;
    if (max_version > 40)
        max_version = 40;
    return capacity_m[max_version];
}

/* The smallest version whose byte mode holds len bytes (len within v40). */
static int byte_mode_version(size_t len)
{
    int v = 1;
    while (capacity_m[v] < len)
        v++;
    return v;
}

int qr_encode(const char *text, int max_version, qr_code *out, mp_err *err)
{
    memset(out, 0, sizeof *out);
    if (max_version < 1 || max_version > 40)
        return err_set(err, EX_SOFTWARE, NULL, 0, 0, "QR version limit %d is not 1-40",
                       max_version);
    size_t len = strlen(text), cap = capacity_m[max_version];
    if (len == 0)
        return err_set(err, EX_DATAERR, NULL, 0, 0, "booking URL is empty");
    if (len > cap)
        return err_set(err, EX_DATAERR, NULL, 0, 0,
                       "booking URL is %zu bytes; a QR code holds at most %zu "
                       "(version %d, level M)",
                       len, cap, max_version);

    int need = byte_mode_version(len);
    errno = 0;
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q || q->version > need) {
        QRcode_free(q);
        errno = 0;
        q = QRcode_encodeData((int)len, (const unsigned char *)text, need, QR_ECLEVEL_M);
    }
    if (!q) {
        if (errno == ENOMEM)
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        return err_set(err, EX_SOFTWARE, NULL, 0, 0, "QR encoding failed: %s",
                       strerror(errno ? errno : EINVAL));
    }
    if (q->version > max_version || q->width != 17 + 4 * q->version) {
        /* Cannot happen by the capacity check; refuse rather than print it. */
        int v = q->version;
        QRcode_free(q);
        return err_set(err, EX_SOFTWARE, NULL, 0, 0, "QR encoder chose version %d for %zu bytes", v,
                       len);
    }

    size_t n = (size_t)q->width * (size_t)q->width;
    out->dark = malloc(n);
    if (!out->dark) {
        QRcode_free(q);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    /* libqrencode packs several facts per byte; bit 0 is the module colour. */
    for (size_t i = 0; i < n; i++)
        out->dark[i] = q->data[i] & 1;
    out->version = q->version;
    out->width = q->width;
    QRcode_free(q);
    return 0;
}

void qr_free(qr_code *q)
{
    if (!q)
        return;
    free(q->dark);
    memset(q, 0, sizeof *q);
}
