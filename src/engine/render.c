/*
 * render.c — see render.h.
 */
#include "render.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "approval.h"
#include "buf.h"
#include "check.h"
#include "fill.h"
#include "msg.h"
#include "pdf.h"
#include "qr.h"
#include "text.h"
#include "utf8.h"
#include "vars.h"
#include "wording.h"

#define OOM(err) err_set((err), EX_OSERR, NULL, 0, 0, "out of memory")

/* A builder call's status as an error: out of memory, or a form of f's
 * whose text would need more pages than a packet may have. */
static int laid_out(layout_status st, const form *f, mp_err *err)
{
    if (st == LAYOUT_TOO_LONG)
        return err_set(err, EX_DATAERR, f->doc->path, 0, 0,
                       "the packet would need more than %d pages; is some text pasted in too many "
                       "times?",
                       LAYOUT_MAX_PAGES);
    return st ? OOM(err) : 0;
}

/* Whether some installed face can draw cp: the clinic's family, or a face
 * fontconfig finds for it; or cp needs no glyph at all. */
static bool covered(const void *ctx, uint32_t cp)
{
    fontset *fs = (fontset *)ctx;
    return text_needs_no_glyph(cp) || fontset_face_for(fs, LFONT_REGULAR, cp, NULL) >= 0;
}

/* A character of t that no face can draw, reported at its place in the
 * YAML with its code point, never drawn as an empty box. */
static int check_glyphs(const render_env *env, const mp_text *t, mp_err *err)
{
    for (size_t i = 0; t->s && i < t->len;) {
        uint32_t cp;
        size_t k = utf8_decode(t->s + i, t->len - i, &cp);
        if (k == 0)
            k = 1;
        else if (!covered(env->fonts, cp))
            return text_err(err, EX_DATAERR, t, i,
                            "character U+%04X is in none of the installed fonts; install a font "
                            "that has it, or use another character",
                            (unsigned)cp);
        i += k;
    }
    return 0;
}

int render_check_glyphs(const packet *p, const render_env *env, mp_err *err)
{
    int rc = check_glyphs(env, &p->title, err);
    for (size_t e = 0; !rc && e < p->nentries; e++) {
        const form *f = p->entries[e].form;
        rc = check_glyphs(env, &f->title, err);
        if (!rc)
            rc = check_glyphs(env, &f->language_name, err);
        for (size_t i = 0; !rc && i < f->nblocks; i++) {
            const form_block *b = &f->blocks[i];
            if (!(rc = check_glyphs(env, &b->text, err)))
                rc = check_glyphs(env, &b->url, err);
            for (size_t k = 0; !rc && k < b->nitems; k++)
                if (!(rc = check_glyphs(env, &b->items[k].title, err)))
                    rc = check_glyphs(env, &b->items[k].text, err);
            for (size_t k = 0; !rc && k < b->nsigs; k++) {
                rc = check_glyphs(env, &b->sigs[k].role, err);
                for (size_t j = 0; !rc && j < b->sigs[k].nextra; j++)
                    rc = check_glyphs(env, &b->sigs[k].extra[j], err);
            }
        }
    }
    return rc;
}

/* A value the page header or the patient_id block needs from patient pt:
 * the row's own, which lives as long as the row (vars_lookup), so it is not
 * copied. */
static int patient_fact(vars *v, const patient *pt, const char *name, const ydoc *doc,
                        const ynode *where, const char *why, const char **out, mp_err *err)
{
    size_t len;
    const char *msg = NULL;
    fill_status st = vars_lookup(v, name, strlen(name), out, &len, &msg);
    if (st == FILL_FOUND)
        return 0;
    const char *field = strcmp(name, "patient.name") == 0 ? "first_name and last_name" : name + 8;
    if (pt && pt->source) {
        if (st == FILL_INVALID)
            err_set(err, EX_DATAERR, pt->source, 0, 0, "%s: %s", field,
                    msg ? msg : "invalid value");
        else {
            err_set(err, EX_DATAERR, pt->source, 0, 0, "the patient data has no %s, which %s needs",
                    field, why);
            err_missing_field(err, name);
        }
        err->row = pt->row;
        return err->code;
    }
    return node_err(err, EX_DATAERR, doc, where, "%s needs the patient's %s", why, field);
}

