/*
 * patient.c — see patient.h.
 */
#include "patient.h"

#include <string.h>

#include "date.h"
#include "utf8.h"

bool patient_is_date_field(const char *name, size_t len)
{
    return (len == 3 && memcmp(name, "dob", 3) == 0) ||
           (len > 5 && memcmp(name + len - 5, "_date", 5) == 0);
}

const char *patient_date_problem(const char *s, size_t n)
{
    bool shape = n == 10 && s[4] == '-' && s[7] == '-';
    for (size_t i = 0; shape && i < n; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            shape = false;
    mp_date d;
    if (date_parse_iso(s, n, &d))
        return NULL;
    return shape ? "is not a date that exists (check the month and the day)"
                 : "is not a valid date (write it as YYYY-MM-DD)";
}

static bool valid_field_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

int patient_load_yaml(const char *path, arena *a, patient *out, mp_err *err)
{
    memset(out, 0, sizeof *out);
    ydoc *doc;
    int rc = ydoc_open(path, a, &doc, err);
    if (rc)
        return rc;
    const ynode *root = doc->root;
    if (root->kind == YNODE_SEQ)
        return node_err(err, EX_DATAERR, doc, root,
                        "this file lists %zu patients; render takes one patient per file",
                        root->count);
    if (root->kind != YNODE_MAP)
        return node_err(err, EX_DATAERR, doc, root,
                        "patient data must be a mapping of fields (first_name: ...)");
    out->source = doc->path;
    out->fields = arena_array(a, root->count, sizeof *out->fields);
    if (root->count && !out->fields)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < root->count; i++) {
        const ynode *k = root->keys[i], *v = root->vals[i];
        if (!valid_field_name(k->str))
            return node_err(err, EX_DATAERR, doc, k,
                            "field name \"%s\" may hold only a-z, 0-9 and _", k->str);
        if (v->kind != YNODE_SCALAR)
            return node_err(err, EX_DATAERR, doc, v, "field %s must be a text, not %s", k->str,
                            ydoc_kind_name(v));
        if (ydoc_is_null(v) || v->len == 0)
            continue; /* an empty field is a missing one, quoted or not */
        if (patient_is_date_field(k->str, k->len)) {
            const char *why = patient_date_problem(v->str, v->len);
            if (why)
                return node_err(err, EX_DATAERR, doc, v, "field %s %s", k->str, why);
        }
        patient_value *pv = &out->fields[out->nfields++];
        pv->name = k->str;
        pv->value = (mp_text){.s = v->str, .len = v->len, .doc = doc, .node = v};
    }
    return 0;
}

const mp_text *patient_get(const patient *p, const char *name, size_t name_len)
{
    for (size_t i = 0; i < p->nfields; i++)
        if (strlen(p->fields[i].name) == name_len &&
            memcmp(p->fields[i].name, name, name_len) == 0)
            return p->fields[i].value.len ? &p->fields[i].value : NULL;
    return NULL;
}

int patient_set(patient *p, const char *name, const char *value, arena *a, mp_err *err)
{
    static const char *const known[] = {
        "first_name", "last_name", "dob",   "mrn",         "appointment_date", "appointment_time",
        "appointment_id", "clinician", "phone", "email",  "booking_ref",      "language",
        "large_print", NULL,
    };
    size_t n = strlen(name);
    patient_value *existing = NULL;
    for (size_t i = 0; i < p->nfields; i++)
        if (strcmp(p->fields[i].name, name) == 0)
            existing = &p->fields[i];
    bool standard = false;
    for (size_t i = 0; known[i] && !standard; i++)
        standard = strcmp(known[i], name) == 0;
    if (!existing && !standard)
        return err_set(err, EX_USAGE, NULL, 0, 0,
                       "--set: unknown field patient.%s (known: first_name, last_name, dob, mrn, "
                       "appointment_date, clinician, language, ...)",
                       name);
    const char *why = patient_is_date_field(name, n) ? patient_date_problem(value, strlen(value))
                                                     : NULL;
    if (why)
        return err_set(err, EX_DATAERR, NULL, 0, 0, "--set: patient.%s %s", name, why);
    /* The bound every YAML text and CSV field has, so that no source of a
     * value can take more memory or time than the others. */
    if (strlen(value) > YDOC_MAX_SCALAR)
        return err_set(err, EX_DATAERR, NULL, 0, 0, "--set: patient.%s is longer than %u KiB",
                       name, YDOC_MAX_SCALAR >> 10);
    size_t bad;
    if (!utf8_valid(value, strlen(value), &bad))
        return err_set(err, EX_DATAERR, NULL, 0, 0, "--set: patient.%s is not valid UTF-8", name);
    char *copy = arena_strdup(a, value);
    if (!copy)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (!existing) {
        size_t cap = p->nfields;
        patient_value *nf = arena_array(a, p->nfields + 1, sizeof *nf);
        if (!nf)
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        if (cap)
            memcpy(nf, p->fields, cap * sizeof *nf);
        p->fields = nf;
        existing = &p->fields[p->nfields++];
        existing->name = arena_strdup(a, name);
        if (!existing->name)
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    existing->value = (mp_text){.s = copy, .len = strlen(copy)};
    return 0;
}
