/*
 * pdfwrite.c — see pdfwrite.h.
 *
 * What libharu's writer does for each object (HPDF_Dict_Write and its
 * kin), from the same object model, with three differences: a stream's
 * /Length is written as a number in its dictionary rather than as an
 * object after it (the object libharu made for it is left out, a free
 * entry in the cross-reference stream); non-stream objects go into one
 * deflated object stream; and the cross-reference is a stream too. Streams
 * stay plain objects (an object stream may not hold them); their data is
 * as libharu or the caller left it, deflated beforehand where marked so
 * (pdffont_mark_deflated: its write_fn writes the /Filter).
 */
#include "pdfwrite.h"

#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

typedef struct writer {
    mp_buf *out;
    HPDF_Dict catalog;
    const pdfwrite_extra *x;
    HPDF_Stream scratch; /* for a dictionary's write_fn, which writes to a stream */
    pdfwrite_z *z;
    bool ok;
} writer;

/* An entry of the cross-reference stream: a plain object at an offset, a
 * compressed one at an index of the object stream, or a free number. */
enum { XREF_FREE = 0, XREF_PLAIN = 1, XREF_PACKED = 2, XREF_LEFT_OUT = 3 };

static void w_value(writer *w, void *obj);

uint32_t pdfwrite_num(const void *obj)
{
    return ((const HPDF_Obj_Header *)obj)->obj_id & 0x00FFFFFF;
}

uint32_t pdfwrite_next(HPDF_Doc pdf)
{
    return (uint32_t)pdf->xref->entries->count; /* entry 0 is the free head */
}

static bool regular_name_char(unsigned char c)
{
    return c > 0x20 && c < 0x7F && !strchr("#%()/<>[]{}", c);
}

void pdfwrite_uint(mp_buf *b, unsigned long long u)
{
    char s[24], *e = s + sizeof s, *p = e;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    buf_put(b, p, (size_t)(e - p));
}

void pdfwrite_ref(mp_buf *b, uint32_t num)
{
    pdfwrite_uint(b, num);
    buf_put(b, " 0 R", 4);
}

static void w_int(mp_buf *b, long long v)
{
    if (v < 0)
        buf_putc(b, '-');
    pdfwrite_uint(b, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);
}

static void w_name(mp_buf *b, const char *name)
{
    buf_putc(b, '/');
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (regular_name_char(*p))
            buf_putc(b, (char)*p);
        else
            buf_putf(b, "#%02X", *p);
    }
}

/* libharu's reals (page sizes, the logo's matrix) in at most four
 * decimals, trailing zeros dropped, by hand: printf's decimal point
 * follows the locale. */
static void w_real(mp_buf *b, double v)
{
    long long m = (long long)(v * 10000.0 + (v < 0 ? -0.5 : 0.5));
    if (m < 0)
        buf_putc(b, '-');
    unsigned long long u = m < 0 ? 0ull - (unsigned long long)m : (unsigned long long)m;
    pdfwrite_uint(b, u / 10000);
    unsigned frac = (unsigned)(u % 10000);
    if (frac) {
        char d[5];
        int n = 4;
        for (int i = 3; i >= 0; i--, frac /= 10)
            d[i] = (char)('0' + frac % 10);
        while (d[n - 1] == '0')
            n--;
        buf_putc(b, '.');
        buf_put(b, d, (size_t)n);
    }
}

static void w_string(mp_buf *b, const unsigned char *v, size_t n)
{
    buf_putc(b, '(');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = v[i];
        if (c == '(' || c == ')' || c == '\\')
            buf_putf(b, "\\%c", c);
        else if (c < 0x20 || c >= 0x7F)
            buf_putf(b, "\\%03o", c);
        else
            buf_putc(b, (char)c);
    }
    buf_putc(b, ')');
}

bool pdfwrite_is_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7F)
            return false;
    return true;
}

void pdfwrite_text(mp_buf *b, const char *s, size_t len)
{
    if (pdfwrite_is_ascii(s, len)) {
        w_string(b, (const unsigned char *)s, len);
        return;
    }
    static const char hex[] = "0123456789ABCDEF";
    mp_buf u;
    buf_init(&u, NULL);
    pdfwrite_utf16(&u, s, len);
    char *room = u.oom ? NULL : buf_room(b, 2 * u.len + 2);
    if (room) {
        size_t k = 0;
        room[k++] = '<';
        for (size_t i = 0; i < u.len; i++) {
            room[k++] = hex[(unsigned char)u.data[i] >> 4];
            room[k++] = hex[(unsigned char)u.data[i] & 15];
        }
        room[k++] = '>';
        buf_commit(b, k);
    } else {
        b->oom = true;
    }
    buf_free(&u);
}