static int booking_qr(layout *L, vars *v, const form_block *b, const clinic *c, arena *a,
                      mp_err *err)
{
    const form *f = v->form;
    const mp_text *pattern = b->url.s ? &b->url : &c->booking_url;
    if (!pattern->s)
        return node_err(err, EX_DATAERR, f->doc, b->node,
                        "booking_qr needs a URL: set booking_url in the clinic settings or url: "
                        "in the block");
    /* The booking URL must not identify the patient unless the form allows it. */
    vars_phi ps;
    vars_find_identifier(pattern->s, pattern->len, &ps);
    if (ps.bad)
        return text_err(err, EX_DATAERR, pattern, ps.offset, "%s",
                        ps.why ? ps.why : "bad placeholder");
    if (ps.found && !f->qr_allows_patient_data)
        return text_err(err, EX_DATAERR, pattern, ps.offset,
                        "the booking URL would put {{%s}} into the QR code; use {{booking.ref}}, "
                        "or set qr_allows_patient_data: true in the form",
                        ps.name);
    mp_text url;
    int rc = vars_fill_url(v, pattern, &url, err);
    if (rc)
        return rc;
    qr_code q;
    if ((rc = qr_encode(url.s, QR_MAX_VERSION, &q, err)))
        return text_err(err, rc, pattern, 0, "%s", err->msg);
    /* The layout keeps a pointer until the PDF is written: copy into the arena. */
    qr_code *kept = arena_alloc(a, sizeof *kept);
    unsigned char *dark = kept ? arena_alloc(a, (size_t)q.width * (size_t)q.width) : NULL;
    if (!dark) {
        qr_free(&q);
        return OOM(err);
    }
    memcpy(dark, q.dark, (size_t)q.width * (size_t)q.width);
    *kept = q;
    kept->dark = dark;
    qr_free(&q);
    mp_text caption;
    if ((rc = vars_fill(v, &b->text, &caption, err)))
        return rc;
    const char *cap = caption.s ? caption.s : msg_get(f->language.s, MSG_SCAN_TO_BOOK);
    return laid_out(layout_qr(L, kept, url.s, cap), f, err);
}

static int signatures(layout *L, vars *v, const form_block *b, arena *a, mp_err *err)
{
    const char *lang = v->form->language.s;
    layout_signer *s = arena_array(a, b->nsigs, sizeof *s);
    if (!s)
        return OOM(err);
    for (size_t i = 0; i < b->nsigs; i++) {
        const form_signature *fs = &b->sigs[i];
        mp_text role;
        int rc = vars_fill(v, &fs->role, &role, err);
        if (rc)
            return rc;
        s[i].sign_label = arena_printf(a, msg_get(lang, MSG_SIGNATURE_OF), role.s);
        s[i].date_label = fs->date ? msg_get(lang, MSG_DATE) : NULL;
        s[i].time_label = fs->time ? msg_get(lang, MSG_TIME) : NULL;
        const char **lines = arena_array(a, fs->nextra + 1, sizeof *lines);
        if (!s[i].sign_label || !lines)
            return OOM(err);
        size_t n = 0;
        if (fs->printed_name)
            lines[n++] = msg_get(lang, MSG_PRINTED_NAME);
        for (size_t j = 0; j < fs->nextra; j++) {
            mp_text t;
            if ((rc = vars_fill(v, &fs->extra[j], &t, err)))
                return rc;
            lines[n++] = t.s;
        }
        s[i].lines = lines;
        s[i].nlines = n;
    }
    return laid_out(layout_signatures(L, s, b->nsigs), v->form, err);
}

static int patient_fields(layout *L, vars *v, const patient *pt, const form_block *b, arena *a,
                          mp_err *err)
{
    static const struct {
        const char *name;
        msg_id label;
    } facts[] = {
        [PATIENT_FIELD_NAME] = {"patient.name", MSG_PATIENT},
        [PATIENT_FIELD_DOB] = {"patient.dob", MSG_DATE_OF_BIRTH},
        [PATIENT_FIELD_MRN] = {"patient.mrn", MSG_RECORD_NUMBER},
        [PATIENT_FIELD_APPOINTMENT_DATE] = {"patient.appointment_date", MSG_APPOINTMENT_DATE},
        [PATIENT_FIELD_CLINICIAN] = {"patient.clinician", MSG_CLINICIAN},
    };
    const char **labels = arena_array(a, b->nfields, sizeof *labels);
    const char **values = arena_array(a, b->nfields, sizeof *values);
    if (!labels || !values)
        return OOM(err);
    for (size_t i = 0; i < b->nfields; i++) {
        labels[i] = msg_get(v->form->language.s, facts[b->fields[i]].label);
        int rc = patient_fact(v, pt, facts[b->fields[i]].name, v->form->doc, b->field_nodes[i],
                              "the form's patient_id block", &values[i], err);
        if (rc)
            return rc;
    }
    return laid_out(layout_fields(L, labels, values, b->nfields), v->form, err);
}

static int items(layout *L, vars *v, const form_block *b, mp_err *err)
{
    const char *initials = b->kind == BLOCK_RISKS && v->form->kind == FORM_CONSENT
                               ? msg_get(v->form->language.s, MSG_INITIALS)
                               : NULL;
    for (size_t i = 0; i < b->nitems; i++) {
        mp_text title, text;
        int rc;
        if ((rc = vars_fill(v, &b->items[i].title, &title, err)) ||
            (rc = vars_fill(v, &b->items[i].text, &text, err)))
            return rc;
        layout_status lr;
        switch (b->kind) {
        case BLOCK_LIST:
            lr = layout_bullet(L, text.s);
            break;
        case BLOCK_CHECKBOXES:
            lr = layout_checkbox(L, text.s);
            break;
        default:
            lr = layout_item(L, title.s, text.s, initials);
            break;
        }
        if (lr)
            return laid_out(lr, v->form, err);
    }
    return 0;
}

