/*
 * prepare.c — see prepare.h.
 */
#include "prepare.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "approval.h"
#include "date.h"
#include "fontdir.h"
#include "notice.h"
#include "paper.h"
#include "wchange.h"
#include "wording.h"

static const char *dir_name(arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? arena_strndup(a, path, (size_t)(slash - path + (slash == path))) : ".";
}

/* The approval gate, for form f: an approved form prints only the
 * wording approved, a translation only while its source's wording is the
 * one it translates (or, with allow_stale, stamped as stale). A specimen
 * for review is not gated: its cover page says where the approval stands. */
static int gate_form(const prepare_opts *s, form *f, arena *a, mp_err *err)
{
    /* A draft's wording is not approved: it reaches no patient by accident. */
    if (f->status == FORM_DRAFT && !s->allow_draft)
        return node_err(err, EX_DATAERR, f->doc, f->status_node,
                        "form %s is a draft, not approved for patients (--allow-draft "
                        "prints it with DRAFT on every page)",
                        f->id.s);
    approval ap;
    if (approval_examine(f, a, &ap))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    f->stale_translation = ap.stale;
    if (s->specimen)
        return 0;
    const char *changed = NULL;
    if (ap.stale && ap.source_snapshot.state == SNAPSHOT_MATCHES) {
        const char *now = wording_text(ap.source, a, NULL);
        if (!now || !(changed = wchange_sections(ap.source_snapshot.text, now, a)))
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    return approval_problem(f, &ap, s->allow_stale, changed, err);
}

static int gate(const prepare_opts *s, packet *p, arena *a, mp_err *err)
{
    for (size_t i = 0; i < p->nentries; i++) {
        int rc = gate_form(s, p->entries[i].form, a, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* The clinic's notice of free language help, for the packets that ask for
 * it: loaded once for every variant, each language gated like any form. */
static int add_notice(const prepare_opts *s, prepared_run *run, arena *a, mp_err *err)
{
    const packet *asker = NULL;
    for (size_t v = 0; v < run->nvariants && !asker; v++)
        if (run->variants[v]->notice != NOTICE_NONE)
            asker = run->variants[v];
    if (!asker)
        return 0;
    packet_entry *notice;
    size_t n;
    int rc = notice_load(&run->cl, asker, a, &notice, &n, err);
    for (size_t i = 0; !rc && i < n; i++)
        rc = gate_form(s, notice[i].form, a, err);
    /* The run's own packets, made in its arena: const only for the
     * commands that read them. */
    for (size_t v = 0; !rc && v < run->nvariants; v++)
        rc = notice_attach((packet *)run->variants[v], notice, n, a, err);
    return rc;
}

/* The translations a packet names, each loaded once per run; each must be
 * in the language it is filed under. */
static int load_variants(const prepare_opts *s, prepared_run *run, arena *a, mp_err *err)
{
    const packet *pk = &run->pk;
    run->variants = arena_array(a, pk->ntranslations + 1, sizeof *run->variants);
    run->withheld = arena_array(a, pk->ntranslations + 1, sizeof *run->withheld);
    if (!run->variants || !run->withheld)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    run->variants[run->nvariants++] = pk;
    for (size_t i = 0; i < pk->ntranslations; i++) {
        const packet_translation *t = &pk->translations[i];
        packet *tp = arena_alloc(a, sizeof *tp);
        if (!tp)
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        int rc = packet_load(t->path, a, tp, err);
        if (rc)
            return rc;
        const form *draft = NULL;
        for (size_t k = 0; k < tp->nentries && !draft && !s->allow_draft; k++)
            if (tp->entries[k].form->status == FORM_DRAFT)
                draft = tp->entries[k].form;
        if (draft) {
            render_withheld *w = &run->withheld[run->nwithheld++];
            w->lang = t->lang.s;
            w->why = arena_printf(a, "%s is a draft, not approved for patients", draft->id.s);
            if (!w->why)
                return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            continue;
        }
        if ((rc = gate(s, tp, a, err)))
            return rc;
        if (strcmp(tp->language, t->lang.s) != 0)
            return node_err(err, EX_DATAERR, t->lang.doc, t->lang.node,
                            "the %s translation, %s, is in language \"%s\"", t->lang.s, t->path,
                            tp->language);
        run->variants[run->nvariants++] = tp;
    }
    return 0;
}

int prepare_inputs(const prepared_run *run, const char *data, outfile_inputs *in, mp_err *err)
{
    int rc = 0;
    if (data)
        rc = strcmp(data, "-") == 0
                 ? outfile_inputs_add_fd(in, STDIN_FILENO, "the patient data", err)
                 : outfile_inputs_add(in, data, "the patient data", err);
    for (size_t v = 0; !rc && v < run->nvariants; v++) {
        const packet *p = run->variants[v];
        if (p->doc)
            rc = outfile_inputs_add(in, p->doc->path, "a form or packet file", err);
        for (size_t i = 0; !rc && i < p->nentries; i++)
            rc = outfile_inputs_add(in, p->entries[i].path, "a form or packet file", err);
    }
    if (!rc && run->cl.doc)
        rc = outfile_inputs_add(in, run->cl.doc->path, "the clinic settings", err);
    return rc;
}

int prepare_run(const prepare_opts *s, arena *a, prepared_run *run, mp_err *err)
{
    memset(run, 0, sizeof *run);
    int rc = packet_load(s->input, a, &run->pk, err);
    if (rc || (rc = gate(s, &run->pk, a, err)) || (rc = load_variants(s, run, a, err)))
        return rc;
    const char *clinic_path = s->clinic ? s->clinic : clinic_find(&run->pk, s->input, a, err);
    if (!clinic_path)
        return err->code;
    if ((rc = clinic_load(clinic_path, a, &run->cl, err)))
        return rc;
    const char *key_problem = clinic_key_problem(&run->cl);
    if (key_problem)
        return node_err(err, EX_CONFIG, run->cl.doc, run->cl.booking_key.node, "%s", key_problem);
    if ((rc = add_notice(s, run, a, err)))
        return rc;

    render_env *env = &run->env;
    env->clinic = &run->cl;
    env->withheld = run->withheld;
    env->nwithheld = run->nwithheld;
    env->creator = "medpacket " MP_VERSION;
    env->duplex = s->duplex;
    if ((rc = date_clock(&env->now_unix, &env->today, err)))
        return rc;
    const char *size = s->page_size ? s->page_size : run->cl.page_size.s;
    page_size ps = PAGE_LETTER;
    if (size)
        page_size_parse(size, &ps); /* checked where it was given */
    env->geom = layout_geom_for(ps);
    env->page_size_forced = s->page_size != NULL;
    env->style = layout_style_for(11.0);
    env->style_large = layout_style_for(14.0);
    env->force_large_print = s->large_print;
    env->large_print = s->large_print || run->cl.large_print;
    run->date_order = run->cl.date_order;
    if (s->date_order && !date_order_parse(s->date_order, &run->date_order))
        return err_set(err, EX_USAGE, NULL, 0, 0, "--date-order takes mdy, dmy or iso");

    const char *regular, *bold;
    if ((rc = fontdir_locate(s->font_dir, run->cl.fonts_dir, dir_name(a, clinic_path), a, &regular,
                             &bold, err)) ||
        (rc = fontset_open(regular, bold, &run->fonts, err)))
        return rc;
    /* What the family lacks comes from a face fontconfig finds for it. */
    if (!(run->shapers = shaper_pool_new(run->fonts)))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    /* Without it every PDF subsets its fonts anew: slower, not wrong. */
    run->font_programs = pdf_font_cache_new();
    env->fonts = run->fonts;
    env->shapers = run->shapers;
    /* Without it every notice tries each size: slower, not wrong. */
    env->notice_memo = render_notice_memo_new();
    env->font_programs = run->font_programs;
    for (size_t v = 0; v < run->nvariants; v++)
        if ((rc = render_check_glyphs(run->variants[v], env, err)))
            return rc;
    return 0;
}

void prepare_release(prepared_run *run)
{
    shaper_pool_free(run->shapers);
    run->shapers = NULL;
    render_notice_memo_free(run->env.notice_memo);
    run->env.notice_memo = NULL;
    pdf_font_cache_free(run->font_programs);
    run->font_programs = NULL;
    fontset_free(run->fonts);
    run->fonts = NULL;
}