void pdfwrite_utf16(mp_buf *b, const char *s, size_t len)
{
    buf_putc(b, (char)0xFE);
    buf_putc(b, (char)0xFF);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        i += k ? k : 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            unsigned hi = 0xD800 + (cp >> 10);
            buf_putc(b, (char)(hi >> 8));
            buf_putc(b, (char)(hi & 0xFF));
            cp = 0xDC00 + (cp & 0x3FF);
        }
        buf_putc(b, (char)(cp >> 8));
        buf_putc(b, (char)(cp & 0xFF));
    }
}

/* The bytes a libharu stream holds, appended to b. */
static bool stream_bytes(HPDF_Stream s, mp_buf *b)
{
    HPDF_UINT n = HPDF_Stream_Size(s);
    if (!n)
        return true;
    char *room = buf_room(b, n);
    HPDF_UINT got = n;
    if (!room || HPDF_Stream_Seek(s, 0, HPDF_SEEK_SET) != HPDF_OK ||
        HPDF_Stream_Read(s, (HPDF_BYTE *)room, &got) != HPDF_OK || got != n)
        return false;
    buf_commit(b, n);
    return true;
}

pdfwrite_z *pdfwrite_z_new(void)
{
    return libdeflate_alloc_compressor(PDFWRITE_DEFLATE_LEVEL);
}

void pdfwrite_z_free(pdfwrite_z *z)
{
    if (z)
        libdeflate_free_compressor(z);
}

bool pdfwrite_deflate(pdfwrite_z *z, const void *in, size_t n, mp_buf *out)
{
    size_t bound = libdeflate_zlib_compress_bound(z, n);
    char *room = buf_room(out, bound);
    size_t got = room ? libdeflate_zlib_compress(z, in, n, room, bound) : 0;
    if (!got)
        return false; /* out of memory: the bound always fits */
    buf_commit(out, got);
    return true;
}

static void w_stream(writer *w, HPDF_Dict d)
{
    mp_buf data, z;
    buf_init(&data, NULL);
    buf_init(&z, NULL);
    if (!stream_bytes(d->stream, &data))
        w->ok = false;
    const char *bytes = data.data;
    size_t len = data.len;
    /* Only libharu's own streams get here undeflated (the page's operators
     * that draw the logo, a few dozen bytes: not worth a deflate) and the
     * XMP metadata, which stays readable as XMP asks. */
    if ((d->filter & HPDF_STREAM_FILTER_FLATE_DECODE) && len >= 512) {
        if (!pdfwrite_deflate(w->z, data.data, len, &z))
            w->ok = false;
        bytes = z.data;
        len = z.len;
        buf_puts(w->out, "/Filter/FlateDecode");
        if (d->filterParams) {
            buf_puts(w->out, "/DecodeParms[");
            w_value(w, d->filterParams);
            buf_putc(w->out, ']');
        }
    } else if (d->filter & HPDF_STREAM_FILTER_DCT_DECODE) {
        buf_puts(w->out, "/Filter/DCTDecode");
    }
    buf_puts(w->out, "/Length ");
    pdfwrite_uint(w->out, len);
    buf_puts(w->out, ">>\nstream\r\n");
    if (w->ok && len)
        buf_put(w->out, bytes, len);
    buf_puts(w->out, "\nendstream");
    buf_free(&z);
    buf_free(&data);
}

static void w_dict(writer *w, HPDF_Dict d)
{
    if (d->before_write_fn && d->before_write_fn(d) != HPDF_OK) {
        w->ok = false;
        return;
    }
    buf_puts(w->out, "<<");
    for (HPDF_UINT i = 0; i < d->list->count; i++) {
        HPDF_DictElement el = HPDF_List_ItemAt(d->list, i);
        HPDF_Obj_Header *h = el->value;
        if (!h || (h->obj_id & HPDF_OTYPE_HIDDEN))
            continue;
        /* A stream's /Length and /Filter are written by w_stream. */
        if (d->stream && (strcmp(el->key, "Length") == 0 || strcmp(el->key, "Filter") == 0))
            continue;
        w_name(w->out, el->key);
        buf_putc(w->out, ' ');
        w_value(w, el->value);
    }
    if (d->write_fn) {
        HPDF_Stream_Seek(w->scratch, 0, HPDF_SEEK_SET);
        HPDF_MemStream_FreeData(w->scratch);
        if (d->write_fn(d, w->scratch) != HPDF_OK || !stream_bytes(w->scratch, w->out))
            w->ok = false;
    }
    if (d == w->catalog && w->x && w->x->catalog)
        buf_put(w->out, w->x->catalog, w->x->catalog_len);
    if (d->stream)
        w_stream(w, d);
    else
        buf_puts(w->out, ">>");
    if (d->after_write_fn && d->after_write_fn(d) != HPDF_OK)
        w->ok = false;
}

