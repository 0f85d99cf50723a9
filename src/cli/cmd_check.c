/*
 * cmd_check.c — `medpacket check`: validate forms without rendering them.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "cmd.h"
#include "json.h"
#include "notice.h"
#include "prepare.h"
#include "render.h"

static void check_usage(FILE *out)
{
    fputs("usage: medpacket check [--json] [--clinic FILE] FORM_OR_PACKET.yaml ...\n"
          "\n"
          "Validates forms without rendering them: the schema, placeholders that nothing\n"
          "can fill, the booking QR code (URL, capacity, patient identifiers), the elements\n"
          "informed consent needs, approval, and the reading grade of every section.\n"
          "Findings print as FILE:LINE:COL: error|warning|note: message; a note (such\n"
          "as a language with no reading-grade formula) changes no exit status.\n"
          "\n"
          "Options:\n"
          "      --json             one JSON document per form on standard output, with\n"
          "                         the findings, the wording fingerprint, the reading\n"
          "                         grade of each section and the font files its specimen\n"
          "                         draws with\n"
          "      --clinic FILE      clinic settings (default: as for render)\n"
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 when there are no errors (warnings allowed), 65 when any form\n"
          "has an error, 66 when a file cannot be read.\n",
          out);
}

static const char *level_name(finding_level level)
{
    return level == FINDING_ERROR ? "error" : level == FINDING_WARNING ? "warning" : "note";
}

/* The font files of each form of a packet, as its specimen lays out (what
 * review draws): files[k] for entry k, or NULL when it cannot be laid out.
 * The notice's languages share a page: each names the page's fonts. */
typedef struct form_fonts {
    const char *const *files;
    size_t n;
} form_fonts;

/* Lays out the specimen of the packet at path (with --clinic, as render
 * would find its settings and fonts) to learn the faces each form draws
 * with. Returns the prepared run to release once the names are printed (the
 * names belong to its fonts); *out is NULL when the packet cannot be laid
 * out (no clinic settings, a character no font has): its forms' "fonts" are
 * then null, and their other findings stand. */
static void specimen_fonts(const char *path, const char *clinic_opt, size_t nforms, arena *a,
                           prepared_run *run, form_fonts **out)
{
    *out = NULL;
    mp_err err;
    err_clear(&err);
    prepare_opts po = {.input = path, .clinic = clinic_opt, .allow_draft = true, .specimen = true};
    const layout_doc *doc;
    if (prepare_run(&po, a, run, &err) != 0 || run->pk.nentries != nforms)
        return;
    run->env.specimen = true;
    if (render_layout(&run->pk, &run->env, NULL, a, &doc, &err) != 0)
        return;
    form_fonts *ff = arena_array(a, nforms ? nforms : 1, sizeof *ff);
    for (size_t k = 0; ff && k < nforms; k++)
        if (render_fonts(doc, render_form_index(&run->pk, k), run->fonts, a, &ff[k].files,
                         &ff[k].n))
            return;
    *out = ff;
}

static const char *approval_name(approval_kind k)
{
    return k == APPROVAL_DRAFT        ? "draft"
           : k == APPROVAL_HOLDS      ? "holds"
           : k == APPROVAL_UNRECORDED ? "unrecorded"
                                      : "moved";
}

