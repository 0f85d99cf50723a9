/*
 * fhirdoc.c — see fhirdoc.h; docs/fhir.md maps each element and cites
 * the codes.
 *
 * The codes (LOINC, as FHIR R4's value set of document type codes,
 * http://hl7.org/fhir/ValueSet/c80-doc-typecodes, lists them and their
 * displays): a consent packet is typed 64293-4 "Procedure consent" (a
 * medpacket consent must have a procedure: block, `medpacket check`) and
 * classed 59284-0 "Patient Consent", LOINC's consent document at its most
 * general; patient education is 34895-3 "Education note", which is already
 * the most general code of its kind, for both.
 */
#include "fhirdoc.h"

#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "sha256.h"

#define LOINC "http://loinc.org"
#define V2_0203 "http://terminology.hl7.org/CodeSystem/v2-0203"
#define RFC3986 "urn:ietf:rfc:3986"

fhirdoc_kind fhirdoc_kind_of(const packet *p)
{
    for (size_t i = 0; i < p->nentries; i++)
        if (p->entries[i].form->kind == FORM_CONSENT)
            return FHIRDOC_CONSENT;
    return FHIRDOC_EDUCATION;
}

const char *fhirdoc_subject_problem(const patient *p)
{
    if (p->fhir.patient_ref || patient_get(p, "mrn", 3))
        return NULL;
    return "a DocumentReference names its patient by a FHIR Patient id or a record number "
           "(mrn), and this patient has neither";
}

/* ---- digests and identifiers ---------------------------------------------- */

static int digest(const EVP_MD *md, const void *bytes, size_t len, unsigned char *out,
                  unsigned want)
{
    unsigned n = 0;
    return EVP_Digest(bytes, len, out, &n, md, NULL) && n == want ? 0 : -1;
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The 16 bytes of a UUID written as 36 characters (hex and dashes). */
static void hex_bytes(const char *uuid, unsigned char out[16])
{
    for (int i = 0; i < 16;) {
        if (*uuid == '-') {
            uuid++;
            continue;
        }
        out[i++] = (unsigned char)(hex_value(uuid[0]) * 16 + hex_value(uuid[1]));
        uuid += 2;
    }
}

/* RFC 9562 5.5: SHA-1 of the namespace's 16 bytes and the name, its first
 * 16 bytes with the version (5) and the variant (10) set. */
static int uuid5(const char *name, size_t n, char out[37])
{
    unsigned char ns[16], md[EVP_MAX_MD_SIZE];
    hex_bytes(FHIRDOC_UUID_NAMESPACE, ns);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned len = 0;
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
              EVP_DigestUpdate(ctx, ns, sizeof ns) && EVP_DigestUpdate(ctx, name, n) &&
              EVP_DigestFinal_ex(ctx, md, &len) && len == 20;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return -1;
    md[6] = (unsigned char)((md[6] & 0x0F) | 0x50);
    md[8] = (unsigned char)((md[8] & 0x3F) | 0x80);
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[md[i] >> 4];
        *p++ = hex[md[i] & 15];
    }
    *p = '\0';
    return 0;
}

int fhirdoc_uuid(const char *sha256_hex, char out[37])
{
    return uuid5(sha256_hex, 64, out);
}

int fhirdoc_sha1_base64(const unsigned char *bytes, size_t len, char out[29])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    if (digest(EVP_sha1(), bytes, len, md, 20))
        return -1;
    return EVP_EncodeBlock((unsigned char *)out, md, 20) == 28 ? 0 : -1;
}

/* The placeholder of attachment.data and Binary.data while jansson writes a
 * resource; the PDF's base64 takes its place afterwards (splice). jansson
 * reads every character of a string for what to escape: the PDF's tens of
 * thousands were three quarters of what --fhir-out cost a row, and base64
 * has nothing to escape. Every other byte of the text is jansson's. */
#define DATA_MARK "medpacket-pdf-base64"

/* text (jansson's, freed) with the PDF's base64 in place of the one
 * "data": DATA_MARK member, into *out (malloc'd). Only a key of ours is
 * "data", and a string jansson writes holds no unescaped quote, so the
 * member is found in text, and nowhere else. -1 when out of memory or too
 * large for OpenSSL's int. */