static void w_value(writer *w, void *obj)
{
    HPDF_Obj_Header *h = obj;
    mp_buf *b = w->out;
    switch (h->obj_class & HPDF_OCLASS_ANY) {
    case HPDF_OCLASS_PROXY:
        pdfwrite_ref(b, pdfwrite_num(((HPDF_Proxy)obj)->obj));
        break;
    case HPDF_OCLASS_NULL:
        buf_puts(b, "null");
        break;
    case HPDF_OCLASS_BOOLEAN:
        buf_puts(b, ((HPDF_Boolean)obj)->value ? "true" : "false");
        break;
    case HPDF_OCLASS_NUMBER:
        w_int(b, ((HPDF_Number)obj)->value);
        break;
    case HPDF_OCLASS_REAL:
        w_real(b, ((HPDF_Real)obj)->value);
        break;
    case HPDF_OCLASS_NAME:
        w_name(b, ((HPDF_Name)obj)->value);
        break;
    case HPDF_OCLASS_STRING:
        w_string(b, ((HPDF_String)obj)->value, ((HPDF_String)obj)->len);
        break;
    case HPDF_OCLASS_BINARY: {
        HPDF_Binary bin = obj;
        static const char hex[] = "0123456789ABCDEF";
        char *room = buf_room(b, 2 * (size_t)bin->len + 2);
        if (!room) {
            w->ok = false;
            break;
        }
        size_t k = 0;
        room[k++] = '<';
        for (HPDF_UINT i = 0; i < bin->len; i++) {
            room[k++] = hex[bin->value[i] >> 4];
            room[k++] = hex[bin->value[i] & 15];
        }
        room[k++] = '>';
        buf_commit(b, k);
        break;
    }
    case HPDF_OCLASS_ARRAY: {
        HPDF_Array arr = obj;
        buf_putc(b, '[');
        for (HPDF_UINT i = 0; i < arr->list->count; i++) {
            if (i)
                buf_putc(b, ' ');
            w_value(w, HPDF_List_ItemAt(arr->list, i));
        }
        buf_putc(b, ']');
        break;
    }
    case HPDF_OCLASS_DICT:
        w_dict(w, obj);
        break;
    default:
        w->ok = false; /* a class libharu 2.3.0 does not have */
    }
}

static void put_be(mp_buf *b, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        buf_putc(b, (char)(v >> (8 * i) & 0xFF));
}

static bool is_stream(const HPDF_Obj_Header *h)
{
    return (h->obj_class & HPDF_OCLASS_ANY) == HPDF_OCLASS_DICT && ((HPDF_Dict)h)->stream;
}

