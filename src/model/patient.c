/*
 * patient.c — see patient.h.
 */
#include "patient.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "utf8.h"

const char *patient_place(const patient *p, char *buf, size_t n)
{
    if (p->where)
        return p->where;
    snprintf(buf, n, "row %ld", p->row);
    return buf;
}

bool patient_is_date_field(const char *name, size_t len)
{
    return (len == 3 && memcmp(name, "dob", 3) == 0) ||
           (len > 5 && memcmp(name + len - 5, "_date", 5) == 0);
}

const char *patient_date_problem(const char *s, size_t n)
{
    return date_parse_data(s, n, DATE_ORDER_ISO, NULL);
}

bool patient_yes_no(const char *s, bool *out)
{
    /* What a spreadsheet column or a front desk writes: an "x" in a box, the
     * Spanish "sí". */
    static const char *const yes[] = {"yes", "y", "true", "1", "x", "si", "s\xC3\xAD"};
    static const char *const no[] = {"no", "n", "false", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(s, yes[i]) == 0)
            return *out = true, true;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(s, no[i]) == 0)
            return *out = false, true;
    return false;
}

/* HH:MM on a 24-hour clock, or H:MM AM/PM; written back as HH:MM. */
static bool parse_time(const char *s, size_t n, int *hh, int *mm)
{
    size_t i = 0;
    int h = 0, k = 0;
    for (; i < n && k < 3 && s[i] >= '0' && s[i] <= '9'; i++, k++)
        h = h * 10 + (s[i] - '0');
    if (k < 1 || k > 2 || i + 3 > n || s[i] != ':' || s[i + 1] < '0' || s[i + 1] > '5' ||
        s[i + 2] < '0' || s[i + 2] > '9')
        return false;
    int m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
    i += 3;
    while (i < n && s[i] == ' ')
        i++;
    if (i == n) {
        if (h > 23)
            return false;
    } else {
        bool pm;
        if (n - i == 2 && strncasecmp(s + i, "am", 2) == 0)
            pm = false;
        else if (n - i == 2 && strncasecmp(s + i, "pm", 2) == 0)
            pm = true;
        else
            return false;
        if (h < 1 || h > 12)
            return false;
        h = h % 12 + (pm ? 12 : 0);
    }
    *hh = h, *mm = m;
    return true;
}

const char *patient_value_problem(const char *name, mp_text *value, date_order order, arena *a)
{
    size_t n = strlen(name);
    if (patient_is_date_field(name, n)) {
        mp_date d;
        const char *why = date_parse_data(value->s, value->len, order, &d);
        if (why)
            return why;
        if (value->len != 10 || value->s[4] != '-') {
            char *iso = arena_alloc(a, 11);
            if (!iso)
                return "could not be stored (out of memory)";
            date_format_iso(d, iso);
            value->s = iso, value->len = 10;
        }
        return NULL;
    }
    if (strcmp(name, "large_print") == 0) {
        bool yes;
        return patient_yes_no(value->s, &yes) ? NULL : "must be yes or no (or empty)";
    }
    if (strcmp(name, "appointment_time") == 0) {
        int h, m;
        if (!parse_time(value->s, value->len, &h, &m))
            return "is not a time (write it as 14:30 or 2:30 PM)";
        char *t = arena_printf(a, "%02d:%02d", h, m);
        if (!t)
            return "could not be stored (out of memory)";
        value->s = t, value->len = 5;
    }
    return NULL;
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
        patient_value *pv = &out->fields[out->nfields++];
        pv->name = k->str;
        pv->value = (mp_text){.s = v->str, .len = v->len, .doc = doc, .node = v};
        /* A patient file is written for medpacket: its dates are YYYY-MM-DD. */
        const char *why = patient_value_problem(k->str, &pv->value, DATE_ORDER_ISO, a);
        if (why)
            return node_err(err, EX_DATAERR, doc, v, "field %s %s", k->str, why);
    }
    return 0;
}

const mp_text *patient_get(const patient *p, const char *name, size_t name_len)
{
    for (size_t i = 0; i < p->nfields; i++)
        if (strlen(p->fields[i].name) == name_len && memcmp(p->fields[i].name, name, name_len) == 0)
            return p->fields[i].value.len ? &p->fields[i].value : NULL;
    return NULL;
}

int patient_set(patient *p, const char *name, const char *value, arena *a, mp_err *err)
{
    static const char *const known[] = {
        "first_name",       "last_name",      "dob",         "mrn",   "appointment_date",
        "appointment_time", "appointment_id", "clinician",   "phone", "email",
        "booking_ref",      "language",       "large_print", NULL,
    };
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
    return patient_put(p, name, value, a, err);
}

int patient_put(patient *p, const char *name, const char *value, arena *a, mp_err *err)
{
    if (!valid_field_name(name))
        return err_set(err, EX_USAGE, NULL, 0, 0,
                       "--set: field name \"%s\" may hold only a-z, 0-9 and _", name);
    patient_value *existing = NULL;
    for (size_t i = 0; i < p->nfields; i++)
        if (strcmp(p->fields[i].name, name) == 0)
            existing = &p->fields[i];
    /* The bound every YAML text and CSV field has, so that no source of a
     * value can take more memory or time than the others. */
    if (strlen(value) > YDOC_MAX_SCALAR)
        return err_set(err, EX_DATAERR, NULL, 0, 0, "--set: patient.%s is longer than %u KiB", name,
                       YDOC_MAX_SCALAR >> 10);
    mp_text checked = {.s = value, .len = strlen(value)};
    const char *why = patient_value_problem(name, &checked, DATE_ORDER_ISO, a);
    if (why)
        return err_set(err, EX_DATAERR, NULL, 0, 0, "--set: patient.%s %s", name, why);
    value = checked.s;
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