static int splice(char *text, const unsigned char *pdf, size_t len, char **out, size_t *out_len)
{
    static const char *const members[] = {"\"data\":\"" DATA_MARK "\"",
                                          "\"data\": \"" DATA_MARK "\""};
    const size_t mark = sizeof DATA_MARK - 1;
    char *at = NULL;
    for (size_t i = 0; !at && i < 2; i++)
        if ((at = strstr(text, members[i])))
            at += strlen(members[i]) - mark - 1; /* the mark itself */
    size_t n = strlen(text), b64 = (len + 2) / 3 * 4;
    char *o = at && len <= (size_t)INT_MAX / 4 * 3 - 3 ? malloc(n - mark + b64 + 1) : NULL;
    if (o) {
        size_t head = (size_t)(at - text);
        memcpy(o, text, head);
        EVP_EncodeBlock((unsigned char *)o + head, pdf, (int)len);
        memcpy(o + head + b64, at + mark, n - head - mark + 1);
        *out = o;
        *out_len = n - mark + b64;
    }
    free(text);
    return o ? 0 : -1;
}

/* FHIR's instant: 2026-12-01T14:30:00Z. */
static void instant(int64_t unix_s, char out[32])
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- the resources -------------------------------------------------------- */

/* Members are set through put(), which notes any allocation that failed
 * (jansson returns NULL, and json_object_set_new then fails), so that a
 * resource is built whole and checked once. */
typedef struct build {
    bool oom;
} build;

static json_t *put(build *b, json_t *obj, const char *key, json_t *value)
{
    if (!obj || !value || json_object_set_new(obj, key, value))
        b->oom = true;
    return value;
}

static json_t *push(build *b, json_t *arr, json_t *value)
{
    if (!arr || !value || json_array_append_new(arr, value))
        b->oom = true;
    return value;
}

static void put_str(build *b, json_t *obj, const char *key, const char *s)
{
    put(b, obj, key, json_string(s));
}

/* {"coding": [{"system": ..., "code": ..., "display": ...}]} */
static json_t *concept(build *b, const char *system, const char *code, const char *display)
{
    json_t *c = json_object(), *coding = json_object();
    put_str(b, coding, "system", system);
    put_str(b, coding, "code", code);
    put_str(b, coding, "display", display);
    push(b, put(b, c, "coding", json_array()), coding);
    return c;
}

/* [concept] */
static json_t *concepts(build *b, const char *system, const char *code, const char *display)
{
    json_t *a = json_array();
    push(b, a, concept(b, system, code, display));
    return a;
}

/* "medpacket packet trigger-point (es): tpi-handout v2 wording sha256:...;
 * tpi-consent v3 wording sha256:..." */
static char *description(const packet *p)
{
    mp_buf d;
    buf_init(&d, NULL);
    buf_putf(&d, "medpacket %s %s (%s): ", p->doc ? "packet" : "form", p->id.s, p->language);
    for (size_t i = 0; i < p->nentries; i++) {
        const form *f = p->entries[i].form;
        buf_putf(&d, "%s%s v%s wording sha256:%s", i ? "; " : "", f->id.s, f->version.s,
                 f->fingerprint);
    }
    if (d.oom) {
        buf_free(&d);
        return NULL;
    }
    return d.data;
}

/* Patient/123, or the record number as an identifier. */
static json_t *subject(build *b, const fhirdoc_in *in)
{
    json_t *s = json_object();
    const patient_fhir *fh = &in->patient->fhir;
    if (fh->patient_ref) {
        put_str(b, s, "reference", fh->patient_ref);
        return s;
    }
    const mp_text *mrn = patient_get(in->patient, "mrn", 3);
    const char *system = fh->mrn_system ? fh->mrn_system : in->clinic->fhir_mrn_system;
    json_t *id = put(b, s, "identifier", json_object());
    if (system)
        put_str(b, id, "system", system);
    put(b, id, "type", concept(b, V2_0203, "MR", "Medical record number"));
    put(b, id, "value", mrn ? json_stringn(mrn->s, mrn->len) : NULL);
    return s;
}

/* The clinic, contained: {"resourceType": "Organization", "id": "clinic", ...}. */
static json_t *organization(build *b, const clinic *c)
{
    json_t *o = json_object();
    put_str(b, o, "resourceType", "Organization");
    put_str(b, o, "id", "clinic");
    put_str(b, o, "name", c->name.s);
    json_t *tel = json_object();
    put_str(b, tel, "system", "phone");
    put_str(b, tel, "value", c->phone.s);
    push(b, put(b, o, "telecom", json_array()), tel);
    json_t *addr = json_object();
    put_str(b, addr, "text", c->address.s);
    push(b, put(b, o, "address", json_array()), addr);
    return o;
}

