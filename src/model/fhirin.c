/*
 * fhirin.c — see fhirin.h.
 */
#include "fhirin.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tzone.h"

#define V2_0203 "http://terminology.hl7.org/CodeSystem/v2-0203"

typedef enum { MODE_START, MODE_DOC, MODE_PATIENTS, MODE_APPOINTMENTS, MODE_END } read_mode;

struct fhirin {
    FILE *in;
    char *path, *name;
    fhirin_settings set;
    long size; /* of a regular file, for progress; -1 otherwise */
    read_mode mode;
    /* The line being read (NDJSON), or the whole document. */
    char *buf;
    size_t cap, len;
    long line; /* the NDJSON line last read */
    bool eof;
    FILE *spool; /* Appointment NDJSON from a pipe, copied to be read twice */
    /* The Bundle being expanded: its entries, the index of its resources by
     * fullUrl and Type/id, and whether its rows are Appointments. */
    json_t *bundle;
    json_t *entries;
    size_t next_entry;
    bool appointment_rows;
    json_t *index; /* key -> resource; for a Bundle or an Appointment NDJSON's Patients */
    fhirin_skips skips;
    json_t *pending; /* the first NDJSON line's resource, read by fhirin_open */
};

static int begin(fhirin *r, mp_err *err);

int fhirin_open(FILE *in, const char *path, const char *name, fhirin **out, mp_err *err)
{
    fhirin *r = calloc(1, sizeof *r);
    if (!r || !(r->name = strdup(name)) || (path && !(r->path = strdup(path)))) {
        fhirin_close(r);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    r->in = in;
    r->size = -1;
    struct stat st;
    if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
        r->size = (long)st.st_size;
    int rc = begin(r, err);
    if (rc) {
        fhirin_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

void fhirin_close(fhirin *r)
{
    if (!r)
        return;
    json_decref(r->bundle);
    json_decref(r->index);
    json_decref(r->pending);
    if (r->spool)
        fclose(r->spool);
    free(r->buf);
    free(r->path);
    free(r->name);
    free(r);
}

void fhirin_configure(fhirin *r, const fhirin_settings *s)
{
    r->set = *s;
}

fhirin_skips fhirin_skipped(const fhirin *r)
{
    return r->skips;
}

double fhirin_progress(const fhirin *r)
{
    if (r->mode == MODE_DOC)
        return r->entries && json_array_size(r->entries)
                   ? (double)r->next_entry / (double)json_array_size(r->entries)
                   : 1.0;
    if (r->size <= 0 || r->spool)
        return -1;
    long pos = ftell(r->in);
    return pos < 0 ? -1 : (double)pos / (double)r->size;
}

bool fhirin_has_field(const char *name)
{
    static const char *const fields[] = {
        "first_name",       "last_name",        "dob",       "mrn", "language",
        "appointment_date", "appointment_time", "clinician", NULL};
    for (size_t i = 0; fields[i]; i++)
        if (strcmp(fields[i], name) == 0)
            return true;
    return false;
}

bool fhirin_sniff(const char *head, size_t n)
{
    size_t i = 0;
    if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    return i < n && head[i] == '{';
}

/* ---- reading ------------------------------------------------------------ */

/* jansson's messages can quote the text near the error, which may be a
 * patient's: only its kind is said, in our words. */
static int json_fail(const fhirin *r, const json_error_t *je, long line_base, mp_err *err)
{
    const char *what;
    switch (json_error_code(je)) {
    case json_error_premature_end_of_input:
        what = "the JSON ends before it is complete";
        break;
    case json_error_invalid_utf8:
        what = "the text is not valid UTF-8";
        break;
    case json_error_duplicate_key:
        what = "a key appears twice in one object";
        break;
    case json_error_null_character:
    case json_error_null_byte_in_key:
        what = "a NUL character (\\u0000) in a string";
        break;
    case json_error_numeric_overflow:
        what = "a number too large to read";
        break;
    default:
        /* jansson stops at JSON_PARSER_MAX_DEPTH (2048) levels. */
        what = strstr(je->text, "maximum parsing depth")
                   ? "nested more than 2048 levels deep: no FHIR resource is"
                   : "this is not valid JSON";
    }
    return err_set(err, EX_DATAERR, r->name, (int)(line_base + je->line - 1),
                   je->column > 0 ? je->column : 1, "%s", what);
}

/* One line into r->buf (without its line end), at most FHIRIN_MAX_DOC
 * bytes: 1, 0 at the end, or EX_IOERR / EX_DATAERR (too long: the rest of
 * the line is not read, so nothing past it can be trusted). */
static int read_line(fhirin *r, FILE *in, mp_err *err)
{
    r->len = 0;
    bool any = false;
    for (;;) {
        if (r->cap - r->len < 65536) {
            size_t ncap = r->cap ? r->cap * 2 : 131072;
            char *nb = realloc(r->buf, ncap);
            if (!nb)
                return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            r->buf = nb;
            r->cap = ncap;
        }
        if (!fgets(r->buf + r->len, (int)(r->cap - r->len), in)) {
            if (ferror(in))
                return err_set(err, EX_IOERR, r->name, 0, 0, "cannot read: %s", strerror(errno));
            r->buf[r->len] = '\0';
            return any ? 1 : 0;
        }
        any = true;
        size_t got = strlen(r->buf + r->len);
        r->len += got;
        if (r->len && r->buf[r->len - 1] == '\n') {
            r->buf[--r->len] = '\0';
            if (r->len && r->buf[r->len - 1] == '\r')
                r->buf[--r->len] = '\0';
            return 1;
        }
        if (got == 0 || r->len > FHIRIN_MAX_DOC)
            return err_set(err, EX_DATAERR, r->name, (int)r->line + 1, 0,
                           "a line longer than %u MiB: medpacket reads FHIR files whose "
                           "documents and NDJSON lines are at most that",
                           FHIRIN_MAX_DOC >> 20);
    }
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* ---- JSON helpers ------------------------------------------------------- */

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

bool fhirin_good_id(const char *id, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return false;
    }
    return true;
}

static bool good_id(const char *id)
{
    return id && fhirin_good_id(id, strlen(id));
}

/* "Type/id" of a resource, for messages and references; "Type" when it has
 * no printable id. */
static void type_id(const json_t *res, char *buf, size_t n)
{
    const char *type = jstr(res, "resourceType"), *id = jstr(res, "id");
    if (!type || !good_id(type))
        type = "resource";
    if (good_id(id))
        snprintf(buf, n, "%s/%s", type, id);
    else
        snprintf(buf, n, "%s", type);
}

static bool is_type(const json_t *res, const char *type)
{
    const char *t = jstr(res, "resourceType");
    return t && strcmp(t, type) == 0;
}

/* A reference as messages may show it: the relative Type/id it ends in
 * when that is well formed, else a generic word. */
static void ref_words(const char *ref, char *buf, size_t n)
{
    const char *slash = ref ? strrchr(ref, '/') : NULL;
    if (slash && slash > ref) {
        const char *t = slash - 1;
        while (t > ref && t[-1] != '/')
            t--;
        char type[65];
        size_t tl = (size_t)(slash - t);
        if (tl < sizeof type) {
            memcpy(type, t, tl);
            type[tl] = '\0';
            if (good_id(type) && good_id(slash + 1)) {
                snprintf(buf, n, "%s/%s", type, slash + 1);
                return;
            }
        }
    }
    snprintf(buf, n, "%s",
             ref && strncmp(ref, "urn:uuid:", 9) == 0 ? "a urn:uuid reference" : "a reference");
}

/* ---- the index of a Bundle's resources ---------------------------------- */

static int index_put(json_t *index, const char *key, json_t *res)
{
    return json_object_set(index, key, res);
}

/* Adds res under Type/id (and fullUrl when given). */
static int index_add(json_t *index, const char *full_url, json_t *res)
{
    char key[300];
    const char *type = jstr(res, "resourceType"), *id = jstr(res, "id");
    if (full_url && *full_url && index_put(index, full_url, res))
        return -1;
    if (type && id && strlen(type) + strlen(id) + 2 <= 280) {
        snprintf(key, sizeof key, "%.140s/%.140s", type, id);
        if (index_put(index, key, res))
            return -1;
    }
    return 0;
}

/* The resource a reference names: by fullUrl, as Type/id, or as the Type/id
 * an absolute URL ends in (a server's base/Type/id[/_history/v]). */
static json_t *resolve(const json_t *index, const char *ref)
{
    if (!index || !ref)
        return NULL;
    json_t *res = json_object_get(index, ref);
    if (res)
        return res;
    char copy[512];
    snprintf(copy, sizeof copy, "%s", ref);
    char *h = strstr(copy, "/_history/");
    if (h)
        *h = '\0';
    char *last = strrchr(copy, '/');
    if (!last || last == copy)
        return NULL;
    char *type = last - 1;
    while (type > copy && type[-1] != '/')
        type--;
    return json_object_get(index, type);
}

/* ---- mapping ------------------------------------------------------------ */

typedef struct rowctx {
    fhirin *r;
    arena *a;
    fhirin_row *row;
    bool oom; /* an arena allocation failed: the row is lost, the run ends */
} rowctx;

static const char *problem(rowctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *problem(rowctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->row->problem_buf, sizeof c->row->problem_buf, fmt, ap);
    va_end(ap);
    return c->row->problem = c->row->problem_buf;
}

/* Adds field name = s[0..n) to the row's patient; false (c->oom) when out
 * of memory. The fields are few (eight at most): the array is copied. */
static bool put(rowctx *c, const char *name, const char *s, size_t n)
{
    patient *p = &c->row->patient;
    if (!n)
        return true;
    patient_value *nv = arena_array(c->a, p->nfields + 1, sizeof *nv);
    if (!nv)
        return !(c->oom = true);
    if (p->nfields)
        memcpy(nv, p->fields, p->nfields * sizeof *nv);
    nv[p->nfields].name = name;
    nv[p->nfields].value.s = arena_strndup(c->a, s, n);
    nv[p->nfields].value.len = n;
    if (!nv[p->nfields].value.s)
        return !(c->oom = true);
    p->fields = nv;
    p->nfields++;
    return true;
}

static bool put_str(rowctx *c, const char *name, const char *s)
{
    return !s || put(c, name, s, strlen(s));
}

/* s copied into the row's arena, or NULL with c->oom set. */
static const char *keep(rowctx *c, const char *s)
{
    const char *k = arena_strdup(c->a, s);
    c->oom = c->oom || !k;
    return k;
}

/* "Type/id" of res kept in the row's arena, for the DocumentReference to
 * name; NULL when res has no well-formed id. */
static const char *keep_ref(rowctx *c, const json_t *res)
{
    if (!good_id(jstr(res, "id")))
        return NULL;
    char ref[80];
    type_id(res, ref, sizeof ref);
    return keep(c, ref);
}

/* A HumanName's given names joined by spaces into buf. */
static void join_given(const json_t *name, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    const json_t *given = json_object_get(name, "given");
    size_t i;
    const json_t *g;
    json_array_foreach(given, i, g)
    {
        const char *s = json_string_value(g);
        if (!s || !*s)
            continue;
        int k = snprintf(buf + used, n - used, "%s%s", used ? " " : "", s);
        if (k < 0 || (size_t)k >= n - used)
            break;
        used += (size_t)k;
    }
}

/* Patient.name: official, else usual, else the first. */
static const json_t *pick_name(const json_t *res)
{
    const json_t *names = json_object_get(res, "name");
    static const char *const uses[] = {"official", "usual"};
    for (size_t u = 0; u < 2; u++) {
        size_t i;
        const json_t *nm;
        json_array_foreach(names, i, nm)
        {
            const char *use = jstr(nm, "use");
            if (use && strcmp(use, uses[u]) == 0)
                return nm;
        }
    }
    return json_array_get(names, 0);
}

static bool has_coding(const json_t *concept, const char *system, const char *code)
{
    size_t i;
    const json_t *cd;
    json_array_foreach(json_object_get(concept, "coding"), i, cd)
    {
        const char *s = jstr(cd, "system"), *k = jstr(cd, "code");
        if (s && k && strcmp(s, system) == 0 && strcmp(k, code) == 0)
            return true;
    }
    return false;
}

/* The record number: the identifier with the clinic's system, or else the
 * one typed MR; an identifier whose use is "old" is passed over. */
static const json_t *pick_mrn(const fhirin *r, const json_t *res)
{
    size_t i;
    const json_t *id;
    json_array_foreach(json_object_get(res, "identifier"), i, id)
    {
        const char *use = jstr(id, "use"), *sys = jstr(id, "system");
        if (!jstr(id, "value") || (use && strcmp(use, "old") == 0))
            continue;
        if (r->set.mrn_system ? sys && strcmp(sys, r->set.mrn_system) == 0
                              : has_coding(json_object_get(id, "type"), V2_0203, "MR"))
            return id;
    }
    return NULL;
}

/* Patient.communication: the preferred one, else the first; its language as
 * a BCP 47 code (coding with system urn:ietf:bcp:47, else any code), else
 * its text ("Spanish"), which render_pick reads too. */
static const char *pick_language(const json_t *res)
{
    const json_t *comms = json_object_get(res, "communication"), *pick = NULL, *cm;
    size_t i;
    json_array_foreach(comms, i, cm)
    {
        if (!pick)
            pick = cm;
        if (json_is_true(json_object_get(cm, "preferred"))) {
            pick = cm;
            break;
        }
    }
    const json_t *lang = json_object_get(pick, "language"), *cd;
    const char *any = NULL;
    json_array_foreach(json_object_get(lang, "coding"), i, cd)
    {
        const char *s = jstr(cd, "system"), *k = jstr(cd, "code");
        if (k && s && strcmp(s, "urn:ietf:bcp:47") == 0)
            return k;
        if (k && !any)
            any = k;
    }
    return any ? any : jstr(lang, "text");
}

static size_t resource_size(const json_t *res)
{
    /* Measured as written back compactly: what the resource holds, however
     * it was indented. */
    return json_dumpb(res, NULL, 0, JSON_COMPACT);
}

/* Who the Patient is, as the patient's fields. NULL or why not. */
static const char *map_patient(rowctx *c, const json_t *res, const char *path)
{
    char given[512];
    const json_t *nm = pick_name(res);
    join_given(nm, given, sizeof given);
    const char *family = jstr(nm, "family");
    if (!given[0] && !family) {
        /* Only a text, as some systems write a name: taken whole. */
        const char *text = jstr(nm, "text");
        if (text)
            snprintf(given, sizeof given, "%s", text);
    }
    if (!put_str(c, "first_name", given[0] ? given : NULL) || !put_str(c, "last_name", family))
        return NULL;
    const char *dob = jstr(res, "birthDate");
    if (dob) {
        const char *why = patient_date_problem(dob, strlen(dob));
        /* FHIR's date may be a year or a month alone (R4 2.24.0.1). */
        if (why && (strlen(dob) == 4 || strlen(dob) == 7))
            return problem(c,
                           "%sbirthDate is a year or a month alone; the forms print the "
                           "full date of birth (YYYY-MM-DD)",
                           path);
        if (why)
            return problem(c, "%sbirthDate %s", path, why);
        if (!put_str(c, "dob", dob))
            return NULL;
    }
    const json_t *mrn = pick_mrn(c->r, res);
    if (mrn) {
        if (!put_str(c, "mrn", jstr(mrn, "value")))
            return NULL;
        const char *sys = jstr(mrn, "system");
        if (sys && !(c->row->patient.fhir.mrn_system = keep(c, sys)))
            return NULL;
    }
    if (!put_str(c, "language", pick_language(res)))
        return NULL;
    c->row->patient.fhir.patient_ref = keep_ref(c, res);
    return NULL;
}

/* "Dr. Ana Ruiz": a Practitioner's name (text, or prefix, given and family). */
static void practitioner_name(const json_t *res, char *buf, size_t n)
{
    const json_t *nm = pick_name(res);
    const char *text = jstr(nm, "text");
    if (text) {
        snprintf(buf, n, "%s", text);
        return;
    }
    char given[256];
    join_given(nm, given, sizeof given);
    const char *prefix = json_string_value(json_array_get(json_object_get(nm, "prefix"), 0));
    const char *family = jstr(nm, "family");
    snprintf(buf, n, "%s%s%s%s%s", prefix ? prefix : "", prefix && (given[0] || family) ? " " : "",
             given, given[0] && family ? " " : "", family ? family : "");
}

/* The local date and time of Appointment.start. */
static const char *map_start(rowctx *c, const json_t *appt)
{
    const char *start = jstr(appt, "start");
    if (!start)
        return NULL; /* a proposed appointment may have none yet */
    int64_t ms;
    int off;
    const char *why = tz_parse_instant(start, strlen(start), &ms, &off);
    if (why)
        return problem(c, "Appointment.start %s", why);
    tz_local l;
    if (c->r->set.timezone) {
        if (!tz_to_local(c->r->set.timezone, ms, &l))
            return problem(c, "Appointment.start cannot be put in the clinic's time zone");
    } else {
        tz_to_offset(ms, off, &l);
    }
    char date[16], time[8];
    snprintf(date, sizeof date, "%04d-%02d-%02d", l.year, l.month, l.day);
    snprintf(time, sizeof time, "%02d:%02d", l.hour, l.minute);
    if (l.year < 1 || l.year > 9999)
        return problem(c, "Appointment.start is not in years 1 to 9999");
    if (!put_str(c, "appointment_date", date) || !put_str(c, "appointment_time", time))
        return NULL;
    return NULL;
}

/* What kind of resource a participant's actor is: its reference's type, or
 * the resolved resource's. */
static bool actor_is(const char *ref, const json_t *res, const char *type)
{
    if (res)
        return is_type(res, type);
    if (!ref)
        return false;
    size_t n = strlen(type);
    for (const char *s = strstr(ref, type); s; s = strstr(s + 1, type))
        if ((s == ref || s[-1] == '/') && s[n] == '/')
            return true;
    return false;
}

/* An Appointment's patient (resolved among the index), clinician and time. */
static const char *map_appointment(rowctx *c, const json_t *appt, const json_t *index)
{
    const json_t *pat = NULL, *pt;
    const char *patient_ref = NULL;
    bool has_clinician = false;
    size_t i;
    json_array_foreach(json_object_get(appt, "participant"), i, pt)
    {
        const json_t *actor = json_object_get(pt, "actor");
        const char *ref = jstr(actor, "reference");
        json_t *res = resolve(index, ref);
        if (!pat && !patient_ref && actor_is(ref, res, "Patient")) {
            patient_ref = ref;
            pat = res;
        } else if (!has_clinician && actor_is(ref, res, "Practitioner")) {
            const char *display = jstr(actor, "display");
            char name[300] = "";
            if (display)
                snprintf(name, sizeof name, "%s", display);
            else if (res)
                practitioner_name(res, name, sizeof name);
            if (name[0]) {
                if (!put_str(c, "clinician", name))
                    return NULL;
                has_clinician = true;
            }
        }
    }
    if (!patient_ref)
        return problem(c, "the Appointment has no Patient participant (participant.actor)");
    if (!pat) {
        char words[140];
        ref_words(patient_ref, words, sizeof words);
        return c->r->mode == MODE_APPOINTMENTS
                   ? problem(c,
                             "the Patient it names (%s) is neither in the file nor in "
                             "Patient.ndjson beside it",
                             words)
                   : problem(c,
                             "the Patient it names (%s) is not in the file; a search must "
                             "include it (_include=Appointment:patient)",
                             words);
    }
    if (resource_size(pat) > FHIRIN_MAX_RESOURCE)
        return problem(c,
                       "its Patient is larger than %u MiB; medpacket reads no resource that "
                       "large",
                       FHIRIN_MAX_RESOURCE >> 20);
    if (map_patient(c, pat, "its Patient's ") || c->row->problem)
        return c->row->problem;
    if (map_start(c, appt) || c->row->problem)
        return c->row->problem;
    c->row->patient.fhir.appointment_ref = keep_ref(c, appt);
    return NULL;
}

/* cancelled, noshow, entered-in-error: counted and skipped. */
static bool skip_status(fhirin *r, const json_t *appt)
{
    const char *st = jstr(appt, "status");
    if (!st)
        return false;
    if (strcmp(st, "cancelled") == 0)
        r->skips.cancelled++;
    else if (strcmp(st, "noshow") == 0)
        r->skips.noshow++;
    else if (strcmp(st, "entered-in-error") == 0)
        r->skips.entered_in_error++;
    else
        return false;
    return true;
}

/* Fills *row from a Patient or Appointment at entry n: 1 for a row, 0 when
 * it is skipped (a cancelled appointment), EX_OSERR. */
static int make_row(fhirin *r, const json_t *res, const json_t *index, long n, arena *a,
                    fhirin_row *row, mp_err *err)
{
    if (is_type(res, "Appointment") && skip_status(r, res))
        return 0;
    char tid[80];
    type_id(res, tid, sizeof tid);
    row->entry = n;
    snprintf(row->where, sizeof row->where, "entry %ld (%s)", n, tid);
    rowctx c = {r, a, row, false};
    patient *p = &row->patient;
    p->source = r->name;
    p->row = n;
    if (resource_size(res) > FHIRIN_MAX_RESOURCE) {
        problem(&c,
                "the resource is larger than %u MiB; medpacket reads no Patient or "
                "Appointment that large (a narrative or photo that size is not read)",
                FHIRIN_MAX_RESOURCE >> 20);
        return 1;
    }
    if (is_type(res, "Patient"))
        map_patient(&c, res, "Patient.");
    else
        map_appointment(&c, res, index);
    if (!row->problem)
        p->where = keep(&c, row->where);
    if (c.oom)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    return 1;
}

/* ---- Bundles ------------------------------------------------------------ */

/* Takes bundle (a reference is kept) and indexes its entries. */
static int start_bundle(fhirin *r, json_t *bundle, mp_err *err)
{
    json_decref(r->bundle);
    json_decref(r->index);
    r->bundle = json_incref(bundle);
    r->entries = json_object_get(bundle, "entry");
    r->next_entry = 0;
    r->appointment_rows = false;
    if (r->entries && !json_is_array(r->entries))
        return err_set(err, EX_DATAERR, r->name, 0, 0, "Bundle.entry must be a list");
    if (!(r->index = json_object()))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    size_t i;
    json_t *e;
    json_array_foreach(r->entries, i, e)
    {
        json_t *res = json_object_get(e, "resource");
        if (!json_is_object(res))
            continue;
        if (is_type(res, "Appointment"))
            r->appointment_rows = true;
        if (index_add(r->index, jstr(e, "fullUrl"), res))
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    return 0;
}

/* The Bundle's next row: 1, 0 when it has no more, or an error. */
static int next_in_bundle(fhirin *r, arena *a, fhirin_row *row, mp_err *err)
{
    const char *want = r->appointment_rows ? "Appointment" : "Patient";
    while (r->next_entry < json_array_size(r->entries)) {
        size_t k = r->next_entry++;
        const json_t *res = json_object_get(json_array_get(r->entries, k), "resource");
        if (!is_type(res, want))
            continue;
        int rc = make_row(r, res, r->index, (long)k + 1, a, row, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* A document or NDJSON line's value, or why it cannot be one. */
static int check_top(const fhirin *r, const json_t *v, long line, mp_err *err)
{
    if (!json_is_object(v))
        return err_set(err, EX_DATAERR, r->name, (int)line, 1,
                       "a FHIR resource is a JSON object, not a list or a single value");
    const char *type = jstr(v, "resourceType");
    if (!type)
        return err_set(err, EX_DATAERR, r->name, (int)line, 1,
                       "not a FHIR resource: it has no resourceType");
    return 0;
}

static int bad_top_type(const fhirin *r, const json_t *v, long line, mp_err *err)
{
    char tid[80];
    type_id(v, tid, sizeof tid);
    return err_set(err, EX_DATAERR, r->name, (int)line, 1,
                   "%s: medpacket reads a Bundle, a Patient, an Appointment, or NDJSON of "
                   "Patients or Appointments",
                   tid);
}

/* ---- NDJSON of Appointments: their Patients read first ----------------- */

/* What a Patient or Practitioner held for an Appointment NDJSON needs:
 * narrative, photos and extensions dropped. */
static void trim(json_t *res)
{
    static const char *const drop[] = {"text",    "photo",         "contained", "extension",
                                       "address", "contact",       "link",      "telecom",
                                       "meta",    "qualification", NULL};
    for (size_t i = 0; drop[i]; i++)
        json_object_del(res, drop[i]);
}

/* Indexes the Patient and Practitioner lines of in (from where it is). */
static int index_lines(fhirin *r, FILE *in, const char *name, mp_err *err)
{
    long line = 0;
    int rc;
    while ((rc = read_line(r, in, err)) == 1) {
        line++;
        if (blank(r->buf, r->len))
            continue;
        json_error_t je;
        json_t *v = json_loadb(r->buf, r->len, JSON_REJECT_DUPLICATES, &je);
        if (!v) {
            rc = json_fail(r, &je, line, err);
            snprintf(err->file, sizeof err->file, "%s", name);
            return rc;
        }
        if ((is_type(v, "Patient") || is_type(v, "Practitioner")) &&
            resource_size(v) <= FHIRIN_MAX_RESOURCE) {
            trim(v);
            if (index_add(r->index, NULL, v)) {
                json_decref(v);
                return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            }
        }
        json_decref(v);
    }
    return rc;
}

/* Patient.ndjson and Practitioner.ndjson beside path, as a Bulk Data
 * export names its files; a missing one is no error. */
static int index_siblings(fhirin *r, mp_err *err)
{
    if (!r->path)
        return 0;
    const char *slash = strrchr(r->path, '/');
    int dir = slash ? (int)(slash - r->path + 1) : 0;
    static const char *const files[] = {"Patient.ndjson", "Practitioner.ndjson"};
    for (size_t i = 0; i < 2; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%.*s%s", dir, r->path, files[i]);
        struct stat a, b;
        if (stat(p, &a) != 0 ||
            (fstat(fileno(r->in), &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev))
            continue;
        FILE *f = fopen(p, "rb");
        if (!f)
            return err_set(err, EX_NOINPUT, p, 0, 0, "cannot open: %s", strerror(errno));
        int rc = index_lines(r, f, p, err);
        fclose(f);
        if (rc)
            return rc;
    }
    return 0;
}

/* The input as a file that can be read twice: itself, or a copy of a pipe
 * (the line already read first). */
static FILE *rereadable(fhirin *r, mp_err *err)
{
    if (r->size >= 0 && fseek(r->in, 0, SEEK_SET) == 0)
        return r->in;
    r->spool = tmpfile();
    if (!r->spool) {
        err_set(err, EX_CANTCREAT, NULL, 0, 0, "cannot make a temporary file: %s", strerror(errno));
        return NULL;
    }
    fwrite(r->buf, 1, r->len, r->spool);
    fputc('\n', r->spool);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, r->in)) > 0)
        if (fwrite(chunk, 1, n, r->spool) != n)
            break;
    if (ferror(r->in) || ferror(r->spool) || fseek(r->spool, 0, SEEK_SET) != 0) {
        err_set(err, EX_IOERR, r->name, 0, 0, "cannot copy the input to read it twice");
        return NULL;
    }
    return r->spool;
}

static int start_appointments(fhirin *r, mp_err *err)
{
    if (!(r->index = json_object()))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    FILE *in = rereadable(r, err);
    if (!in)
        return err->code;
    int rc = index_lines(r, in, r->name, err);
    if (!rc)
        rc = index_siblings(r, err);
    if (!rc && fseek(in, 0, SEEK_SET) != 0)
        rc = err_set(err, EX_IOERR, r->name, 0, 0, "cannot read the file again");
    r->in = in;
    r->line = 0;
    r->mode = MODE_APPOINTMENTS;
    return rc;
}

/* ---- the rows ----------------------------------------------------------- */

/* The first line: a whole JSON value makes the file NDJSON (or a one-line
 * Bundle); a value that goes on is a pretty-printed document, read whole. */
static int start(fhirin *r, json_t **first, mp_err *err)
{
    int rc;
    do {
        if ((rc = read_line(r, r->in, err)) != 1) {
            r->mode = MODE_END;
            return rc;
        }
        r->line++;
    } while (blank(r->buf, r->len));
    long first_line = r->line;
    json_error_t je;
    json_t *v = json_loadb(r->buf, r->len, JSON_REJECT_DUPLICATES, &je);
    if (!v && json_error_code(&je) == json_error_premature_end_of_input) {
        /* The rest of the document, after the line read. */
        r->buf[r->len++] = '\n';
        for (;;) {
            if (r->cap - r->len < 65536) {
                size_t ncap = r->cap * 2;
                char *nb = realloc(r->buf, ncap);
                if (!nb)
                    return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
                r->buf = nb;
                r->cap = ncap;
            }
            size_t got = fread(r->buf + r->len, 1, r->cap - r->len - 1, r->in);
            r->len += got;
            if (r->len > FHIRIN_MAX_DOC)
                return err_set(err, EX_DATAERR, r->name, 0, 0,
                               "larger than %u MiB: medpacket reads a FHIR document of at most "
                               "that (page the search, or export NDJSON)",
                               FHIRIN_MAX_DOC >> 20);
            if (got == 0)
                break;
        }
        if (ferror(r->in))
            return err_set(err, EX_IOERR, r->name, 0, 0, "cannot read: %s", strerror(errno));
        v = json_loadb(r->buf, r->len, JSON_REJECT_DUPLICATES, &je);
        r->mode = MODE_DOC;
        /* The document's bytes are in the tree now. */
        free(r->buf);
        r->buf = NULL;
        r->cap = r->len = 0;
    }
    if (!v)
        return json_fail(r, &je, first_line, err);
    if ((rc = check_top(r, v, first_line, err))) {
        json_decref(v);
        return rc;
    }
    if (is_type(v, "Bundle") && r->mode != MODE_DOC) {
        /* A minified Bundle: a file of one line, and nothing after it. */
        r->mode = MODE_DOC;
        while ((rc = read_line(r, r->in, err)) == 1) {
            r->line++;
            if (!blank(r->buf, r->len)) {
                json_decref(v);
                return err_set(err, EX_DATAERR, r->name, (int)r->line, 1,
                               "a file that starts with a Bundle holds that Bundle only");
            }
        }
        if (rc) {
            json_decref(v);
            return rc;
        }
    }
    if (r->mode == MODE_DOC) {
        if (!is_type(v, "Bundle") && !is_type(v, "Patient") && !is_type(v, "Appointment")) {
            rc = bad_top_type(r, v, first_line, err);
            json_decref(v);
            return rc;
        }
        *first = v;
        return 0;
    }
    if (is_type(v, "Appointment")) {
        json_decref(v);
        return start_appointments(r, err);
    }
    if (!is_type(v, "Patient")) {
        rc = bad_top_type(r, v, first_line, err);
        json_decref(v);
        return rc;
    }
    r->mode = MODE_PATIENTS;
    *first = v;
    return 0;
}

/* An NDJSON line's row: 1, 0 for a line that is no row, or an error. */
static int line_row(fhirin *r, json_t *v, arena *a, fhirin_row *row, mp_err *err)
{
    const char *want = r->mode == MODE_PATIENTS ? "Patient" : "Appointment";
    if (is_type(v, want))
        return make_row(r, v, r->index, r->line, a, row, err);
    /* An Appointment file's Patients and Practitioners were read first. */
    if (r->mode == MODE_APPOINTMENTS && (is_type(v, "Patient") || is_type(v, "Practitioner")))
        return 0;
    if (r->mode == MODE_PATIENTS && is_type(v, "Practitioner"))
        return 0;
    char tid[80];
    type_id(v, tid, sizeof tid);
    row->entry = r->line;
    row->patient.row = r->line;
    snprintf(row->where, sizeof row->where, "entry %ld (%s)", r->line, tid);
    rowctx c = {r, a, row, false};
    if (is_type(v, "Bundle"))
        problem(&c, "a Bundle inside an NDJSON file is not read; give the Bundle as a file of "
                    "its own");
    else if (r->mode == MODE_PATIENTS && is_type(v, "Appointment"))
        problem(&c, "this NDJSON file starts with Patients, so it is read as a list of Patients; "
                    "put the Appointments first (their Patients may follow, or be in "
                    "Patient.ndjson beside it)");
    else
        problem(&c, "medpacket reads Patients and Appointments, not %s",
                jstr(v, "resourceType") && good_id(jstr(v, "resourceType"))
                    ? jstr(v, "resourceType")
                    : "this resource");
    return 1;
}

/* Reads as far as the first row, so that a file that is no FHIR list is
 * refused before anything is written: the mode, a document's Bundle, an
 * Appointment NDJSON's Patients; a first NDJSON line is kept for
 * fhirin_next. */
static int begin(fhirin *r, mp_err *err)
{
    json_t *first = NULL;
    int rc = start(r, &first, err);
    if (rc || r->mode == MODE_END)
        return rc;
    if (r->mode == MODE_DOC) {
        if (is_type(first, "Bundle")) {
            rc = start_bundle(r, first, err);
            json_decref(first);
            if (rc)
                return rc;
        } else {
            /* One Patient or Appointment: a Bundle of one entry, read the
             * same way. */
            json_t *b =
                json_pack("{s:s, s:[{s:o}]}", "resourceType", "Bundle", "entry", "resource", first);
            if (!b)
                return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            rc = start_bundle(r, b, err);
            json_decref(b);
            if (rc)
                return rc;
        }
    } else {
        r->pending = first;
    }
    return 0;
}

int fhirin_next(fhirin *r, arena *a, fhirin_row *row, mp_err *err)
{
    memset(row, 0, sizeof *row);
    if (r->pending) {
        json_t *first = r->pending;
        r->pending = NULL;
        int rc = line_row(r, first, a, row, err);
        json_decref(first);
        if (rc)
            return rc;
    }
    if (r->mode == MODE_DOC)
        return next_in_bundle(r, a, row, err);
    if (r->mode == MODE_END)
        return 0;
    for (;;) {
        int rc = read_line(r, r->in, err);
        if (rc != 1) {
            if (rc == 0)
                r->mode = MODE_END;
            return rc;
        }
        r->line++;
        if (blank(r->buf, r->len))
            continue;
        if (r->len > FHIRIN_MAX_RESOURCE) {
            /* Not parsed: a tree of it would hold the line twice over, and
             * no line after the first may be a Bundle. */
            row->entry = row->patient.row = r->line;
            snprintf(row->where, sizeof row->where, "entry %ld", r->line);
            snprintf(row->problem_buf, sizeof row->problem_buf,
                     "the line is larger than %u MiB; medpacket reads no Patient or Appointment "
                     "that large (a narrative or photo that size is not read)",
                     FHIRIN_MAX_RESOURCE >> 20);
            row->problem = row->problem_buf;
            free(r->buf);
            r->buf = NULL;
            r->cap = 0;
            return 1;
        }
        json_error_t je;
        json_t *v = json_loadb(r->buf, r->len, JSON_REJECT_DUPLICATES, &je);
        if (!v)
            return json_fail(r, &je, r->line, err);
        rc = json_is_object(v) ? line_row(r, v, a, row, err) : check_top(r, v, r->line, err);
        json_decref(v);
        /* A line that is long only because of a large resource is not kept
         * at that size for the rest of the file. */
        if (r->cap > (4u << 20)) {
            free(r->buf);
            r->buf = NULL;
            r->cap = 0;
        }
        if (rc)
            return rc;
    }
}
