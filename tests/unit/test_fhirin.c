/* Unit tests for fhirin.c: FHIR R4 Bundles and NDJSON as patient rows; which
 * name, identifier and language are taken; appointments in the clinic's time
 * zone; skipped statuses; and every problem named without patient data. */
#define _GNU_SOURCE /* fmemopen */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fhirin.h"

#define MR                                                                                         \
    "{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"                            \
    "v2-0203\",\"code\":\"MR\"}]}"
#define DL                                                                                         \
    "{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"                            \
    "v2-0203\",\"code\":\"DL\"}]}"

/* Patient p1: a usual name before the official one; a licence before the
 * record number; two languages, the second preferred. */
#define P1                                                                                         \
    "{\"resourceType\":\"Patient\",\"id\":\"p1\","                                                 \
    "\"identifier\":[{\"type\":" DL ",\"value\":\"D999\"},"                                        \
    "{\"type\":" MR ",\"system\":\"urn:oid:1.2.36.146.595.217.0.1\",\"value\":\"A1001\"},"         \
    "{\"system\":\"https://clinic.example/mrn\",\"value\":\"C-77\"}],"                             \
    "\"name\":[{\"use\":\"usual\",\"given\":[\"Pepe\"]},"                                          \
    "{\"use\":\"official\",\"family\":\"N\\u00fa\\u00f1ez\",\"given\":[\"Jos\\u00e9\","            \
    "\"Mar\\u00eda\"]}],"                                                                          \
    "\"birthDate\":\"1970-05-04\","                                                                \
    "\"communication\":[{\"language\":{\"coding\":[{\"system\":\"urn:ietf:bcp:47\",\"code\":"      \
    "\"en\"}]}},"                                                                                  \
    "{\"language\":{\"coding\":[{\"system\":\"urn:ietf:bcp:47\",\"code\":\"es\"}]},\"preferred\":" \
    "true}]}"

#define P2                                                                                         \
    "{\"resourceType\":\"Patient\",\"id\":\"p2\",\"identifier\":[{\"type\":" MR                    \
    ",\"value\":\"A1002\"}],\"name\":[{\"family\":"                                                \
    "\"\\u0627\\u0644\\u0632\\u0647\\u0631\\u0627\\u0621\","                                       \
    "\"given\":[\"\\u0641\\u0627\\u0637\\u0645\\u0629\"]}],\"birthDate\":\"1985-01-30\","          \
    "\"communication\":[{\"language\":{\"text\":\"Arabic\"}}]}"

#define DR1                                                                                        \
    "{\"resourceType\":\"Practitioner\",\"id\":\"dr1\",\"name\":[{\"prefix\":[\"Dr.\"],"           \
    "\"given\":[\"Ana\"],\"family\":\"Ruiz\"}]}"

#define APPT(id, status, start, patient, dr)                                                       \
    "{\"resourceType\":\"Appointment\",\"id\":\"" id "\",\"status\":\"" status "\","               \
    "\"start\":\"" start "\",\"participant\":[{\"actor\":{\"reference\":\"" patient "\"},"         \
    "\"status\":\"accepted\"}" dr "]}"

#define DR_REF ",{\"actor\":{\"reference\":\"Practitioner/dr1\"},\"status\":\"accepted\"}"
#define DR_DISPLAY                                                                                 \
    ",{\"actor\":{\"reference\":\"Practitioner/dr1\",\"display\":\"Dr. "                           \
    "Lee\"},\"status\":\"accepted\"}"

#define ENTRY(url, res) "{\"fullUrl\":\"" url "\",\"resource\":" res "}"