bool pdfwrite(HPDF_Doc pdf, const pdfwrite_extra *x, pdfwrite_z *zc, mp_buf *out)
{
    HPDF_List list = pdf->xref->entries;
    size_t count = list->count, nx = x ? x->n : 0;
    /* Numbers: libharu's 1..count-1, the extra objects, the object
     * stream, the cross-reference stream. */
    size_t total = count + nx + 2;
    uint32_t *where = calloc(total, sizeof *where);
    unsigned char *kind = calloc(total, 1);
    mp_buf head, body, z;
    buf_init(&head, NULL);
    buf_init(&body, NULL);
    buf_init(&z, NULL);
    writer w = {.out = out,
                .catalog = pdf->catalog,
                .x = x,
                .scratch = HPDF_MemStream_New(pdf->mmgr, 256),
                .z = zc,
                .ok = true};
    bool ok = where && kind && w.scratch && zc;
    buf_puts(out, "%PDF-1.5\n%\xE2\xE3\xCF\xD3\n");
    /* Streams first, as plain objects; the objects libharu made for their
     * lengths are not written (their numbers stay free). */
    for (size_t i = 1; ok && i < count; i++) {
        HPDF_XrefEntry e = HPDF_List_ItemAt(list, (HPDF_UINT)i);
        if (!is_stream(e->obj))
            continue;
        HPDF_Dict d = e->obj;
        HPDF_Obj_Header *len = HPDF_Dict_GetItem(d, "Length", HPDF_OCLASS_NUMBER);
        if (len && (len->obj_id & HPDF_OTYPE_INDIRECT) && pdfwrite_num(len) < count)
            kind[pdfwrite_num(len)] = XREF_LEFT_OUT;
        kind[i] = XREF_PLAIN;
        where[i] = (uint32_t)out->len;
        pdfwrite_uint(out, i);
        buf_puts(out, " 0 obj\n");
        w_dict(&w, d);
        buf_puts(out, "\nendobj\n");
        ok = w.ok;
    }
    /* Everything else into the object stream: "num offset" pairs, then
     * the objects. */
    uint32_t n = 0;
    uint32_t *index = ok ? calloc(total, sizeof *index) : NULL;
    ok = ok && index;
    w.out = &body;
    for (size_t i = 1; ok && i < count + nx; i++) {
        if (i < count && kind[i])
            continue;
        pdfwrite_uint(&head, i);
        buf_putc(&head, ' ');
        pdfwrite_uint(&head, body.len);
        buf_putc(&head, ' ');
        if (i < count) {
            w_value(&w, ((HPDF_XrefEntry)HPDF_List_ItemAt(list, (HPDF_UINT)i))->obj);
        } else {
            size_t k = i - count, end = k + 1 < nx ? x->at[k + 1] : x->len;
            buf_put(&body, x->body + x->at[k], end - x->at[k]);
        }
        buf_putc(&body, '\n');
        kind[i] = XREF_PACKED;
        index[i] = n++;
        ok = w.ok;
    }
    w.out = out;
    size_t objstm = count + nx, xref = objstm + 1;
    if (ok) {
        /* One deflate over both parts: the header goes first. */
        size_t first = head.len;
        buf_put(&head, body.data, body.len);
        ok = !head.oom && !body.oom && pdfwrite_deflate(zc, head.data, head.len, &z);
        where[objstm] = (uint32_t)out->len;
        kind[objstm] = XREF_PLAIN;
        buf_putf(out,
                 "%zu 0 obj\n<</Type/ObjStm/N %u/First %zu/Filter/FlateDecode/Length %zu>>\n"
                 "stream\n",
                 objstm, (unsigned)n, first, z.len);
        buf_put(out, z.data, z.len);
        buf_puts(out, "\nendstream\nendobj\n");
    }
    /* The cross-reference stream: type, then offset or object stream, then
     * generation or index, each field as wide as its largest value needs.
     * Not deflated: narrow fields keep it small (some 700 bytes for a
     * consent, twice its deflated size), and a deflate's setup would cost
     * more than the writer spends on it otherwise. */
    mp_buf xs;
    buf_init(&xs, NULL);
    if (ok) {
        where[xref] = (uint32_t)out->len;
        kind[xref] = XREF_PLAIN;
    }
    int w2 = 1, w3 = 1;
    while (w2 < 4 && (uint64_t)out->len >> (8 * w2))
        w2++;
    while (w3 < 2 && n >> (8 * w3))
        w3++;
    for (size_t i = 0; ok && i <= xref; i++) {
        if (kind[i] == XREF_PLAIN) {
            put_be(&xs, 1, 1), put_be(&xs, where[i], w2), put_be(&xs, 0, w3);
        } else if (kind[i] == XREF_PACKED) {
            put_be(&xs, 2, 1), put_be(&xs, objstm, w2), put_be(&xs, index[i], w3);
        } else {
            /* Free (a length left out); entry 0 heads the list with the
             * largest generation, as in a classic table. */
            put_be(&xs, 0, 1), put_be(&xs, 0, w2), put_be(&xs, i ? 0 : 0xFFFF, w3);
        }
    }
    ok = ok && !xs.oom;
    if (ok) {
        buf_putf(out, "%zu 0 obj\n<</Type/XRef/Size %zu/W[1 %d %d]/Root %u 0 R", xref, xref + 1, w2,
                 w3, (unsigned)pdfwrite_num(pdf->catalog));
        if (pdf->info)
            buf_putf(out, "/Info %u 0 R", (unsigned)pdfwrite_num(pdf->info));
        buf_putf(out, "/Length %zu>>\nstream\n", xs.len);
        buf_put(out, xs.data, xs.len);
        buf_putf(out, "\nendstream\nendobj\nstartxref\n%u\n%%%%EOF\n", where[xref]);
    }
    buf_free(&xs);
    buf_free(&z);
    buf_free(&head);
    buf_free(&body);
    free(where);
    free(index);
    free(kind);
    if (w.scratch)
        HPDF_Stream_Free(w.scratch);
    return ok && !out->oom && (uint64_t)out->len < UINT32_MAX;
}