/* What every resource of a PDF needs: its digests and identifiers. */
typedef struct pdf_ids {
    char sha256[65];
    char sha1[29];    /* attachment.hash */
    char urn[46];     /* masterIdentifier: "urn:uuid:" + the PDF's UUID */
    char doc_urn[46]; /* the DocumentReference's fullUrl in a transaction */
    char bin_urn[46]; /* the Binary's fullUrl (in a Bundle) */
} pdf_ids;

/* "urn:uuid:" and the UUID of prefix + sha256 (64 hex digits) into out. */
static int urn_of(const char *prefix, const char *sha256, char out[46])
{
    char name[96], uuid[37];
    int n = snprintf(name, sizeof name, "%s%s", prefix, sha256);
    if (n < 0 || (size_t)n >= sizeof name || uuid5(name, (size_t)n, uuid))
        return -1;
    snprintf(out, 46, "urn:uuid:%s", uuid);
    return 0;
}

static int pdf_ids_of(const fhirdoc_in *in, pdf_ids *ids, mp_err *err)
{
    if (in->sha256)
        snprintf(ids->sha256, sizeof ids->sha256, "%s", in->sha256);
    else if (sha256_hex(in->pdf, in->pdf_len, ids->sha256))
        return err_set(err, EX_OSERR, NULL, 0, 0, "SHA-256 failed (OpenSSL)");
    /* Each fixed by the PDF, and never equal: a server that takes a
     * transaction puts the new resource's id for its fullUrl wherever the
     * fullUrl's text stands (FHIR R4 transaction processing rules), and a
     * masterIdentifier that were the fullUrl would become "DocumentReference/
     * 123". */
    if (urn_of("", ids->sha256, ids->urn) ||
        urn_of("DocumentReference/", ids->sha256, ids->doc_urn) ||
        urn_of("Binary/", ids->sha256, ids->bin_urn) ||
        fhirdoc_sha1_base64(in->pdf, in->pdf_len, ids->sha1))
        return err_set(err, EX_OSERR, NULL, 0, 0, "a digest failed (OpenSSL)");
    return 0;
}

/* The DocumentReference: the PDF inline (DATA_MARK, for splice) when url
 * is NULL, else url naming the Binary. */
static json_t *reference(build *b, const fhirdoc_in *in, const pdf_ids *ids, const char *url)
{
    const packet *p = in->printed;
    bool consent = fhirdoc_kind_of(p) == FHIRDOC_CONSENT;
    char now[32], created[32];
    instant(in->now_unix, now);
    instant(in->created_unix, created);

    json_t *r = json_object();
    put_str(b, r, "resourceType", "DocumentReference");
    json_t *org = organization(b, in->clinic);
    push(b, put(b, r, "contained", json_array()), org);
    json_t *master = put(b, r, "masterIdentifier", json_object());
    put_str(b, master, "system", RFC3986);
    put_str(b, master, "value", ids->urn);
    put_str(b, r, "status", "current");
    put_str(b, r, "docStatus", "final");
    put(b, r, "type",
        consent ? concept(b, LOINC, "64293-4", "Procedure consent")
                : concept(b, LOINC, "34895-3", "Education note"));
    put(b, r, "category",
        consent ? concepts(b, LOINC, "59284-0", "Patient Consent")
                : concepts(b, LOINC, "34895-3", "Education note"));
    put(b, r, "subject", subject(b, in));
    put_str(b, r, "date", now);
    json_t *author = json_object();
    put_str(b, author, "reference", "#clinic");
    put_str(b, author, "display", in->clinic->name.s);
    push(b, put(b, r, "author", json_array()), author);
    char *desc = description(p);
    put(b, r, "description", desc ? json_string(desc) : NULL);
    free(desc);

    json_t *att = json_object();
    put_str(b, att, "contentType", "application/pdf");
    put_str(b, att, "language", p->language);
    if (url)
        put_str(b, att, "url", url);
    else
        put_str(b, att, "data", DATA_MARK);
    put(b, att, "size", json_integer((json_int_t)in->pdf_len));
    put_str(b, att, "hash", ids->sha1);
    put_str(b, att, "title", p->title.s ? p->title.s : p->id.s);
    put_str(b, att, "creation", created);
    json_t *content = json_object();
    put(b, content, "attachment", att);
    push(b, put(b, r, "content", json_array()), content);

    if (in->patient->fhir.appointment_ref) {
        json_t *appt = json_object();
        put_str(b, appt, "reference", in->patient->fhir.appointment_ref);
        json_t *ctx = put(b, r, "context", json_object());
        push(b, put(b, ctx, "related", json_array()), appt);
    }
    return r;
}