/* A form's first page up to its title: the header and footer every page
 * gets (in language lang: the form's own, or the packet's for the notice),
 * the clinic's letterhead and title. f gives the footer its id, version and
 * wording fingerprint, and its page size; consent says whether the header
 * gives the date of birth. The notice's page has no letterhead (its header
 * names the clinic) and a smaller title: sixteen languages need the room. */
static int begin_form(layout *L, const packet_entry *e, const form *f, const char *lang,
                      bool consent, const char *watermark, const mp_text *title_text,
                      const render_env *env, const patient *pt, vars *v, arena *a, mp_err *err)
{
    const clinic *c = env->clinic;
    int rc;
    layout_header h = {0};
    h.left = c->name.s;
    h.right = e->copy_label.s;
    h.page_fmt = msg_get(lang, MSG_PAGE_X_OF_Y);
    h.lang = lang;
    h.rtl = text_lang_rtl(lang);
    h.blank_note = env->duplex ? msg_get(lang, MSG_BLANK_PAGE) : NULL;
    h.logo = c->logo;
    h.alt_checkbox = msg_get(lang, MSG_ALT_CHECKBOX);
    h.alt_initials = msg_get(lang, MSG_ALT_INITIALS);
    h.alt_qr = msg_get(lang, MSG_ALT_QR);
    /* Page size: --page-size, else the form's own, else the clinic's. */
    layout_geom geom = env->geom;
    page_size ps;
    /* The form's page size was checked when the form loaded. */
    if (!env->page_size_forced && f->page_size.s && page_size_parse(f->page_size.s, &ps))
        geom = layout_geom_for(ps);
    h.geom = &geom;
    h.watermark = watermark;
    /* The short fingerprint ties a signed page to the approved wording. */
    h.footer_left =
        arena_printf(a, "%s %s %s  \xC2\xB7  %s %.*s", f->id.s, msg_get(lang, MSG_VERSION),
                     f->version.s, msg_get(lang, MSG_WORDING), WORDING_SHORT, f->fingerprint);
    /* Every page of every form names its patient, so that a day's merged
     * print can be split without mixing patients' pages; a consent's says
     * the date of birth too. */
    const char *name, *dob, *mrn;
    const ynode *where = ydoc_get(f->doc->root, "kind");
    const char *why = consent ? "a consent form's page header" : "a form's page header";
    if ((rc = patient_fact(v, pt, "patient.name", f->doc, where, why, &name, err)) ||
        (consent && (rc = patient_fact(v, pt, "patient.dob", f->doc, where, why, &dob, err))) ||
        (rc = patient_fact(v, pt, "patient.mrn", f->doc, where, why, &mrn, err)))
        return rc;
    if (consent)
        h.line2 = arena_printf(a, "%s: %s     %s: %s     %s: %s", msg_get(lang, MSG_PATIENT), name,
                               msg_get(lang, MSG_DATE_OF_BIRTH), dob,
                               msg_get(lang, MSG_RECORD_NUMBER), mrn);
    else
        h.line2 = arena_printf(a, "%s: %s     %s: %s", msg_get(lang, MSG_PATIENT), name,
                               msg_get(lang, MSG_RECORD_NUMBER), mrn);
    if (!h.line2)
        return OOM(err);
    if (!h.footer_left)
        return OOM(err);
    mp_text title;
    if ((rc = vars_fill(v, title_text, &title, err)))
        return rc;
    const char *details = arena_printf(a, "%s  \xC2\xB7  %s", c->address.s, c->phone.s);
    if (!details)
        return OOM(err);
    layout_status st;
    if (f->kind == FORM_NOTICE) {
        if ((st = layout_form_begin(L, &h)) || (st = layout_heading(L, title.s)))
            return laid_out(st, f, err);
        return 0;
    }
    if ((st = layout_form_begin(L, &h)) || (st = layout_letterhead(L, c->name.s, details)) ||
        (st = layout_title(L, title.s)))
        return laid_out(st, f, err);
    return 0;
}

/* The word across a form's pages, or NULL: render refuses drafts unless
 * told, and what it prints of one says so. */
static const char *watermark_for(const form *f, const char *lang, const render_env *env)
{
    if (f->status == FORM_DRAFT)
        return msg_get(lang, MSG_DRAFT);
    if (f->stale_translation) /* --allow-stale-translation: stamped as such */
        return msg_get(lang, MSG_STALE);
    return env->specimen ? msg_get(lang, MSG_SPECIMEN) : NULL;
}

