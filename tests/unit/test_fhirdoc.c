/* Unit tests for fhirdoc.c: the DocumentReference of a printed PDF, read
 * back with jansson from fixed inputs (no PDF, no server): the subject by
 * Patient id and by record number, the LOINC codes of a consent and of
 * education, the attachment's size and hash of known bytes, the description's
 * fingerprints, the one-row transaction and the streamed Bundle. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fhirdoc.h"

/* The string at a path of keys and array indexes ("content", "0",
 * "attachment", "hash"), or NULL. */
static const char *at(const json_t *j, const char *const *path)
{
    for (; *path && j; path++) {
        if (json_is_array(j))
            j = json_array_get(j, (size_t)atoi(*path));
        else
            j = json_object_get(j, *path);
    }
    return json_string_value(j);
}
#define AT(j, ...) at((j), (const char *const[]){__VA_ARGS__, NULL})

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j)
        fprintf(stderr, "not JSON: %s (line %d)\n", e.text, e.line);
    return j;
}

static form make_form(form_kind kind, const char *id, const char *version, char digit)
{
    form f = {.kind = kind};
    f.id.s = id;
    f.version.s = version;
    memset(f.fingerprint, digit, 64);
    f.fingerprint[64] = '\0';
    return f;
}

int main(void)
{
    arena *a = arena_new();
    mp_err err;
    err_clear(&err);

    /* Known bytes: FIPS 180's "abc". */
    char b64[29];
    CHECK_INT(fhirdoc_sha1_base64((const unsigned char *)"abc", 3, b64), 0);
    CHECK_STR(b64, "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    /* uuid5(FHIRDOC_UUID_NAMESPACE, SHA-256("abc") in hex), by Python's uuid
     * module: uuid.uuid5(uuid.UUID(NS), hashlib.sha256(b"abc").hexdigest()). */
    char uuid[37];
    CHECK_INT(
        fhirdoc_uuid("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", uuid), 0);
    CHECK_STR(uuid, "3da72880-e9c1-5fa9-95bb-4d0d66e4b266");

    form handout = make_form(FORM_HANDOUT, "tpi-handout", "2", 'a');
    form consent = make_form(FORM_CONSENT, "tpi-consent", "3.1", 'b');
    packet_entry entries[2] = {{.form = &handout}, {.form = &consent}};
    ydoc *some_doc = (ydoc *)&err; /* only its being set matters: a packet file */
    packet pk = {.doc = some_doc, .language = "es", .entries = entries, .nentries = 2};
    pk.id.s = "trigger-point";
    pk.title.s = "Inyecciones en puntos gatillo";
    clinic cl = {0};
    cl.name.s = "Harbor View Pain & Spine Clinic";
    cl.address.s = "1200 Seaside Avenue, Long Beach, CA 90802";
    cl.phone.s = "(562) 555-0142";
    patient pt = {.source = "today.csv", .row = 3};
    CHECK_INT(patient_put(&pt, "first_name", "José", a, &err), 0);

    fhirdoc_in in = {.printed = &pk,
                     .clinic = &cl,
                     .patient = &pt,
                     .now_unix = 1764547200, /* 2025-12-01T00:00:00Z */
                     .created_unix = 1764547199,
                     .pdf = (const unsigned char *)"abc",
                     .pdf_len = 3};

    /* Neither a Patient id nor a record number: refused, naming no data. */
    char *text = NULL;
    size_t len = 0;
    CHECK_INT(fhirdoc_reference(&in, NULL, 0, &text, &len, &err), EX_DATAERR);
    CHECK_STR(err.msg, "a DocumentReference names its patient by a FHIR Patient id or a record "
                       "number (mrn), and this patient has neither");
    CHECK(fhirdoc_subject_problem(&pt) != NULL);

    /* By record number: an identifier typed MR, in the clinic's system. */
    CHECK_INT(patient_put(&pt, "mrn", "A1003", a, &err), 0);
    cl.fhir_mrn_system = "urn:oid:2.16.840.1.113883.3.9999";
    CHECK_INT(fhirdoc_reference(&in, NULL, FHIRDOC_PRETTY, &text, &len, &err), 0);
    CHECK_INT(len, strlen(text));
    json_t *j = parse(text);
    CHECK(j != NULL);
    CHECK_STR(AT(j, "resourceType"), "DocumentReference");
    CHECK_STR(AT(j, "status"), "current");
    CHECK_STR(AT(j, "docStatus"), "final");
    CHECK_STR(AT(j, "masterIdentifier", "system"), "urn:ietf:rfc:3986");
    CHECK_STR(AT(j, "masterIdentifier", "value"), "urn:uuid:3da72880-e9c1-5fa9-95bb-4d0d66e4b266");
    /* A packet with a consent is a consent document. */
    CHECK_STR(AT(j, "type", "coding", "0", "system"), "http://loinc.org");
    CHECK_STR(AT(j, "type", "coding", "0", "code"), "64293-4");
    CHECK_STR(AT(j, "type", "coding", "0", "display"), "Procedure consent");
    CHECK_STR(AT(j, "category", "0", "coding", "0", "code"), "59284-0");
    CHECK_STR(AT(j, "category", "0", "coding", "0", "display"), "Patient Consent");
    CHECK_STR(AT(j, "subject", "identifier", "system"), "urn:oid:2.16.840.1.113883.3.9999");
    CHECK_STR(AT(j, "subject", "identifier", "value"), "A1003");
    CHECK_STR(AT(j, "subject", "identifier", "type", "coding", "0", "system"),
              "http://terminology.hl7.org/CodeSystem/v2-0203");
    CHECK_STR(AT(j, "subject", "identifier", "type", "coding", "0", "code"), "MR");
    CHECK(json_object_get(json_object_get(j, "subject"), "reference") == NULL);
    CHECK_STR(AT(j, "date"), "2025-12-01T00:00:00Z");
    CHECK_STR(AT(j, "author", "0", "reference"), "#clinic");
    CHECK_STR(AT(j, "contained", "0", "resourceType"), "Organization");
    CHECK_STR(AT(j, "contained", "0", "id"), "clinic");
    CHECK_STR(AT(j, "contained", "0", "name"), "Harbor View Pain & Spine Clinic");
    CHECK_STR(AT(j, "contained", "0", "telecom", "0", "system"), "phone");
    CHECK_STR(AT(j, "contained", "0", "telecom", "0", "value"), "(562) 555-0142");
    CHECK_STR(AT(j, "contained", "0", "address", "0", "text"),
              "1200 Seaside Avenue, Long Beach, CA 90802");
    char want[400];
    snprintf(want, sizeof want,
             "medpacket packet trigger-point (es): tpi-handout v2 wording sha256:%s; "
             "tpi-consent v3.1 wording sha256:%s",
             handout.fingerprint, consent.fingerprint);
    CHECK_STR(AT(j, "description"), want);
    CHECK_STR(AT(j, "content", "0", "attachment", "contentType"), "application/pdf");
    CHECK_STR(AT(j, "content", "0", "attachment", "language"), "es");
    CHECK_STR(AT(j, "content", "0", "attachment", "data"), "YWJj");
    CHECK_INT(json_integer_value(json_object_get(
                  json_object_get(json_array_get(json_object_get(j, "content"), 0), "attachment"),
                  "size")),
              3);
    CHECK_STR(AT(j, "content", "0", "attachment", "hash"), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    CHECK_STR(AT(j, "content", "0", "attachment", "title"), "Inyecciones en puntos gatillo");
    CHECK_STR(AT(j, "content", "0", "attachment", "creation"), "2025-11-30T23:59:59Z");
    CHECK(json_object_get(j, "context") == NULL); /* no appointment: none */
    /* Pretty: a member a line. */
    CHECK(strstr(text, "\n  \"status\": \"current\",\n") != NULL);
    json_decref(j);
    free(text);

    /* By Patient id, with the appointment; a patient's own MRN system wins
     * over the clinic's (it is not used here: the reference is). Education:
     * no consent in the packet. */
    pt.fhir.patient_ref = "Patient/123";
    pt.fhir.appointment_ref = "Appointment/9";
    pk.nentries = 1;
    pk.doc = NULL;
    pk.title.s = NULL;
    CHECK_INT(fhirdoc_reference(&in, "urn:uuid:0b1e4e2e-8f6e-5c3a-9a57-8e2f7a1d0c11", 0, &text,
                                &len, &err),
              0);
    j = parse(text);
    CHECK_STR(AT(j, "subject", "reference"), "Patient/123");
    CHECK(json_object_get(json_object_get(j, "subject"), "identifier") == NULL);
    CHECK_STR(AT(j, "context", "related", "0", "reference"), "Appointment/9");
    CHECK_STR(AT(j, "type", "coding", "0", "code"), "34895-3");
    CHECK_STR(AT(j, "type", "coding", "0", "display"), "Education note");
    CHECK_STR(AT(j, "category", "0", "coding", "0", "code"), "34895-3");
    snprintf(want, sizeof want,
             "medpacket form trigger-point (es): tpi-handout v2 wording sha256:%s",
             handout.fingerprint);
    CHECK_STR(AT(j, "description"), want);
    /* A Binary instead of the bytes; the title falls back on the id. */
    CHECK_STR(AT(j, "content", "0", "attachment", "url"),
              "urn:uuid:0b1e4e2e-8f6e-5c3a-9a57-8e2f7a1d0c11");
    CHECK(AT(j, "content", "0", "attachment", "data") == NULL);
    CHECK_STR(AT(j, "content", "0", "attachment", "title"), "trigger-point");
    CHECK(strchr(text, '\n') == NULL); /* compact */
    json_decref(j);
    free(text);

    /* What --fhir-post sends: a transaction of one conditional create. */
    CHECK_INT(fhirdoc_transaction(&in, &text, &len, &err), 0);
    j = parse(text);
    CHECK_STR(AT(j, "resourceType"), "Bundle");
    CHECK_STR(AT(j, "type"), "transaction");
    CHECK_INT(json_array_size(json_object_get(j, "entry")), 1);
    /* Not the masterIdentifier: a server puts the new id wherever the
     * fullUrl's text stands. uuid5(NS, "DocumentReference/" + SHA-256). */
    CHECK_STR(AT(j, "entry", "0", "fullUrl"), "urn:uuid:ccbc939a-518f-58ac-8ab5-c221fda879f6");
    CHECK_STR(AT(j, "entry", "0", "resource", "masterIdentifier", "value"),
              "urn:uuid:3da72880-e9c1-5fa9-95bb-4d0d66e4b266");
    CHECK_STR(AT(j, "entry", "0", "request", "method"), "POST");
    CHECK_STR(AT(j, "entry", "0", "request", "url"), "DocumentReference");
    CHECK_STR(AT(j, "entry", "0", "request", "ifNoneExist"),
              "identifier=urn:ietf:rfc:3986|urn:uuid:3da72880-e9c1-5fa9-95bb-4d0d66e4b266");
    CHECK_STR(AT(j, "entry", "0", "resource", "content", "0", "attachment", "data"), "YWJj");
    json_decref(j);
    free(text);

    /* The streamed Bundle: a Binary and a DocumentReference per PDF, the
     * second naming the first; the same PDF twice is in it once. */
    char dir[] = "/tmp/test_fhirdoc.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/bundle.json", dir);
    outfile_opts fo = {.mode = OUTFILE_DEFAULT_MODE};
    fhirdoc_bundle *b = NULL;
    CHECK_INT(fhirdoc_bundle_open(path, &fo, &b, &err), 0);
    bool added = false;
    CHECK_INT(fhirdoc_bundle_add(b, &in, &added, &err), 0);
    CHECK(added);
    CHECK_INT(fhirdoc_bundle_add(b, &in, &added, &err), 0);
    CHECK(!added);
    fhirdoc_in other = in;
    other.pdf = (const unsigned char *)"abcd";
    other.pdf_len = 4;
    CHECK_INT(fhirdoc_bundle_add(b, &other, &added, &err), 0);
    CHECK(added);
    CHECK(access(path, F_OK) != 0); /* not in place before the commit */
    long docs = 0;
    CHECK_INT(fhirdoc_bundle_commit(b, &docs, &err), 0);
    CHECK_INT(docs, 2);
    json_error_t je;
    j = json_load_file(path, 0, &je);
    CHECK(j != NULL);
    CHECK_STR(AT(j, "type"), "transaction");
    CHECK_INT(json_array_size(json_object_get(j, "entry")), 4);
    CHECK_STR(AT(j, "entry", "0", "resource", "resourceType"), "Binary");
    CHECK_STR(AT(j, "entry", "0", "resource", "contentType"), "application/pdf");
    CHECK_STR(AT(j, "entry", "0", "resource", "data"), "YWJj");
    CHECK_STR(AT(j, "entry", "0", "request", "url"), "Binary");
    CHECK_STR(AT(j, "entry", "1", "resource", "content", "0", "attachment", "url"),
              AT(j, "entry", "0", "fullUrl"));
    CHECK_STR(AT(j, "entry", "0", "fullUrl"), "urn:uuid:ffb0d89e-35c7-50e8-84b6-6c73378a85dd");
    CHECK_STR(AT(j, "entry", "1", "fullUrl"), "urn:uuid:ccbc939a-518f-58ac-8ab5-c221fda879f6");
    CHECK_STR(AT(j, "entry", "3", "resource", "content", "0", "attachment", "data") ? "data"
                                                                                    : "none",
              "none");
    json_decref(j);
    /* A Bundle with no DocumentReference would be invalid FHIR (no empty
     * arrays): it is not written. */
    char empty_path[64];
    snprintf(empty_path, sizeof empty_path, "%s/empty.json", dir);
    CHECK_INT(fhirdoc_bundle_open(empty_path, &fo, &b, &err), 0);
    CHECK_INT(fhirdoc_bundle_commit(b, &docs, &err), EX_DATAERR);
    CHECK(access(empty_path, F_OK) != 0);
    unlink(path);
    rmdir(dir);
    arena_free(a);
    CHECK_DONE();
}
