/*
 * check.c — see check.h.
 */
#include "check.h"

#include "wchange.h"
#include "wording.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fill.h"
#include "msg.h"
#include "qr.h"
#include "vars.h"

/* ---- findings ------------------------------------------------------------ */

static int add(check_report *r, finding_level level, const mp_err *where)
{
    finding *nf = arena_grow(r->a, r->findings, &r->cap, r->nfindings + 1, sizeof *nf);
    if (!nf)
        return EX_OSERR;
    r->findings = nf;
    nf[r->nfindings++] = (finding){level, *where};
    if (level == FINDING_ERROR)
        r->errors++;
    else if (level == FINDING_WARNING)
        r->warnings++;
    else
        r->notes++;
    return 0;
}

/* A finding at byte `offset` of text t (its place in the YAML file). */
static int at_text(check_report *r, finding_level level, const mp_text *t, size_t offset,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int at_text(check_report *r, finding_level level, const mp_text *t, size_t offset,
                   const char *fmt, ...)
{
    char msg[sizeof((mp_err *)0)->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mp_err e;
    err_clear(&e);
    text_err(&e, EX_DATAERR, t, offset, "%s", msg);
    return add(r, level, &e);
}

static int at_node(check_report *r, finding_level level, const ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int at_node(check_report *r, finding_level level, const ynode *n, const char *fmt, ...)
{
    char msg[sizeof((mp_err *)0)->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mp_err e;
    err_clear(&e);
    node_err(&e, EX_DATAERR, r->form->doc, n, "%s", msg);
    return add(r, level, &e);
}

/* ---- placeholders -------------------------------------------------------- */

/* Patient fields every scheduling export is expected to have. */
static bool standard_patient_field(const char *f, size_t n)
{
    static const char *const std[] = {
        "first_name",
        "last_name",
        "name",
        "dob",
        "mrn",
        "appointment_date",
        "appointment_time",
        "appointment_id",
        "clinician",
        "phone",
        "email",
        "booking_ref",
        "language",
        NULL,
    };
    for (size_t i = 0; std[i]; i++)
        if (strlen(std[i]) == n && memcmp(std[i], f, n) == 0)
            return true;
    return false;
}

static bool is(const char *name, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(name, lit, len) == 0;
}

typedef struct scan {
    check_report *r;
    const mp_text *t;
    const clinic *c;
    int rc;
} scan;

static void on_placeholder(void *ctx, const char *name, size_t len, size_t offset)
{
    scan *s = ctx;
    if (s->rc)
        return;
    if (len > 8 && memcmp(name, "patient.", 8) == 0) {
        if (!standard_patient_field(name + 8, len - 8))
            s->rc = at_text(s->r, FINDING_WARNING, s->t, offset,
                            "{{%.*s}} is not a standard patient field: the patient data needs a "
                            "column \"%.*s\"",
                            (int)len, name, (int)(len - 8), name + 8);
        return;
    }
    if (is(name, len, "clinic.tty")) {
        if (s->c && !s->c->tty.s)
            s->rc = at_text(s->r, FINDING_ERROR, s->t, offset,
                            "{{clinic.tty}} needs the clinic's TTY number (tty: in the clinic "
                            "settings; 711 reaches the relay service)");
        return;
    }
    if (is(name, len, "clinic.name") || is(name, len, "clinic.address") ||
        is(name, len, "clinic.phone") || is(name, len, "form.id") || is(name, len, "form.title") ||
        is(name, len, "form.version") || is(name, len, "today"))
        return;
    if (is(name, len, "booking.ref")) {
        if (s->c && !s->c->booking_key.s)
            s->rc = at_text(s->r, FINDING_WARNING, s->t, offset,
                            "{{booking.ref}} needs the clinic's booking_key_file, or a booking_ref "
                            "column in every patient's data");
        return;
    }
    s->rc = at_text(s->r, FINDING_ERROR, s->t, offset,
                    "placeholder {{%.*s}} can never be filled (see forms/README.md for the names)",
                    (int)len, name);
}

static int check_text(check_report *r, const clinic *c, const mp_text *t)
{
    if (!t->s)
        return 0;
    scan s = {r, t, c, 0};
    fill_problem p;
    if (fill_each(t->s, t->len, on_placeholder, &s, &p) != FILL_OK)
        return s.rc ? s.rc
                    : at_text(r, FINDING_ERROR, t, p.offset, "%s",
                              p.why ? p.why : "bad placeholder");
    return s.rc;
}

typedef struct text_check {
    check_report *r;
    const clinic *c;
} text_check;

static int check_one(void *ctx, const mp_text *t)
{
    const text_check *tc = ctx;
    return check_text(tc->r, tc->c, t);
}

/* Every text but a booking_qr's url:, which check_qr reads as a URL. */
static int check_placeholders(check_report *r, const form *f, const clinic *c)
{
    text_check tc = {r, c};
    return form_each_text(f, false, check_one, &tc);
}

/* ---- the booking QR code ------------------------------------------------ */

typedef struct url_scan {
    const clinic *c;
    const form *f;
    size_t max_len; /* the longest the filled URL can get */
} url_scan;

/* The most bytes a placeholder can put into a URL: what we know exactly
 * (clinic, form values, the 16-letter reference), else a generous guess. */
static void url_each(void *ctx, const char *name, size_t len, size_t offset)
{
    url_scan *u = ctx;
    (void)offset;
    size_t n = 40; /* a patient field: a long name or an identifier */
    if (is(name, len, "booking.ref"))
        n = 16;
    else if (is(name, len, "today"))
        n = 20;
    else if (is(name, len, "clinic.name") && u->c)
        n = u->c->name.len;
    else if (is(name, len, "clinic.phone") && u->c)
        n = u->c->phone.len;
    else if (is(name, len, "clinic.address") && u->c)
        n = u->c->address.len;
    else if (is(name, len, "form.id"))
        n = u->f->id.len;
    else if (is(name, len, "form.version"))
        n = u->f->version.len;
    u->max_len += n - (len + 4); /* the placeholder itself was counted as text */
}

/* The first placeholder in a URL's path (before its '?' or '#') other than
 * {{booking.ref}}, whose value is a reference made to sit there. */
typedef struct path_scan {
    size_t query_at; /* offset of '?' or '#', or the length */
    bool found;
    size_t offset;
    char name[128];
} path_scan;

static void path_each(void *ctx, const char *name, size_t len, size_t offset)
{
    path_scan *p = ctx;
    if (!p->found && offset < p->query_at && !is(name, len, "booking.ref")) {
        p->found = true;
        p->offset = offset;
        snprintf(p->name, sizeof p->name, "%.*s", (int)len, name);
    }
}

static int check_qr(check_report *r, const form *f, const clinic *c, const form_block *b)
{
    const mp_text *pattern = b->url.s ? &b->url : c ? &c->booking_url : NULL;
    if (!pattern || !pattern->s)
        return at_node(r, FINDING_ERROR, b->node,
                       "booking_qr has no URL: set booking_url in the clinic settings or url: in "
                       "the block");
    if (strncmp(pattern->s, "https://", 8) != 0) {
        int rc = strncmp(pattern->s, "http://", 7) == 0
                     ? at_text(r, FINDING_WARNING, pattern, 0,
                               "the booking URL is not https: patients' phones may warn")
                     : at_text(r, FINDING_ERROR, pattern, 0,
                               "the booking URL must start with https:// (or http://)");
        if (rc)
            return rc;
    }
    url_scan u = {.c = c, .f = f, .max_len = pattern->len};
    fill_problem p;
    if (fill_each(pattern->s, pattern->len, url_each, &u, &p) != FILL_OK)
        return 0; /* reported with the placeholders */
    int rc = 0;
    vars_phi phi;
    vars_find_identifier(pattern->s, pattern->len, &phi);
    if (phi.found)
        rc = at_text(r, f->qr_allows_patient_data ? FINDING_WARNING : FINDING_ERROR, pattern,
                     phi.offset, "the booking URL would put {{%s}} into the QR code%s", phi.name,
                     f->qr_allows_patient_data
                         ? " (allowed by qr_allows_patient_data: true)"
                         : "; use {{booking.ref}}, or set qr_allows_patient_data: true");
    /* Values are percent-encoded into a URL (vars_fill_url): in a path, a
     * value's "/" becomes %2F, which many web servers refuse or decode as a
     * path separator. */
    path_scan ps = {.query_at = strcspn(pattern->s, "?#")};
    if (!rc && !phi.found && fill_each(pattern->s, pattern->len, path_each, &ps, &p) == FILL_OK &&
        ps.found)
        rc = at_text(r, FINDING_WARNING, pattern, ps.offset,
                     "{{%s}} is in the booking URL's path, where a / in its value becomes %%2F, "
                     "which many web servers refuse: put it in the query (?name={{%s}})",
                     ps.name, ps.name);
    size_t cap = qr_capacity_bytes(QR_MAX_VERSION);
    if (!rc && u.max_len > cap)
        rc = at_text(r, FINDING_ERROR, pattern, 0,
                     "the booking URL can reach %zu bytes; a QR code holds at most %zu", u.max_len,
                     cap);
    return rc;
}

/* ---- informed consent --------------------------------------------------- */

static const form_block *first_block(const form *f, block_kind k)
{
    for (size_t i = 0; i < f->nblocks; i++)
        if (f->blocks[i].kind == k)
            return &f->blocks[i];
    return NULL;
}

static int check_consent(check_report *r, const form *f)
{
    const ynode *blocks = ydoc_get(f->doc->root, "blocks");
    int rc = 0;
    if (!first_block(f, BLOCK_PROCEDURE))
        rc = at_node(r, FINDING_ERROR, blocks,
                     "a consent needs a procedure: block describing the nature of the procedure");
    size_t benefits = 0;
    bool risks = false;
    for (size_t i = 0; !rc && i < f->nblocks; i++) {
        const form_block *b = &f->blocks[i];
        if (b->kind == BLOCK_BENEFITS)
            benefits += b->nitems;
        if (b->kind != BLOCK_RISKS)
            continue;
        risks = true;
        for (size_t k = 0; !rc && k < b->nitems; k++)
            if (!b->items[k].text.s)
                rc = at_text(r, FINDING_ERROR, &b->items[k].title, 0,
                             "risk \"%s\" has no text: describe it for the patient",
                             b->items[k].title.s);
    }
    if (!rc && benefits == 0)
        rc = at_node(r, FINDING_ERROR, blocks, "a consent needs at least one benefit (benefits:)");
    if (!rc && !risks)
        rc = at_node(r, FINDING_ERROR, blocks, "a consent needs its risks (risks:)");
    if (!rc && !first_block(f, BLOCK_ALTERNATIVES))
        rc = at_node(r, FINDING_ERROR, blocks,
                     "a consent needs the alternatives, and the risk of not treating "
                     "(alternatives:)");
    if (!rc && !first_block(f, BLOCK_QUESTIONS))
        rc = at_node(r, FINDING_ERROR, blocks,
                     "a consent needs a questions: block saying the patient's questions were "
                     "answered");
    bool by_patient = false, by_clinician = false;
    for (size_t i = 0; i < f->nblocks; i++) {
        const form_block *b = &f->blocks[i];
        for (size_t k = 0; b->kind == BLOCK_SIGNATURES && k < b->nsigs; k++) {
            by_patient |= b->sigs[k].signer == SIGNER_PATIENT && b->sigs[k].date;
            by_clinician |= b->sigs[k].signer == SIGNER_CLINICIAN && b->sigs[k].date;
        }
    }
    if (!rc && !by_patient)
        rc = at_node(r, FINDING_ERROR, blocks,
                     "a consent needs the patient's signature with a date (a signature with "
                     "signer: patient)");
    if (!rc && !by_clinician)
        rc = at_node(r, FINDING_ERROR, blocks,
                     "a consent needs the clinician's signature with a date (a signature with "
                     "signer: clinician)");
    return rc;
}

/* Whether f's paragraphs name placeholder ph ("{{clinic.phone}}"). */
static bool says(const form *f, const char *ph)
{
    for (size_t i = 0; i < f->nblocks; i++)
        if (f->blocks[i].text.s && strstr(f->blocks[i].text.s, ph))
            return true;
    return false;
}

/* A notice tells the patient how to ask for the help: the clinic's phone
 * number, and the number TTY users call. */
static int check_notice(check_report *r, const form *f)
{
    const ynode *blocks = ydoc_get(f->doc->root, "blocks");
    int rc = 0;
    if (!says(f, "{{clinic.phone}}"))
        rc = at_node(r, FINDING_ERROR, blocks,
                     "the notice must say whom to call: {{clinic.phone}} is in none of its "
                     "paragraphs");
    if (!rc && !says(f, "{{clinic.tty}}"))
        rc = at_node(r, FINDING_WARNING, blocks,
                     "the notice gives no TTY number ({{clinic.tty}}) for patients who are deaf or "
                     "hard of hearing");
    return rc;
}

/* ---- reading level ------------------------------------------------------ */

static int new_section(check_report *r, const char *title, int line, const char *lang)
{
    check_section *ns =
        arena_grow(r->a, r->sections, &r->sections_cap, r->nsections + 1, sizeof *ns);
    if (!ns)
        return EX_OSERR;
    r->sections = ns;
    /* The form's language picks the syllable rules and the grade formula. */
    ns[r->nsections++] = (check_section){.title = title, .line = line, .r.lang = lang};
    return 0;
}

/* Adds t to the current section; true when there was text to add. */
static bool read_text(check_report *r, const mp_text *t)
{
    if (!t->s || !r->nsections)
        return false;
    readability_add(&r->sections[r->nsections - 1].r, t->s, t->len);
    return true;
}

static int check_reading(check_report *r, const form *f)
{
    const readability probe = {.lang = f->language.s};
    r->grade_formula = readability_formula(&probe);
    bool opening_read = false; /* text in the opening section: words, or none counted */
    int rc = new_section(r, f->title.s, f->title.node ? f->title.node->line : 0, f->language.s);
    for (size_t i = 0; !rc && i < f->nblocks; i++) {
        const form_block *b = &f->blocks[i];
        switch (b->kind) {
        case BLOCK_HEADING:
            /* An empty opening section (the title alone) is dropped. */
            if (r->nsections == 1 && r->sections[0].r.words == 0 &&
                (r->grade_formula || !opening_read))
                r->nsections = 0;
            opening_read = true; /* past the opening section */
            rc = new_section(r, b->text.s, b->text.node->line, f->language.s);
            break;
        case BLOCK_PARAGRAPH:
        case BLOCK_PROCEDURE:
        case BLOCK_QUESTIONS:
            opening_read |= read_text(r, &b->text);
            break;
        case BLOCK_LIST:
        case BLOCK_CHECKBOXES:
        case BLOCK_BENEFITS:
        case BLOCK_RISKS:
        case BLOCK_ALTERNATIVES:
            for (size_t k = 0; k < b->nitems; k++) {
                opening_read |= read_text(r, &b->items[k].title);
                opening_read |= read_text(r, &b->items[k].text);
            }
            break;
        default:
            break;
        }
    }
    if (!rc && !r->grade_formula) {
        /* Said once, at the form's language: no section can be graded. */
        r->no_grade = arena_printf(r->a,
                                   "no reading-grade formula for language \"%s\": the reading "
                                   "level is not scored",
                                   f->language.s);
        if (!r->no_grade)
            return EX_OSERR;
        /* A notice's two sentences in fifteen languages: fifteen notes
         * would bury what a reviewer must read. */
        if (f->kind != FORM_NOTICE)
            rc = at_node(r, FINDING_NOTE, f->language.node, "%s", r->no_grade);
    }
    for (size_t i = 0; !rc && i < r->nsections; i++) {
        check_section *s = &r->sections[i];
        readability_finish(&s->r);
        s->above = s->r.words > 0 && s->r.grade > f->reading_grade;
        if (s->above) {
            mp_err e;
            err_clear(&e);
            err_set(&e, EX_DATAERR, f->doc->path, s->line, 1,
                    "section \"%s\" reads at grade %.1f, above the target of %d", s->title,
                    s->r.grade, f->reading_grade);
            rc = add(r, FINDING_WARNING, &e);
        }
    }
    return rc;
}

/* A form may be written in any language, but the words medpacket prints
 * around the wording come from its own tables: where it has none for the
 * form's language they print in English, and the clinic should know. */
static int check_labels(check_report *r, const form *f)
{
    /* A notice prints no labels: its page's are the packet's language's. */
    if (f->kind == FORM_NOTICE || msg_has_language(f->language.s))
        return 0;
    return at_node(r, FINDING_WARNING, f->language.node,
                   "medpacket has no labels in \"%s\": page numbers, the signature, date and "
                   "initials labels and the patient's details print in English",
                   f->language.s);
}

/* ---- approval ------------------------------------------------------------ */

/* A snapshot beside the form that is not what the record says it is. */
static int check_snapshot(check_report *r, const form *f, const snapshot *s, const char *what,
                          const char *want, const ynode *n)
{
    switch (s->state) {
    case SNAPSHOT_MATCHES:
        return 0;
    case SNAPSHOT_ABSENT:
        return at_node(r, FINDING_WARNING, n,
                       "no %s is kept beside the form (%s): `medpacket diff --since-approval` "
                       "cannot show what changed; `medpacket approve` writes it",
                       what, s->path);
    case SNAPSHOT_UNREADABLE:
        return at_node(r, FINDING_ERROR, n, "cannot read the %s, %s: %s", what, s->path,
                       strerror(s->errnum));
    case SNAPSHOT_DIFFERS:
        break;
    }
    (void)f;
    return at_node(r, FINDING_ERROR, n,
                   "%s is not the %s: its fingerprint is %.*s, the approval's %.*s (edited by "
                   "hand, or left from another approval?)",
                   s->path, what, WORDING_SHORT, s->sha256, WORDING_SHORT, want);
}

int check_approval(check_report *r, const form *f, const approval *ap)
{
    mp_err e;
    err_clear(&e);
    int rc = 0;
    if (f->status == FORM_APPROVED && (!f->approved_by.s || !f->approved_on.s))
        rc = at_node(r, FINDING_ERROR, f->status_node,
                     "an approved form names who approved it and when (approved_by:, "
                     "approved_on:; `medpacket approve` writes them)");
    /* The approval itself, and a translation's source, as render says it. */
    const char *changed = NULL;
    if (!rc && ap->stale && ap->source_snapshot.state == SNAPSHOT_MATCHES) {
        const char *now = wording_text(ap->source, r->a, NULL);
        if (!now || !(changed = wchange_sections(ap->source_snapshot.text, now, r->a)))
            return EX_OSERR;
    }
    if (!rc && ap->kind != APPROVAL_DRAFT && approval_problem(f, ap, false, changed, &e))
        rc = add(r, FINDING_ERROR, &e);
    else if (!rc && ap->kind == APPROVAL_DRAFT && ap->stale &&
             approval_problem(f, ap, false, changed, &e))
        rc = add(r, FINDING_WARNING, &e);
    else if (!rc && ap->kind == APPROVAL_DRAFT && ap->translation && !ap->source)
        rc = add(r, FINDING_ERROR, &ap->source_err);
    if (!rc && ap->stale && !changed && ap->source_snapshot.state != SNAPSHOT_MATCHES)
        rc = at_node(r, FINDING_NOTE, f->source_wording.node,
                     "the source's changed sections cannot be named: the source wording this "
                     "translation was approved against is not kept beside it (%s)",
                     ap->source_snapshot.path);
    if (!rc && f->approved_wording.s)
        rc = check_snapshot(r, f, &ap->approved, "approved wording", f->approved_wording.s,
                            f->approved_wording.node);
    if (!rc && f->source_wording.s && ap->source_snapshot.state != SNAPSHOT_ABSENT)
        rc = check_snapshot(r, f, &ap->source_snapshot, "source wording", f->source_wording.s,
                            f->source_wording.node);
    return rc;
}

int check_form(const form *f, const clinic *c, arena *a, check_report *out)
{
    memset(out, 0, sizeof *out);
    out->form = f;
    out->a = a;
    int rc = check_placeholders(out, f, c);
    if (!rc)
        rc = check_labels(out, f);
    for (size_t i = 0; !rc && i < f->nblocks; i++)
        if (f->blocks[i].kind == BLOCK_BOOKING_QR)
            rc = check_qr(out, f, c, &f->blocks[i]);
    if (!rc && f->kind == FORM_CONSENT)
        rc = check_consent(out, f);
    if (!rc && f->kind == FORM_NOTICE)
        rc = check_notice(out, f);
    if (!rc)
        rc = check_reading(out, f);
    return rc;
}