static int render_form(layout *L, const packet_entry *e, const render_env *env, const patient *pt,
                       values_table *row, arena *a, mp_err *err)
{
    const form *f = e->form;
    const clinic *c = env->clinic;
    const char *lang = f->language.s;
    vars v = {
        .form = f, .row = row, .a = a, .specimen = env->specimen, .isolate = text_lang_rtl(lang)};
    int rc = begin_form(L, e, f, lang, f->kind == FORM_CONSENT, watermark_for(f, lang, env),
                        &f->title, env, pt, &v, a, err);
    if (rc)
        return rc;
    layout_status st;

    for (size_t i = 0; i < f->nblocks; i++) {
        const form_block *b = &f->blocks[i];
        mp_text t;
        switch (b->kind) {
        case BLOCK_HEADING:
        case BLOCK_PARAGRAPH:
        case BLOCK_PROCEDURE:
        case BLOCK_QUESTIONS:
            if ((rc = vars_fill(&v, &b->text, &t, err)))
                return rc;
            st = b->kind == BLOCK_HEADING ? layout_heading(L, t.s) : layout_paragraph(L, t.s);
            if (st)
                return laid_out(st, f, err);
            break;
        case BLOCK_LIST:
        case BLOCK_CHECKBOXES:
        case BLOCK_BENEFITS:
        case BLOCK_RISKS:
        case BLOCK_ALTERNATIVES:
            if ((rc = items(L, &v, b, err)))
                return rc;
            break;
        case BLOCK_PATIENT_ID:
            if ((rc = patient_fields(L, &v, pt, b, a, err)))
                return rc;
            break;
        case BLOCK_SIGNATURES:
            if ((rc = signatures(L, &v, b, a, err)))
                return rc;
            break;
        case BLOCK_BOOKING_QR:
            if ((rc = booking_qr(L, &v, b, c, a, err)))
                return rc;
            break;
        case BLOCK_PAGE_BREAK:
            if ((st = layout_page_break(L)))
                return laid_out(st, f, err);
            break;
        }
    }
    return laid_out(layout_form_end(L), f, err);
}

#define NOTICE_MEMO_MAX 16

struct render_notice_memo {
    pthread_mutex_t lock;
    size_t n;
    struct {
        double width, height, body;
        char lang[24];
        double size;
    } e[NOTICE_MEMO_MAX];
};

render_notice_memo *render_notice_memo_new(void)
{
    render_notice_memo *m = calloc(1, sizeof *m);
    if (m && pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

void render_notice_memo_free(render_notice_memo *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* The size a notice was set at on pages of geom at body size body with its
 * title in lang, or 0; with size > 0, records it. */
static double notice_memo(render_notice_memo *m, const layout_geom *g, double body,
                          const char *lang, double size)
{
    if (!m || strlen(lang) >= sizeof m->e[0].lang)
        return 0;
    double found = 0;
    pthread_mutex_lock(&m->lock);
    size_t i = 0;
    while (i < m->n && !(m->e[i].width == g->width_pt && m->e[i].height == g->height_pt &&
                         m->e[i].body == body && strcmp(m->e[i].lang, lang) == 0))
        i++;
    if (i < m->n)
        found = m->e[i].size;
    else if (size > 0 && m->n < NOTICE_MEMO_MAX) {
        m->e[m->n].width = g->width_pt;
        m->e[m->n].height = g->height_pt;
        m->e[m->n].body = body;
        snprintf(m->e[m->n].lang, sizeof m->e[m->n].lang, "%s", lang);
        m->e[m->n++].size = size;
    }
    pthread_mutex_unlock(&m->lock);
    return found;
}

/* The smallest size the notice's text is made to fit one page with, at the
 * standard body size: a size a patient can still read, as the taglines
 * insurers print are. Large print does not shrink (see layout_notice). */
#define NOTICE_MIN_PT 8.0

/* The clinic's notice of free language help: entries e[0..n), each a
 * notice in one language (English first), as one form of its own: its
 * header, footer and title in the packet's language lang, each language's
 * entry in its own language and direction, in two columns. */
static int render_notice(layout *L, const packet_entry *e, size_t n, const char *lang,
                         const render_env *env, const patient *pt, values_table *row, arena *a,
                         mp_err *err)
{
    /* The title in the packet's language, when the notice has it. */
    const form *titled = e[0].form;
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].form->language.s, lang) == 0)
            titled = e[i].form;
    /* A draft or stale language marks the page: the page is one piece. */
    const char *mark = NULL;
    for (size_t i = 0; i < n && !mark; i++)
        if (e[i].form->status == FORM_DRAFT || e[i].form->stale_translation)
            mark = watermark_for(e[i].form, lang, env);
    if (!mark)
        mark = watermark_for(e[0].form, lang, env);
    vars v = {.form = titled, .row = row, .a = a, .specimen = env->specimen};
    int rc =
        begin_form(L, &e[0], e[0].form, lang, false, mark, &titled->title, env, pt, &v, a, err);
    if (rc)
        return rc;
    layout_notice_entry *entries = arena_array(a, n, sizeof *entries);
    if (!entries)
        return OOM(err);
    for (size_t i = 0; i < n; i++) {
        const form *f = e[i].form;
        v.form = f;
        v.isolate = text_lang_rtl(f->language.s);
        mp_buf text;
        buf_init(&text, a);
        for (size_t k = 0; k < f->nblocks; k++) {
            mp_text t;
            if ((rc = vars_fill(&v, &f->blocks[k].text, &t, err)))
                return rc;
            buf_putf(&text, "%s%s", k ? "\n" : "", t.s ? t.s : "");
        }
        entries[i] = (layout_notice_entry){.lang = f->language.s,
                                           .rtl = text_lang_rtl(f->language.s),
                                           .name = f->language_name.s,
                                           .text = buf_str(&text)};
        if (!entries[i].text)
            return OOM(err);
    }
    bool large = render_large_print(env, pt);
    double body = large ? env->style_large.body_pt : env->style.body_pt;
    double min_pt = large ? body : NOTICE_MIN_PT;
    /* The page size the notice is set on: as begin_form chose it. */
    layout_geom geom = env->geom;
    page_size ps;
    if (!env->page_size_forced && e[0].form->page_size.s &&
        page_size_parse(e[0].form->page_size.s, &ps))
        geom = layout_geom_for(ps);
    double size = notice_memo(env->notice_memo, &geom, body, lang, 0);
    bool known = size > 0;
    layout_status st;
    if ((st = layout_notice(L, entries, n, min_pt, &size)) || (st = layout_form_end(L)))
        return laid_out(st, e[0].form, err);
    if (!known)
        notice_memo(env->notice_memo, &geom, body, lang, size);
    return 0;
}