/* A transaction entry that POSTs resource, created only if none matches
 * if_none_exist (may be NULL). */
static json_t *entry(build *b, const char *full_url, json_t *resource, const char *type,
                     const char *if_none_exist)
{
    json_t *e = json_object();
    put_str(b, e, "fullUrl", full_url);
    put(b, e, "resource", resource);
    json_t *req = put(b, e, "request", json_object());
    put_str(b, req, "method", "POST");
    put_str(b, req, "url", type);
    if (if_none_exist)
        put_str(b, req, "ifNoneExist", if_none_exist);
    return e;
}

static json_t *reference_entry(build *b, const fhirdoc_in *in, const pdf_ids *ids, const char *url)
{
    char cond[80];
    snprintf(cond, sizeof cond, "identifier=" RFC3986 "|%s", ids->urn);
    return entry(b, ids->doc_urn, reference(b, in, ids, url), "DocumentReference", cond);
}

/* j as text (*json, *len; malloc'd), freed; with in's PDF as its data when
 * in is not NULL. */
static int dump(json_t *j, build *b, size_t flags, const fhirdoc_in *in, char **json, size_t *len,
                mp_err *err)
{
    char *text = b->oom ? NULL : json_dumps(j, flags | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (text && !in) {
        *json = text;
        *len = strlen(text);
        return 0;
    }
    if (!text || splice(text, in->pdf, in->pdf_len, json, len))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    return 0;
}

/* The checks and digests every resource starts with. */
static int start(const fhirdoc_in *in, pdf_ids *ids, mp_err *err)
{
    const char *why = fhirdoc_subject_problem(in->patient);
    if (why)
        return err_set(err, EX_DATAERR, NULL, 0, 0, "%s", why);
    return pdf_ids_of(in, ids, err);
}

int fhirdoc_reference(const fhirdoc_in *in, const char *binary_url, int flags, char **json,
                      size_t *len, mp_err *err)
{
    pdf_ids ids;
    int rc = start(in, &ids, err);
    if (rc)
        return rc;
    build b = {0};
    json_t *r = reference(&b, in, &ids, binary_url);
    return dump(r, &b, flags & FHIRDOC_PRETTY ? JSON_INDENT(2) : JSON_COMPACT,
                binary_url ? NULL : in, json, len, err);
}

/* {"resourceType": "Bundle", "type": "transaction", "entry": entries} */
static json_t *transaction(build *b, json_t *entries)
{
    json_t *t = json_object();
    put_str(b, t, "resourceType", "Bundle");
    put_str(b, t, "type", "transaction");
    put(b, t, "entry", entries);
    return t;
}

int fhirdoc_transaction(const fhirdoc_in *in, char **json, size_t *len, mp_err *err)
{
    pdf_ids ids;
    int rc = start(in, &ids, err);
    if (rc)
        return rc;
    build b = {0};
    json_t *entries = json_array();
    push(&b, entries, reference_entry(&b, in, &ids, NULL));
    return dump(transaction(&b, entries), &b, JSON_COMPACT, in, json, len, err);
}

/* ---- the streamed Bundle ------------------------------------------------- */

struct fhirdoc_bundle {
    outfile *out;
    long docs;
    int rc; /* the first failed write, in err */
    mp_err err;
    /* The UUIDs of the PDFs added (16 bytes each), an open-addressed set:
     * 32 bytes a row at most, so a 100,000-row Bundle keeps 3 MB. */
    unsigned char *seen;
    size_t cap, n;
};

int fhirdoc_bundle_open(const char *path, const outfile_opts *fo, fhirdoc_bundle **out, mp_err *err)
{
    fhirdoc_bundle *b = calloc(1, sizeof *b);
    if (!b)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    int rc = outfile_open_opts(path, fo, &b->out, err);
    /* The Bundle's start, and below its end, are fixed text: its entries,
     * each made by jansson, are written between them as they come, so that
     * a day's PDFs are never in memory together. */
    static const char head[] =
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[\n";
    if (!rc)
        rc = outfile_put(b->out, head, sizeof head - 1, err);
    if (rc) {
        outfile_abort(b->out);
        free(b);
        return rc;
    }
    *out = b;
    return 0;
}

static int write_cb(const char *buf, size_t size, void *ctx)
{
    fhirdoc_bundle *b = ctx;
    if (!b->rc)
        b->rc = outfile_put(b->out, buf, size, &b->err);
    return b->rc ? -1 : 0;
}

/* No UUID is all zeros (its version is 5): an empty slot of the set. */
static const unsigned char empty[16];

/* Adds uuid to the set of b; false when it was there (or out of memory:
 * *oom set). */
static bool first_time(fhirdoc_bundle *b, const char *uuid, bool *oom)
{
    unsigned char key[16];
    hex_bytes(uuid, key);
    if ((b->n + 1) * 2 > b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 1024;
        unsigned char *nv = calloc(ncap, 16);
        if (!nv) {
            *oom = true;
            return false;
        }
        for (size_t i = 0; i < b->cap; i++) {
            const unsigned char *k = b->seen + i * 16;
            if (memcmp(k, empty, 16) == 0)
                continue;
            size_t j = ((size_t)k[0] << 16 | (size_t)k[1] << 8 | k[2]) & (ncap - 1);
            while (memcmp(nv + j * 16, empty, 16) != 0)
                j = (j + 1) & (ncap - 1);
            memcpy(nv + j * 16, k, 16);
        }
        free(b->seen);
        b->seen = nv;
        b->cap = ncap;
    }
    /* A UUID's first bytes are SHA-1's: as good a hash as any. */
    size_t i = ((size_t)key[0] << 16 | (size_t)key[1] << 8 | key[2]) & (b->cap - 1);
    for (; memcmp(b->seen + i * 16, empty, 16) != 0; i = (i + 1) & (b->cap - 1))
        if (memcmp(b->seen + i * 16, key, 16) == 0)
            return false;
    memcpy(b->seen + i * 16, key, 16);
    b->n++;
    return true;
}

int fhirdoc_bundle_add(fhirdoc_bundle *b, const fhirdoc_in *in, bool *added, mp_err *err)
{
    if (added)
        *added = false;
    if (b->rc) {
        *err = b->err;
        return b->rc;
    }
    pdf_ids ids;
    int rc = start(in, &ids, err);
    if (rc)
        return rc;
    bool oom = false;
    if (!first_time(b, ids.urn + 9, &oom))
        return oom ? err_set(err, EX_OSERR, NULL, 0, 0, "out of memory") : 0;
    build bd = {0};
    json_t *bin = json_object();
    put_str(&bd, bin, "resourceType", "Binary");
    put_str(&bd, bin, "contentType", "application/pdf");
    put_str(&bd, bin, "data", DATA_MARK);
    /* The Binary with the PDF, then the DocumentReference naming it. */
    json_t *pair[2] = {entry(&bd, ids.bin_urn, bin, "Binary", NULL),
                       reference_entry(&bd, in, &ids, ids.bin_urn)};
    char *text[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        if (rc)
            json_decref(pair[i]);
        else
            rc = dump(pair[i], &bd, JSON_COMPACT, i ? NULL : in, &text[i], &len[i], err);
    }
    for (int i = 0; !rc && i < 2; i++) {
        if (b->docs || i)
            write_cb(",\n", 2, b);
        write_cb(text[i], len[i], b);
    }
    free(text[0]);
    free(text[1]);
    if (!rc && b->rc) {
        *err = b->err;
        rc = b->rc;
    }
    if (rc)
        return rc;
    b->docs++;
    if (added)
        *added = true;
    return 0;
}

int fhirdoc_bundle_commit(fhirdoc_bundle *b, long *docs, mp_err *err)
{
    static const char tail[] = "\n]}\n";
    int rc = b->rc;
    if (rc)
        *err = b->err;
    else if (!b->docs)
        rc = err_set(err, EX_DATAERR, NULL, 0, 0, "no DocumentReference to put in it");
    if (!rc)
        rc = outfile_put(b->out, tail, sizeof tail - 1, err);
    if (docs)
        *docs = b->docs;
    if (rc)
        outfile_abort(b->out);
    else
        rc = outfile_commit(b->out, err);
    free(b->seen);
    free(b);
    return rc;
}

void fhirdoc_bundle_abort(fhirdoc_bundle *b)
{
    if (!b)
        return;
    outfile_abort(b->out);
    free(b->seen);
    free(b);
}