static void print_json(const check_report *r, const approval *ap, const form_fonts *fonts)
{
    const form *f = r->form;
    mp_buf line;
    json_writer j;
    /* The form's own strings, in the order the document gives them. */
    const char *const form_strings[][2] = {
        {"file", f->doc->path},
        {"id", f->id.s},
        {"version", f->version.s},
        {"status", f->status == FORM_APPROVED ? "approved" : "draft"},
        {"fingerprint", f->fingerprint},
    };
    cli_json_begin(&line, &j);
    for (size_t i = 0; i < sizeof form_strings / sizeof form_strings[0]; i++) {
        json_key(&j, form_strings[i][0]);
        json_put_str(&j, form_strings[i][1]);
    }
    /* The approval: whether it holds for the wording, the fingerprint it
     * names, and for a translation whether it is stale. */
    json_key(&j, "approval");
    json_put_str(&j, approval_name(ap->kind));
    json_key(&j, "approved_wording");
    if (f->approved_wording.s)
        json_put_str(&j, f->approved_wording.s);
    else
        json_put_null(&j);
    if (ap->translation) {
        json_key(&j, "translation_of");
        json_put_str(&j, f->translation_of_path);
        json_key(&j, "stale");
        json_put_bool(&j, ap->stale);
    }
    json_key(&j, "errors");
    json_put_uint(&j, r->errors);
    json_key(&j, "warnings");
    json_put_uint(&j, r->warnings);
    json_key(&j, "findings");
    json_begin_array(&j);
    for (size_t i = 0; i < r->nfindings; i++) {
        const mp_err *e = &r->findings[i].where;
        json_begin_object(&j);
        json_key(&j, "level");
        json_put_str(&j, level_name(r->findings[i].level));
        json_key(&j, "line");
        json_put_int(&j, e->line);
        json_key(&j, "col");
        json_put_int(&j, e->col);
        json_key(&j, "message");
        json_put_str(&j, e->msg);
        json_end_object(&j);
    }
    json_end_array(&j);
    json_key(&j, "sections");
    json_begin_array(&j);
    for (size_t i = 0; i < r->nsections; i++) {
        const check_section *s = &r->sections[i];
        json_begin_object(&j);
        json_key(&j, "title");
        json_put_str(&j, s->title);
        json_key(&j, "line");
        json_put_int(&j, s->line);
        /* Without a formula nothing was counted: null, not a 0 to trust. */
        json_key(&j, "words");
        if (r->grade_formula)
            json_put_uint(&j, s->r.words);
        else
            json_put_null(&j);
        json_key(&j, "grade");
        if (r->grade_formula)
            json_put_fixed(&j, s->r.grade, 1);
        else
            json_put_null(&j);
        json_key(&j, "above_target");
        json_put_bool(&j, s->above);
        json_end_object(&j);
    }
    json_end_array(&j);
    json_key(&j, "reading_target");
    json_put_int(&j, f->reading_grade);
    json_key(&j, "grade_formula");
    if (r->grade_formula)
        json_put_str(&j, r->grade_formula);
    else
        json_put_null(&j);
    json_key(&j, "fonts");
    if (fonts) {
        json_begin_array(&j);
        for (size_t i = 0; i < fonts->n; i++)
            json_put_str(&j, fonts->files[i]);
        json_end_array(&j);
    } else {
        json_put_null(&j);
    }
    cli_json_end(&line, &j, stdout, NULL);
}

typedef struct said_lines {
    const char **v;
    size_t n, cap;
} said_lines;

/* True when line was printed before for this packet; else it is noted (the
 * lines are few: a packet's findings). */
static bool said_before(said_lines *s, const char *line, arena *a)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], line) == 0)
            return true;
    const char **nv = arena_grow(a, s->v, &s->cap, s->n + 1, sizeof *nv);
    if (nv) {
        s->v = nv;
        s->v[s->n++] = line;
    }
    return false;
}

static const cli_command check_cmd = {.name = "check", .usage = check_usage};

/* The packet or form at path, and its clinic settings (--clinic, else the
 * ones the form names or finds) in *clp, or NULL when it names none: 0, or
 * the exit code with the error said. A form that does not load is one
 * finding, the loader's; settings the form names but that do not load (a
 * booking key file that is missing, weak or readable by others) are one
 * too. A form that names no settings is checked alone. */
static int load_checked(const char *path, const char *clinic_opt, arena *a, packet *pk, clinic *cl,
                        const clinic **clp)
{
    mp_err err;
    err_clear(&err);
    *clp = NULL;
    int rc = packet_load(path, a, pk, &err);
    if (!rc) {
        const char *settings = clinic_opt ? clinic_opt : clinic_find(pk, path, a, &err);
        if (settings && clinic_load(settings, a, cl, &err) == 0)
            *clp = cl;
        else if (clinic_opt || settings)
            rc = err.code;
    }
    if (rc)
        cli_report(&err);
    return rc;
}

/* The clinic's language notice, when pk prints it: checked with the
 * packet's forms, as render prints it with them. A packet that asks for it
 * of settings that have none, or a language whose file is missing, is an
 * error; fewer languages than the rule asks for, a warning. */