/* Keywords name every form, its version and its wording fingerprint, so
 * that a printed packet can be traced to the approved wording. */
static const char *keywords(const packet *p, bool duplex, arena *a)
{
    mp_buf kw;
    buf_init(&kw, a);
    for (size_t i = 0; i < p->nentries; i++) {
        const form *f = p->entries[i].form;
        buf_putf(&kw, "%s%s %s wording %s", i ? ", " : "", f->id.s, f->version.s, f->fingerprint);
    }
    if (duplex)
        buf_puts(&kw, ", " RENDER_DUPLEX_KEYWORD);
    return buf_str(&kw); /* in a; NULL when out of memory */
}

static int cover_page(layout *L, const packet_entry *e, const render_env *env,
                      const check_report *r, arena *a, mp_err *err);
static int notice_cover(layout *L, const packet_entry *e, size_t n, const render_env *env, arena *a,
                        mp_err *err);

bool render_large_print(const render_env *env, const patient *pt)
{
    if (env->force_large_print)
        return true;
    const mp_text *v = pt ? patient_get(pt, "large_print", 11) : NULL;
    bool yes;
    if (v && patient_yes_no(v->s, &yes))
        return yes;
    return env->large_print;
}

const packet *render_pick(const packet *const *variants, size_t n, const patient *pt,
                          const char *forced, packet_choice *choice)
{
    const mp_text *lang = pt ? patient_get(pt, "language", 8) : NULL;
    return packet_pick(variants, n, forced ? forced : lang ? lang->s : NULL, choice);
}

/* snprintf's return, as a size (0 for an encoding error). */
static size_t printed_len(int r)
{
    return r < 0 ? 0 : (size_t)r;
}

const render_withheld *render_withheld_for(const render_env *env, const char *tag)
{
    for (size_t i = 0; env && tag && *tag && i < env->nwithheld; i++)
        if (language_fit_of(tag, env->withheld[i].lang) <= LANGUAGE_COMPATIBLE)
            return &env->withheld[i];
    return NULL;
}

size_t render_fallback_words(const packet_choice *c, const render_env *env, char *buf, size_t size)
{
    if (size)
        buf[0] = '\0';
    if (!packet_choice_fallback(c))
        return 0;
    char asked[160], wanted[96], printed[96];
    /* 'language "fr"', not 'language "fr" (fr)'. */
    if (c->asked_tag[0] && strcmp(c->asked, c->asked_tag) != 0)
        snprintf(asked, sizeof asked, "language \"%s\" (%s)", c->asked, c->asked_tag);
    else
        snprintf(asked, sizeof asked, "language \"%s\"", c->asked);
    language_name(c->packet->language, NULL, printed, sizeof printed);
    if (c->fit == PACKET_UNKNOWN)
        return printed_len(snprintf(buf, size,
                                    "%s is not a language medpacket knows (a tag such as es or "
                                    "zh-Hant, or a name such as Spanish); printed %s (%s)",
                                    asked, printed, c->packet->language));
    language_name(c->asked_tag, "en", wanted, sizeof wanted);
    const render_withheld *w = render_withheld_for(env, c->asked_tag);
    if (w)
        return printed_len(snprintf(buf, size,
                                    "%s: this packet's %s version is a draft (%s; --allow-draft "
                                    "prints it); printed %s (%s)",
                                    asked, wanted, w->why, printed, c->packet->language));
    return printed_len(snprintf(buf, size, "%s: this packet has no %s version; printed %s (%s)",
                                asked, wanted, printed, c->packet->language));
}

size_t render_language_list(const packet *const *variants, size_t n, bool with_tags, char *buf,
                            size_t size)
{
    size_t used = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char name[96], piece[160];
        language_name(variants[i]->language, NULL, name, sizeof name);
        size_t k = with_tags
                       ? printed_len(snprintf(piece, sizeof piece, "%s%s (%s)", i ? ", " : "", name,
                                              variants[i]->language))
                       : printed_len(snprintf(piece, sizeof piece, "%s%s", i ? ", " : "", name));
        if (k >= sizeof piece)
            k = strlen(piece);
        /* Whole names only: never half a character. */
        if (used + k < size) {
            memcpy(buf + used, piece, k + 1);
        }
        used += k;
    }
    return used;
}