static const char day[] = "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":["
    /* 1: 03:15 UTC on the 2nd is 22:15 on the 1st in New York */
    ENTRY("http://ehr.example/fhir/Appointment/a1",
          APPT("a1", "booked", "2026-12-02T03:15:00Z", "Patient/p1", DR_DISPLAY)) ","
    /* 2, 3, 4: skipped by status */
    ENTRY("http://ehr.example/fhir/Appointment/a2",
          APPT("a2", "cancelled", "2026-12-01T09:00:00-05:00", "Patient/p1",
               "")) "," ENTRY("http://ehr.example/fhir/Appointment/a3",
                              APPT("a3", "noshow", "2026-12-01T09:00:00-05:00", "Patient/p1",
                                   "")) "," ENTRY("http://ehr.example/fhir/Appointment/a4",
                                                  APPT("a4", "entered-in-error",
                                                       "2026-12-01T09:00:00-05:00", "Patient/p1",
                                                       "")) ","
    /* 5: a Patient the Bundle does not include */
    ENTRY("http://ehr.example/fhir/Appointment/a5",
          APPT("a5", "booked", "2026-12-01T10:00:00-05:00", "Patient/p9", DR_REF)) ","
    /* 6: an absolute reference; the clinician from the included Practitioner */
    ENTRY("http://ehr.example/fhir/Appointment/a6",
          APPT("a6", "arrived", "2026-12-01T11:45:00-05:00", "http://ehr.example/fhir/Patient/p2",
               DR_REF)) ","
    /* 7: no offset */
    ENTRY("http://ehr.example/fhir/Appointment/a7",
          APPT("a7", "booked", "2026-12-01T11:00:00", "Patient/p2",
               DR_REF)) "," ENTRY("http://ehr.example/fhir/Patient/p1",
                                  P1) "," ENTRY("http://ehr.example/fhir/Patient/p2",
                                                P2) "," ENTRY("http://ehr.example/fhir/"
                                                              "Practitioner/dr1",
                                                              DR1) "]}";

static FILE *mem(const char *s)
{
    FILE *f = fmemopen((void *)s, strlen(s), "r");
    if (!f) {
        perror("fmemopen");
        exit(2);
    }
    return f;
}

static const char *field(const patient *p, const char *name)
{
    const mp_text *t = patient_get(p, name, strlen(name));
    return t ? t->s : "(none)";
}

/* No message may carry a patient's name, record number or birth date. */
static void check_no_data(const char *msg)
{
    static const char *const data[] = {"Jos",  "N\xC3\xBA", "A100",     "D999",
                                       "1970", "1985",      "\xD9\x81", "Pepe"};
    for (size_t i = 0; i < sizeof data / sizeof data[0]; i++)
        if (strstr(msg, data[i])) {
            fprintf(stderr, "patient data in: %s\n", msg);
            CHECK(0);
        }
}

typedef struct rows {
    fhirin_row r[16];
    size_t n;
    int rc;
    mp_err err;
    fhirin_skips skips;
} rows;

static void read_all(const char *text, const char *tz, const char *mrn_system, arena *a, rows *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = mem(text);
    fhirin *r;
    /* A file refused whole is refused at open, before any row. */
    if ((out->rc = fhirin_open(f, NULL, "day.json", &r, &out->err))) {
        check_no_data(out->err.msg);
        fclose(f);
        return;
    }
    fhirin_configure(r, &(fhirin_settings){tz, mrn_system});
    while (out->n < 16 && (out->rc = fhirin_next(r, a, &out->r[out->n], &out->err)) == 1) {
        if (out->r[out->n].problem)
            check_no_data(out->r[out->n].problem);
        out->n++;
    }
    if (out->rc)
        check_no_data(out->err.msg);
    out->skips = fhirin_skipped(r);
    fhirin_close(r);
    fclose(f);
}

static void test_searchset(void)
{
    arena *a = arena_new();
    rows rs;
    read_all(day, "America/New_York", NULL, a, &rs);
    CHECK_INT(rs.rc, 0);
    CHECK_INT(rs.n, 4);
    CHECK_INT(rs.skips.cancelled, 1);
    CHECK_INT(rs.skips.noshow, 1);
    CHECK_INT(rs.skips.entered_in_error, 1);

    const fhirin_row *r = &rs.r[0];
    CHECK_INT(r->entry, 1);
    CHECK_STR(r->where, "entry 1 (Appointment/a1)");
    CHECK(r->problem == NULL);
    CHECK_STR(r->patient.where, "entry 1 (Appointment/a1)");
    CHECK_STR(field(&r->patient, "first_name"), "Jos\xC3\xA9 Mar\xC3\xAD"
                                                "a");
    CHECK_STR(field(&r->patient, "last_name"), "N\xC3\xBA\xC3\xB1"
                                               "ez");
    CHECK_STR(field(&r->patient, "dob"), "1970-05-04");
    CHECK_STR(field(&r->patient, "mrn"), "A1001");
    CHECK_STR(field(&r->patient, "language"), "es");
    CHECK_STR(field(&r->patient, "appointment_date"), "2026-12-01");
    CHECK_STR(field(&r->patient, "appointment_time"), "22:15");
    CHECK_STR(field(&r->patient, "clinician"), "Dr. Lee");
    CHECK_STR(r->patient.fhir.patient_ref, "Patient/p1");
    CHECK_STR(r->patient.fhir.appointment_ref, "Appointment/a1");
    CHECK_STR(r->patient.fhir.mrn_system, "urn:oid:1.2.36.146.595.217.0.1");

    r = &rs.r[1];
    CHECK_INT(r->entry, 5);
    CHECK_STR(r->where, "entry 5 (Appointment/a5)");
    CHECK_STR(r->problem, "the Patient it names (Patient/p9) is not in the file; a search must "
                          "include it (_include=Appointment:patient)");

    r = &rs.r[2];
    CHECK(r->problem == NULL);
    CHECK_STR(field(&r->patient, "first_name"), "\xD9\x81\xD8\xA7\xD8\xB7\xD9\x85\xD8\xA9");
    CHECK_STR(field(&r->patient, "language"), "Arabic");
    CHECK_STR(field(&r->patient, "clinician"), "Dr. Ana Ruiz");
    CHECK_STR(field(&r->patient, "appointment_time"), "11:45");
    CHECK(r->patient.fhir.mrn_system == NULL);

    r = &rs.r[3];
    CHECK_STR(r->where, "entry 7 (Appointment/a7)");
    CHECK_STR(r->problem,
              "Appointment.start has no time zone offset (FHIR instants end in Z or +hh:mm)");
    arena_free(a);

    /* Without a zone, the instant's own offset: 03:15 on the 2nd (UTC). */
    a = arena_new();
    read_all(day, NULL, NULL, a, &rs);
    CHECK_STR(field(&rs.r[0].patient, "appointment_date"), "2026-12-02");
    CHECK_STR(field(&rs.r[0].patient, "appointment_time"), "03:15");
    arena_free(a);

    /* The clinic's system names the record number. */
    a = arena_new();
    read_all(day, NULL, "https://clinic.example/mrn", a, &rs);
    CHECK_STR(field(&rs.r[0].patient, "mrn"), "C-77");
    CHECK_STR(rs.r[0].patient.fhir.mrn_system, "https://clinic.example/mrn");
    CHECK_STR(field(&rs.r[2].patient, "mrn"), "(none)");
    arena_free(a);
}

static void test_patients(void)
{
    arena *a = arena_new();
    rows rs;
    /* A collection of Patients, pretty-printed over lines. */
    read_all("{\n \"resourceType\": \"Bundle\",\n \"type\": \"collection\",\n \"entry\": [\n"
             "  {\"resource\": " P1 "},\n  {\"resource\": " DR1 "},\n  {\"resource\": " P2
             "}\n]}\n",
             NULL, NULL, a, &rs);
    CHECK_INT(rs.rc, 0);
    CHECK_INT(rs.n, 2);
    CHECK_STR(rs.r[0].where, "entry 1 (Patient/p1)");
    CHECK_STR(rs.r[1].where, "entry 3 (Patient/p2)");
    CHECK_STR(field(&rs.r[1].patient, "mrn"), "A1002");
    CHECK(rs.r[1].patient.fhir.appointment_ref == NULL);
    arena_free(a);

    /* NDJSON: a row a line, blank lines passed over, other types said. */
    a = arena_new();
    read_all(P1 "\n\n" P2 "\r\n" DR1 "\n{\"resourceType\":\"Observation\",\"id\":\"o1\"}\n" APPT(
                 "a1", "booked", "2026-12-01T09:00:00Z", "Patient/p1",
                 "") "\n"
                     "{\"resourceType\":\"Patient\",\"id\":\"p3\",\"birthDate\":\"1970\"}\n",
             NULL, NULL, a, &rs);
    CHECK_INT(rs.rc, 0);
    CHECK_INT(rs.n, 5);
    CHECK_STR(rs.r[0].where, "entry 1 (Patient/p1)");
    CHECK_STR(rs.r[1].where, "entry 3 (Patient/p2)");
    CHECK_STR(rs.r[2].where, "entry 5 (Observation/o1)");
    CHECK_STR(rs.r[2].problem, "medpacket reads Patients and Appointments, not Observation");
    CHECK_STR(rs.r[3].where, "entry 6 (Appointment/a1)");
    CHECK(rs.r[3].problem && strstr(rs.r[3].problem, "starts with Patients"));
    CHECK_STR(rs.r[4].problem, "Patient.birthDate is a year or a month alone; the forms print "
                               "the full date of birth (YYYY-MM-DD)");
    arena_free(a);
}

static void test_refusals(void)
{
    arena *a = arena_new();
    rows rs;
    read_all("{\"resourceType\":\"Observation\",\"id\":\"o1\"}\n", NULL, NULL, a, &rs);
    CHECK_INT(rs.rc, EX_DATAERR);
    CHECK_STR(rs.err.msg, "Observation/o1: medpacket reads a Bundle, a Patient, an Appointment, "
                          "or NDJSON of Patients or Appointments");
    read_all("{\n\"resourceType\": \"Bundle\",\n\"entry\": [\n{\"resource\": " P1 "},\n", NULL,
             NULL, a, &rs);
    CHECK_INT(rs.rc, EX_DATAERR);
    CHECK_STR(rs.err.msg, "the JSON ends before it is complete");
    CHECK_INT(rs.err.line, 5);
    /* jansson would quote the text near the error: "Jos" must not show. */
    read_all(P1 "\n{\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"Jos\xC3\xA9\" x]}]}\n",
             NULL, NULL, a, &rs);
    CHECK_INT(rs.n, 1); /* the good line before it is a row */
    CHECK_INT(rs.rc, EX_DATAERR);
    CHECK_INT(rs.err.line, 2);
    CHECK_STR(rs.err.msg, "this is not valid JSON");
    read_all("{\"resourceType\":\"Patient\",\"id\":\"a\",\"id\":\"b\"}\n", NULL, NULL, a, &rs);
    CHECK_STR(rs.err.msg, "a key appears twice in one object");
    read_all("{\"resourceType\":\"Bundle\",\"entry\":[]}\n" P1 "\n", NULL, NULL, a, &rs);
    CHECK_INT(rs.rc, EX_DATAERR);
    CHECK_STR(rs.err.msg, "a file that starts with a Bundle holds that Bundle only");
    read_all("[1,2]\n", NULL, NULL, a, &rs);
    CHECK_STR(rs.err.msg, "a FHIR resource is a JSON object, not a list or a single value");
    read_all("{\"id\":\"x\"}\n", NULL, NULL, a, &rs);
    CHECK_STR(rs.err.msg, "not a FHIR resource: it has no resourceType");
    /* Nested past jansson's limit. */
    size_t depth = 5000;
    char *deep = malloc(depth * 2 + 64);
    size_t k = (size_t)sprintf(deep, "{\"resourceType\":\"Patient\",\"x\":");
    for (size_t i = 0; i < depth; i++)
        deep[k++] = '[';
    for (size_t i = 0; i < depth; i++)
        deep[k++] = ']';
    strcpy(deep + k, "}\n");
    read_all(deep, NULL, NULL, a, &rs);
    CHECK_INT(rs.rc, EX_DATAERR);
    CHECK_STR(rs.err.msg, "nested more than 2048 levels deep: no FHIR resource is");
    free(deep);
    /* An empty file is an empty list. */
    read_all("", NULL, NULL, a, &rs);
    CHECK_INT(rs.rc, 0);
    CHECK_INT(rs.n, 0);
    arena_free(a);
}

static void test_large(void)
{
    /* A Patient whose narrative is 2 MiB: a row error, and the next line
     * still read. */
    size_t big = 2u << 20;
    char *s = malloc(2 * big + 2048);
    size_t k = (size_t)sprintf(s, "{\"resourceType\":\"Patient\",\"id\":\"big\",\"text\":{"
                                  "\"status\":\"generated\",\"div\":\"<div>");
    memset(s + k, 'x', big);
    k += big;
    k += (size_t)sprintf(s + k, "</div>\"}}\n%s\n", P2);
    /* ... and the same after the first line, where it is refused unread. */
    memcpy(s + k, s, k - strlen(P2) - 1);
    k += k - strlen(P2) - 1;
    s[k] = '\0';
    arena *a = arena_new();
    rows rs;
    read_all(s, NULL, NULL, a, &rs);
    CHECK_INT(rs.rc, 0);
    CHECK_INT(rs.n, 3);
    CHECK_STR(rs.r[0].where, "entry 1 (Patient/big)");
    CHECK(rs.r[0].problem && strstr(rs.r[0].problem, "larger than 1 MiB"));
    CHECK(rs.r[1].problem == NULL);
    CHECK_STR(rs.r[2].where, "entry 3");
    CHECK(rs.r[2].problem && strstr(rs.r[2].problem, "the line is larger than 1 MiB"));
    CHECK_STR(field(&rs.r[1].patient, "mrn"), "A1002");
    arena_free(a);
    free(s);
}

static void test_sniff(void)
{
    CHECK(fhirin_sniff("{\"resourceType\"", 15));
    CHECK(fhirin_sniff("\xEF\xBB\xBF  \n{", 7));
    CHECK(!fhirin_sniff("first_name,last_name", 20));
    CHECK(!fhirin_sniff("   ", 3));
    CHECK(fhirin_has_field("clinician"));
    CHECK(!fhirin_has_field("room"));
}

int main(void)
{
    test_searchset();
    test_patients();
    test_refusals();
    test_large();
    test_sniff();
    CHECK_DONE();
}