static int load_notice(packet *pk, const clinic *clp, arena *a)
{
    if (pk->notice == NOTICE_NONE)
        return 0;
    mp_err err;
    err_clear(&err);
    packet_entry *notice;
    size_t n;
    int rc = clp ? notice_load(clp, pk, a, &notice, &n, &err)
                 : node_err(&err, EX_CONFIG, pk->doc, pk->notice_node,
                            "the packet prints the language notice, but names no clinic settings "
                            "to find it in");
    if (!rc)
        rc = notice_attach(pk, notice, n, a, &err);
    if (rc) {
        cli_report(&err);
        return rc;
    }
    if (clp->nnotice_languages < NOTICE_MIN_LANGUAGES) {
        const ynode *langs = ydoc_get(clp->doc->root, "notice_languages");
        node_err(&err, EX_DATAERR, clp->doc, langs,
                 "notice_languages lists %zu language%s; Section 1557 (45 CFR 92.11) asks for the "
                 "%d most spoken by people with limited English in the clinic's state",
                 clp->nnotice_languages, clp->nnotice_languages == 1 ? "" : "s",
                 NOTICE_MIN_LANGUAGES);
        fprintf(stderr, "%s:%d:%d: warning: %s\n", err.file, err.line, err.col, err.msg);
    }
    return 0;
}

/* Says every finding of every form of pk on standard error (a finding in a
 * file several forms share, such as the clinic's booking URL, once per
 * packet), and with --json each form's report on standard output. Returns
 * the worst exit code: EX_DATAERR for an error, EX_OSERR out of memory. */
static int report_findings(const char *path, const char *clinic_opt, const packet *pk,
                           const clinic *cl, const clinic *clp, bool json, arena *a)
{
    int worst = 0;
    prepared_run run = {0};
    form_fonts *fonts = NULL;
    if (json)
        specimen_fonts(path, clinic_opt, pk->nentries, a, &run, &fonts);
    mp_err err;
    const char *key_problem = clp ? clinic_key_problem(clp) : NULL;
    if (key_problem) {
        node_err(&err, EX_DATAERR, cl->doc, cl->booking_key.node, "%s", key_problem);
        cli_report(&err);
        worst = EX_DATAERR;
    }
    said_lines said = {0};
    for (size_t k = 0; k < pk->nentries; k++) {
        check_report r;
        approval ap;
        const form *f = pk->entries[k].form;
        if (check_form(f, clp, a, &r) || approval_examine(f, a, &ap) ||
            check_approval(&r, f, &ap)) {
            prepare_release(&run);
            return cli_fail(EX_OSERR, "out of memory");
        }
        for (size_t j = 0; j < r.nfindings; j++) {
            const mp_err *e = &r.findings[j].where;
            char *line = arena_printf(a, "%s:%d:%d: %s: %s\n", e->file, e->line, e->col,
                                      level_name(r.findings[j].level), e->msg);
            if (!line || said_before(&said, line, a))
                continue;
            fputs(line, stderr);
        }
        if (json)
            print_json(&r, &ap, fonts ? &fonts[k] : NULL);
        if (r.errors)
            worst = EX_DATAERR;
    }
    prepare_release(&run);
    return worst;
}

int cmd_check(int argc, char **argv)
{
    cli_run_opts run = {0}; /* --clinic */
    bool json = false;
    const cli_option opts[] = {CLI_OPT_FLAG("json", 0, &json), CLI_OPT_CLINIC(&run), CLI_OPT_END};
    int rc = cli_parse_options(&check_cmd, opts, argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (optind >= argc)
        return cli_fail(EX_USAGE, "check: name one or more form files");
    int worst = 0;
    for (int i = optind; i < argc; i++) {
        arena *a = arena_new();
        if (!a)
            return cli_fail(EX_OSERR, "out of memory");
        packet pk;
        clinic cl;
        const clinic *clp;
        rc = load_checked(argv[i], run.prep.clinic, a, &pk, &cl, &clp);
        if (!rc)
            rc = load_notice(&pk, clp, a);
        int found = rc ? 0 : report_findings(argv[i], run.prep.clinic, &pk, &cl, clp, json, a);
        arena_free(a);
        if (found == EX_OSERR)
            return found;
        worst = rc > worst ? rc : worst;
        worst = found > worst ? found : worst;
    }
    return worst;
}