/* The row's table of values, which every placeholder of the packet reads:
 * its patient's, its clinic's and the day's, resolved once. */
static values_table *row_values(const render_env *env, const patient *pt, arena *a)
{
    values_src src = {.clinic = env->clinic,
                      .patient = pt,
                      .today = env->today,
                      .covered = covered,
                      .covered_ctx = env->fonts};
    return values_build(&src, a);
}

static int layout_packet(const packet *p, const render_env *env, const patient *pt,
                         values_table *row, const check_report *const *reports, arena *a,
                         const layout_doc **out, mp_err *err)
{
    /* A shaper of the run's pool for this document: what it shaped for the
     * patients before (the forms' own wording) is not shaped again. The
     * layout copies every glyph it keeps, so it goes back at once. */
    shaper *s = shaper_take(env->shapers);
    layout_shaper *sh = arena_alloc(a, sizeof *sh);
    if (!s || !sh) {
        shaper_give(env->shapers, s);
        return OOM(err);
    }
    *sh = shaper_iface(s);
    layout *L =
        layout_new(a, env->geom, render_large_print(env, pt) ? env->style_large : env->style, sh);
    int rc = L ? 0 : OOM(err);
    if (L && env->specimen)
        layout_set_highlight(L, VARS_OPEN, VARS_CLOSE);
    for (size_t i = 0; !rc && i < p->nentries; i++) {
        /* The notice's languages go together on a page of their own. */
        size_t n = 0;
        while (i + n < p->nentries && p->entries[i + n].form->kind == FORM_NOTICE)
            n++;
        if (n) {
            rc = reports ? notice_cover(L, &p->entries[i], n, env, a, err) : 0;
            if (!rc)
                rc = render_notice(L, &p->entries[i], n, p->language, env, pt, row, a, err);
            i += n - 1;
            continue;
        }
        rc = reports ? cover_page(L, &p->entries[i], env, reports[i], a, err) : 0;
        if (!rc)
            rc = render_form(L, &p->entries[i], env, pt, row, a, err);
    }
    shaper_give(env->shapers, s);
    if (!rc)
        *out = layout_result(L);
    return rc;
}

int render_layout(const packet *p, const render_env *env, const patient *pt, arena *a,
                  const layout_doc **out, mp_err *err)
{
    values_table *row = row_values(env, pt, a);
    return row ? layout_packet(p, env, pt, row, NULL, a, out, err) : OOM(err);
}

/* The reviewer's first page: what exactly is under review. */
static int cover_page(layout *L, const packet_entry *e, const render_env *env,
                      const check_report *r, arena *a, mp_err *err)
{
    const form *f = e->form;
    layout_header h = {
        .left = env->clinic->name.s,
        .footer_left =
            arena_printf(a, "%s version %s  \xC2\xB7  specimen for review", f->id.s, f->version.s),
        .page_fmt = "Cover page",
        .watermark = f->status == FORM_DRAFT ? "DRAFT" : "SPECIMEN"};
    /* Where the approval stands: a reviewer reads whether what is under
     * review is what was approved. */
    approval ap;
    if (approval_examine(f, a, &ap))
        return OOM(err);
    const char *status = approval_status(f, &ap, a);
    const char *labels[] = {"Form",        "Title",       "Version",  "Status",
                            "Approved by", "Approved on", "Language", "Wording fingerprint"};
    const char *values[] = {f->id.s,
                            f->title.s,
                            f->version.s,
                            status,
                            f->approved_by.s ? f->approved_by.s : "(not recorded)",
                            f->approved_on.s ? f->approved_on.s : "(not recorded)",
                            f->language.s,
                            f->fingerprint};
    if (!status)
        return OOM(err);
    /* Made first and checked: a failed arena_printf is NULL, which the
     * layout would measure as text. */
    const char *grades =
        r && r->no_grade ? arena_printf(a, "Reading grade: %s", r->no_grade)
                         : arena_printf(a, "Reading grade by section (%s; target %d or below)",
                                        r && r->grade_formula ? r->grade_formula : "Flesch-Kincaid",
                                        f->reading_grade);
    if (!h.footer_left || !grades)
        return OOM(err);
    layout_status st;
    if ((st = layout_form_begin(L, &h)) ||
        (st = layout_letterhead(L, env->clinic->name.s, env->clinic->address.s)) ||
        (st = layout_title(L, "Specimen for review")) ||
        (st = layout_fields(L, labels, values, 8)) || (st = layout_heading(L, grades)))
        return laid_out(st, f, err);
    size_t n = r && !r->no_grade ? r->nsections : 0;
    const char **sl = arena_array(a, n + 1, sizeof *sl), **sv = arena_array(a, n + 1, sizeof *sv);
    if (!sl || !sv)
        return OOM(err);
    for (size_t i = 0; i < n; i++) {
        const check_section *s = &r->sections[i];
        sl[i] = s->title;
        sv[i] = arena_printf(a, "grade %.1f, %zu words%s", s->r.grade, s->r.words,
                             s->above ? "  \xE2\x80\x94 above the target" : "");
        if (!sv[i])
            return OOM(err);
    }
    if ((n && (st = layout_fields(L, sl, sv, n))) ||
        (st = layout_paragraph(L, "What varies from patient to patient is shown by its "
                                  "placeholder name, highlighted, as " VARS_OPEN
                                  "patient.first_name" VARS_CLOSE
                                  "; the wording fingerprint above is printed, shortened, in the "
                                  "footer of every page a patient signs.")) ||
        (st = layout_form_end(L)))
        return laid_out(st, f, err);
    return 0;
}

/* The reviewer's first page for the notice: each language's file, where
 * its approval stands and the fingerprint of its wording. */
static int notice_cover(layout *L, const packet_entry *e, size_t n, const render_env *env, arena *a,
                        mp_err *err)
{
    const form *en = e[0].form;
    layout_header h = {.left = env->clinic->name.s,
                       .footer_left =
                           arena_printf(a, "%s version %s  \xC2\xB7  specimen for review", en->id.s,
                                        en->version.s),
                       .page_fmt = "Cover page",
                       .watermark = "SPECIMEN"};
    const char **labels = arena_array(a, n, sizeof *labels);
    const char **values = arena_array(a, n, sizeof *values);
    if (!labels || !values || !h.footer_left)
        return OOM(err);
    for (size_t i = 0; i < n; i++) {
        const form *f = e[i].form;
        approval ap;
        if (approval_examine(f, a, &ap))
            return OOM(err);
        const char *status = approval_status(f, &ap, a);
        labels[i] = arena_printf(a, "%s (%s)", f->language_name.s, f->language.s);
        values[i] = status ? arena_printf(a, "%s; version %s, wording %.*s", status, f->version.s,
                                          WORDING_SHORT, f->fingerprint)
                           : NULL;
        if (!labels[i] || !values[i])
            return OOM(err);
    }
    layout_status st;
    if ((st = layout_form_begin(L, &h)) ||
        (st = layout_letterhead(L, env->clinic->name.s, env->clinic->address.s)) ||
        (st = layout_title(L, "Specimen for review: the language notice")) ||
        (st = layout_paragraph(L, "The clinic's notice of free language help, printed on a page of "
                                  "its own in English and each language its settings list "
                                  "(notice_languages). Each language is a file of its own, "
                                  "approved on its own:")) ||
        (st = layout_fields(L, labels, values, n)) || (st = layout_form_end(L)))
        return laid_out(st, en, err);
    return 0;
}

int render_specimen(const packet *p, const render_env *env,
                    const struct check_report *const *reports, arena *a, unsigned char **pdf,
                    size_t *pdf_len, int *pages, mp_err *err)
{
    const layout_doc *doc;
    values_table *row = row_values(env, NULL, a);
    if (!row)
        return OOM(err);
    int rc = layout_packet(p, env, NULL, row, reports, a, &doc, err);
    if (rc)
        return rc;
    if (pages)
        *pages = (int)doc->npages;
    pdf_meta meta = {.title = arena_printf(a, "Specimen: %s", p->title.s),
                     .author = env->clinic->name.s,
                     .subject = "Specimen for review, not for patients",
                     .creator = env->creator,
                     .date_unix = env->now_unix,
                     .lang = p->language};
    meta.keywords = keywords(p, env->duplex, a);
    if (!meta.keywords || !meta.title)
        return OOM(err);
    return pdf_render(doc, env->fonts, env->font_programs, &meta, pdf, pdf_len, err);
}

/* Every patient field a packet uses that pt lacks, so that a walk-in's
 * missing data is told in one message, not one run at a time. */
typedef struct missing {
    const patient *pt;
    char names[400];
    size_t n;
} missing;

static void note_missing(missing *m, const char *field)
{
    if (patient_get(m->pt, field, strlen(field)))
        return;
    /* Each name once: ", mrn," is looked for with its separators. */
    char key[80];
    snprintf(key, sizeof key, ", %s,", field);
    char listed[sizeof m->names + 4];
    snprintf(listed, sizeof listed, ", %s,", m->names);
    if (strstr(listed, key))
        return;
    size_t used = strlen(m->names);
    snprintf(m->names + used, sizeof m->names - used, "%s%s", m->n ? ", " : "", field);
    m->n++;
}

static void on_missing(void *ctx, const char *name, size_t len, size_t offset)
{
    (void)offset;
    missing *m = ctx;
    char field[64];
    if (len > 8 && len - 8 < sizeof field && strncmp(name, "patient.", 8) == 0) {
        snprintf(field, sizeof field, "%.*s", (int)(len - 8), name + 8);
        if (strcmp(field, "name") == 0) {
            note_missing(m, "first_name");
            note_missing(m, "last_name");
        } else {
            note_missing(m, field);
        }
    } else if (len == 11 && strncmp(name, "booking.ref", 11) == 0 &&
               !patient_get(m->pt, "booking_ref", 11)) {
        note_missing(m, "mrn"); /* the reference is made from it */
    }
}

static int scan_missing(void *ctx, const mp_text *t)
{
    fill_problem fp;
    fill_each(t->s, t->len, on_missing, ctx, &fp);
    return 0;
}

typedef struct uses {
    const char *field;
    bool found;
} uses;

static void on_use(void *ctx, const char *name, size_t len, size_t offset)
{
    (void)offset;
    uses *u = ctx;
    size_t n = strlen(u->field);
    if (len == n + 8 && strncmp(name, "patient.", 8) == 0 && strncmp(name + 8, u->field, n) == 0)
        u->found = true;
}

static int scan_use(void *ctx, const mp_text *t)
{
    fill_problem fp;
    fill_each(t->s, t->len, on_use, ctx, &fp);
    return ((uses *)ctx)->found;
}

bool render_uses_field(const packet *p, const render_env *env, const char *field)
{
    uses u = {.field = field};
    for (size_t i = 0; i < p->nentries && !u.found; i++)
        form_each_text(p->entries[i].form, true, scan_use, &u);
    if (!u.found && env->clinic->booking_url.s)
        scan_use(&u, &env->clinic->booking_url);
    return u.found;
}

/* After a render failed for want of a patient field: the message names all
 * the fields the packet uses that the patient's data lacks. */
static void all_missing(const packet *p, const render_env *env, const patient *pt, mp_err *err)
{
    missing m = {.pt = pt};
    for (size_t i = 0; i < p->nentries; i++) {
        const form *f = p->entries[i].form;
        for (size_t k = 0; k < f->nblocks; k++) {
            const form_block *b = &f->blocks[k];
            /* The patient table's fields, in its order, then the texts'. */
            for (size_t j = 0; b->kind == BLOCK_PATIENT_ID && j < b->nfields; j++) {
                const char *name = patient_field_name(b->fields[j]);
                if (strcmp(name, "name") == 0) {
                    note_missing(&m, "first_name");
                    note_missing(&m, "last_name");
                } else {
                    note_missing(&m, name);
                }
            }
        }
        form_each_text(f, true, scan_missing, &m);
        for (size_t k = 0; k < f->nblocks; k++)
            if (f->blocks[k].kind == BLOCK_BOOKING_QR && !f->blocks[k].url.s &&
                env->clinic->booking_url.s)
                scan_missing(&m, &env->clinic->booking_url);
    }
    if (m.n < 2)
        return; /* the message already names the one field */
    char first[32];
    snprintf(first, sizeof first, "%s", err->field); /* the field the render stopped at */
    err_set(err, EX_DATAERR, pt->source, 0, 0, "the patient data has no %s (the packet uses them)",
            m.names);
    err->row = pt->row;
    err_missing_field(err, first);
}

int render_form_index(const packet *p, size_t k)
{
    int index = -1;
    for (size_t i = 0; i <= k && i < p->nentries; i++)
        if (!(i > 0 && p->entries[i].form->kind == FORM_NOTICE &&
              p->entries[i - 1].form->kind == FORM_NOTICE))
            index++;
    return index;
}

int render_fonts(const layout_doc *doc, int form_index, const fontset *fs, arena *a,
                 const char *const **out, size_t *n)
{
    lface faces[FONTSET_MAX];
    size_t nfaces = layout_faces(doc, form_index, faces, FONTSET_MAX);
    const char **files = arena_array(a, nfaces ? nfaces : 1, sizeof *files);
    if (!files)
        return EX_OSERR;
    size_t k = 0;
    for (size_t i = 0; i < nfaces; i++) {
        const char *file = fontset_describe(fs, faces[i]);
        bool seen = !file;
        for (size_t j = 0; j < k && !seen; j++)
            seen = strcmp(files[j], file) == 0;
        if (!seen)
            files[k++] = file;
    }
    *out = files;
    *n = k;
    return 0;
}

int render_packet(const packet *p, const render_env *env, const patient *pt, arena *a,
                  unsigned char **pdf, size_t *pdf_len, render_info *info, mp_err *err)
{
    values_table *row = row_values(env, pt, a);
    if (!row)
        return OOM(err);
    const layout_doc *doc;
    int rc = layout_packet(p, env, pt, row, NULL, a, &doc, err);
    if (rc && pt && !env->specimen && err->field[0])
        all_missing(p, env, pt, err);
    if (rc)
        return rc;
    if (info) {
        info->pages = (int)doc->npages;
        if (render_fonts(doc, -1, env->fonts, a, &info->fonts, &info->nfonts))
            return OOM(err);
    }
    const char *kw = keywords(p, env->duplex, a);
    if (!kw)
        return OOM(err);
    mp_text title;
    vars v = {.form = p->entries[0].form, .row = row, .a = a, .specimen = env->specimen};
    if ((rc = vars_fill(&v, &p->title, &title, err)))
        return rc;
    pdf_meta meta = {
        .title = title.s,
        .author = env->clinic->name.s,
        .subject = p->entries[0].form->kind == FORM_CONSENT || p->nentries > 1
                       ? "Patient information and consent"
                       : "Patient information",
        .keywords = kw,
        .creator = env->creator,
        .date_unix = env->now_unix,
        .lang = p->language,
    };
    return pdf_render(doc, env->fonts, env->font_programs, &meta, pdf, pdf_len, err);
}
