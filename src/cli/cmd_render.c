/*
 * cmd_render.c — `medpacket render`: one form or packet, one patient, one PDF.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fhirin.h"
#include "outfile.h"
#include "print.h"
#include "render.h"
#include "roster.h"
#include "sha256.h"

static void render_usage(FILE *out)
{
    fputs("usage: medpacket render FORM_OR_PACKET.yaml --data PATIENT.yaml -o OUT.pdf [OPTIONS]\n"
          "       medpacket render PACKET.yaml --data TODAY.csv --select mrn=A1003 -o OUT.pdf\n"
          "       medpacket render PACKET.yaml --set patient.first_name=José --set ... -o OUT.pdf\n"
          "       medpacket render PACKET.yaml --data PATIENT.yaml -o OUT.pdf --print\n"
          "\n"
          "Renders one form, or a packet of forms in order, for one patient into one PDF.\n"
          "\n"
          "Options:\n"
          "  -d, --data FILE        the patient's data (a YAML mapping of fields), or a day's\n"
          "                         list (CSV, or a YAML list) to pick one patient from:\n"
          "      --select FIELD=VALUE  the row whose FIELD is exactly VALUE (mrn=A1003)\n"
          "      --row N            row N (as a spreadsheet counts: 2 is a CSV's first patient)\n"
          "      --set patient.FIELD=VALUE  fill or override one field (repeatable); a\n"
          "                         walk-in patient needs no --data at all\n"
          "  -o, --output FILE      where to write the PDF; \"-\" for standard output.\n"
          "                         A regular file is written to a temporary name beside it\n"
          "                         and renamed into place, so it is whole or absent; it is\n"
          "                         created private (mode 0600), and an existing file is\n"
          "                         not replaced unless --force says so.\n"
          "      --force            replace an existing output file\n"
          "      --json             once the PDF is written, one JSON line on standard output\n"
          "                         (standard error with -o -) saying what it holds: path,\n"
          "                         language, pages, bytes, sha256, fonts, and \"forms\",\n"
          "                         each form printed (in packet order) with its id,\n"
          "                         version and whole wording fingerprint, as 'medpacket\n"
          "                         check --json' gives it; never the patient's data\n"
          "      --clinic FILE      clinic settings (default: the form's clinic: key, or the\n"
          "                         nearest clinic.yaml in the form's folder or above)\n"
          "      --page-size SIZE   letter or a4 (default: the clinic's page_size, or letter)\n"
          "      --date-order ORDER a list whose dates are MM/DD/YYYY (mdy) or DD/MM/YYYY\n"
          "                         (dmy) (default: the clinic's date_order, else\n"
          "                         YYYY-MM-DD only)\n"
          "      --font-dir DIR     a folder with the font family to embed (regular.ttf and\n"
          "                         bold.ttf, or *-Regular.ttf and *-Bold.ttf); default:\n"
          "                         $MEDPACKET_FONT_DIR, fonts/ beside the clinic settings\n"
          "                         or in the folder above them, then DejaVu Sans\n"
          "      --language LANG    the packet's translation to print, by tag or name (es,\n"
          "                         zh-Hant, Spanish, Español); default: the patient's\n"
          "                         language field when the packet offers it\n"
          "      --large-print      14 pt body text (default: the patient's large_print\n"
          "                         field, else the clinic's large_print setting)\n"
          "      --allow-draft      print a form whose status is draft (refused otherwise);\n"
          "                         every page of it then says DRAFT\n"
          "      --allow-stale-translation  print a translation whose source's wording\n"
          "                         changed since it was approved (refused otherwise);\n"
          "                         its pages then say OUTDATED TRANSLATION\n"
          "  -h, --help             show this help\n",
          out);
    /* Two strings: C99 compilers need take none longer than 4095 bytes. */
    fputs("Printing (CUPS):\n"
          "      --print            once the PDF is written, send it to a printer as one job\n"
          "                         (the job's name is \"medpacket PACKET_ID [row N]\", never\n"
          "                         the patient's); when CUPS does not take it, the exit\n"
          "                         status is 69 and the PDF stays written\n"
          "      --printer NAME     the CUPS queue (default: CUPS's default printer)\n"
          "      --copies N         1 to 99 (default 1)\n"
          "      --duplex           both sides (long edge), each form padded to an even\n"
          "                         page count so that none starts on the back of "
          "another\n" CLI_FHIR_HELP "\n"
          "Environment:\n"
          "  SOURCE_DATE_EPOCH      fixes the PDF's dates and {{today}}: same input, same bytes\n"
          "  MEDPACKET_FONT_DIR     the font folder when --font-dir is not given\n"
          "  CUPS_SERVER            the CUPS scheduler for --print (host:port or a socket)\n"
          "\n"
          "Errors name the file, line and column of the problem; see 'medpacket --help'\n"
          "for the exit codes.\n",
          out);
}

#define MAX_SETS 64

typedef struct render_args {
    /* --data, -o, --force, --clinic, --page-size, --date-order, --font-dir,
     * --language, --large-print, --allow-draft, --print, --printer,
     * --copies, --duplex; the form or packet file */
    cli_run_opts run;
    const char *select;         /* FIELD=VALUE */
    long row;                   /* --row N, 0 = not given */
    const char *sets[MAX_SETS]; /* patient.FIELD=VALUE */
    size_t nsets;
    bool json; /* --json */
} render_args;

/* --row N: as a spreadsheet counts rows. */
static int take_row(void *row, const char *arg)
{
    char *end;
    long *n = row;
    *n = strtol(arg, &end, 10);
    if (*end || *n < 1)
        return cli_fail(EX_USAGE, "render: --row takes a row number (2 is the first patient)");
    return 0;
}

/* --set patient.FIELD=VALUE, one more. */
static int take_set(void *args, const char *arg)
{
    render_args *a = args;
    if (a->nsets == MAX_SETS)
        return cli_fail(EX_USAGE, "render: at most %d --set", MAX_SETS);
    if (strncmp(arg, "patient.", 8) != 0 || !strchr(arg, '='))
        return cli_fail(EX_USAGE, "render: --set takes patient.FIELD=VALUE");
    a->sets[a->nsets++] = arg;
    return 0;
}

static const cli_command render_cmd = {.name = "render", .usage = render_usage};

/* What render's options must say together: who the patient is, where the
 * PDF goes, and how it is printed. */
static int check_args(const render_args *a)
{
    const cli_run_opts *ro = &a->run;
    int rc;
    if (!ro->data && !a->nsets)
        return cli_fail(EX_USAGE,
                        "render: --data PATIENT.yaml (or --set patient.FIELD=VALUE) is required");
    if ((a->select || a->row) && !ro->data)
        return cli_fail(EX_USAGE, "render: --select and --row pick from --data LIST");
    if (a->select && a->row)
        return cli_fail(EX_USAGE, "render: --select or --row, not both");
    if (a->select && (!strchr(a->select, '=') || a->select[0] == '='))
        return cli_fail(EX_USAGE, "render: --select takes FIELD=VALUE, e.g. mrn=A1003");
    if (!ro->output)
        return cli_fail(EX_USAGE, "render: -o OUT.pdf is required (\"-o -\" for standard output)");
    if ((rc = cli_check_run_opts(&render_cmd, ro)))
        return rc;
    if (!ro->print && (ro->printer || ro->copies || ro->prep.duplex))
        return cli_fail(EX_USAGE, "render: --printer, --copies and --duplex go with --print");
    if ((rc = cli_check_printer(&render_cmd, ro)) || (rc = cli_check_fhir(&render_cmd, &ro->fhir)))
        return rc;
    if (ro->fhir.out && strcmp(ro->output, "-") == 0)
        return cli_fail(EX_USAGE,
                        "render: --fhir-out names the record after the PDF: -o FILE, not -o -");
    return cli_check_pdf_output(&render_cmd, ro->output);
}

static int parse_args(int argc, char **argv, render_args *a)
{
    cli_run_opts *ro = &a->run;
    const cli_option opts[] = {
        CLI_OPT_DATA(ro),
        CLI_OPT_OUTPUT(ro),
        CLI_OPTS_RUN(ro),
        CLI_OPT_LARGE_PRINT(ro),
        CLI_OPT_LANGUAGE(ro),
        CLI_OPT_FORCE(ro),
        CLI_OPT_FLAG("json", 0, &a->json),
        CLI_OPT_TEXT("select", 0, &a->select),
        CLI_OPT_CALL("row", take_row, &a->row),
        CLI_OPT_CALL("set", take_set, a),
        CLI_OPTS_PRINT(ro),
        CLI_OPT_DUPLEX(ro),
        CLI_OPTS_FHIR(ro),
        CLI_OPT_END,
    };
    int rc = cli_parse_with_input(&render_cmd, opts, argc, argv, ro);
    return rc ? rc : check_args(a);
}

/* A .json or .ndjson name, or a file that starts with "{" (not a .yaml
 * one: YAML may too). */
static bool is_fhir_file(const char *path)
{
    size_t n = strlen(path);
    if ((n > 5 && strcmp(path + n - 5, ".json") == 0) ||
        (n > 7 && strcmp(path + n - 7, ".ndjson") == 0))
        return true;
    if ((n > 5 && strcmp(path + n - 5, ".yaml") == 0) ||
        (n > 4 && strcmp(path + n - 4, ".yml") == 0) || strcmp(path, "-") == 0)
        return false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false; /* the YAML loader says why */
    char head[64];
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    return fhirin_sniff(head, got);
}

static int load_fhir_one(const char *path, const prepared_run *run, arena *a, patient *pt,
                         mp_err *err)
{
    roster *r;
    int rc = roster_open(path, ROSTER_FHIR, &r, err);
    if (rc)
        return rc;
    roster_set_fhir(r, run->cl.timezone, run->cl.fhir_mrn_system);
    rc = roster_only(r, a, pt, err);
    if (!rc && !(pt->source = arena_strdup(a, roster_name(r))))
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    roster_close(r);
    return rc;
}

/* The patient: a file of one, a row picked from a day's list (--select,
 * --row), or nobody (a walk-in), then --set on top. */
static int load_patient(const render_args *args, const prepared_run *run, arena *a, patient *pt,
                        mp_err *err)
{
    const cli_run_opts *ro = &args->run;
    memset(pt, 0, sizeof *pt);
    int rc = 0;
    if (args->select || args->row) {
        roster *r;
        if ((rc = roster_open(ro->data, ROSTER_AUTO, &r, err)))
            return rc;
        roster_set_date_order(r, run->date_order);
        roster_set_fhir(r, run->cl.timezone, run->cl.fhir_mrn_system);
        char *field = NULL, *value = NULL;
        if (args->select) {
            const char *eq = strchr(args->select, '=');
            field = arena_strndup(a, args->select, (size_t)(eq - args->select));
            value = arena_strdup(a, eq + 1);
            if (!field || !value) {
                roster_close(r);
                return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            }
        }
        rc = roster_find(r, field, value, args->row, a, pt, err);
        /* The patient's texts are in a; its source name is the roster's. */
        if (!rc && !(pt->source = arena_strdup(a, roster_name(r))))
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        roster_close(r);
    } else if (ro->data) {
        size_t n = strlen(ro->data);
        if (n > 4 && strcmp(ro->data + n - 4, ".csv") == 0)
            return err_set(err, EX_USAGE, ro->data, 0, 0,
                           "a list of patients: pick one with --select FIELD=VALUE or --row N");
        /* A FHIR file (a Patient, or a Bundle of one appointment) is a list
         * of one; anything else is one patient's YAML ("-": on standard
         * input). */
        if (is_fhir_file(ro->data))
            rc = load_fhir_one(ro->data, run, a, pt, err);
        else
            rc =
                patient_load_yaml(strcmp(ro->data, "-") == 0 ? "/dev/stdin" : ro->data, a, pt, err);
    } else {
        pt->source = "--set";
    }
    for (size_t i = 0; !rc && i < args->nsets; i++) {
        const char *s = args->sets[i] + 8, *eq = strchr(s, '=');
        char *name = arena_strndup(a, s, (size_t)(eq - s));
        /* Any field the packet prints may be set ({{patient.room}}); others
         * must be ones a clinic's data may have, so that a typo is caught. */
        if (!name)
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        else if (render_uses_field(run->variants[0], &run->env, name))
            rc = patient_put(pt, name, eq + 1, a, err);
        else
            rc = patient_set(pt, name, eq + 1, a, err);
    }
    /* A walk-in is seen today, as the front desk's page assumes. */
    if (!rc && !ro->data && !patient_get(pt, "appointment_date", 16)) {
        char iso[11];
        date_format_iso(run->env.today, iso);
        rc = patient_put(pt, "appointment_date", iso, a, err);
    }
    return rc;
}

/* --json: what the PDF written holds, as a batch row reports it. With -o -
 * the PDF has standard output, so the line goes to standard error. */
static void printed_json(const render_args *args, const packet_choice *choice,
                         const render_env *env, const render_info *info, const unsigned char *pdf,
                         size_t len, bool to_stdout, const fhirout_filed *filed)
{
    char sha[65];
    sha256_hex(pdf, len, sha);
    const packet *pk = choice->packet;
    cli_printed p = {.path = args->run.output,
                     .packet = pk,
                     .pages = info->pages,
                     .bytes = len,
                     .sha256 = sha,
                     .fonts = info->fonts,
                     .nfonts = info->nfonts,
                     /* Asked for by --language, the language is the one printed. */
                     .choice = args->run.language ? NULL : choice,
                     .env = env,
                     .fhir = filed->posted ? filed->post.id : NULL,
                     .fhir_created = filed->post.created};
    mp_buf line;
    json_writer j;
    cli_json_begin(&line, &j);
    cli_json_printed(&j, &p);
    cli_json_end(&line, &j, to_stdout ? stderr : stdout, NULL);
}

/* The PDF written to -o, its record filed first (--fhir-*: fh, NULL when
 * none was asked for): the bytes go to a temporary file, the record is
 * filed, and only then is the file put in place, so that a PDF exists only
 * once it is filed, and a full disk fails before anything is sent. On
 * standard output, the record is filed before the first byte is written.
 * Closes fh. */
static int write_pdf(const cli_run_opts *ro, fhirout *fh, const fhirout_pdf *fp,
                     fhirout_filed *filed, fhirout_counts *counts, bool *bundled, mp_err *err)
{
    bool to_stdout = strcmp(ro->output, "-") == 0;
    outfile *out = NULL;
    int rc = 0;
    if (!to_stdout && !(rc = outfile_open(ro->output, OUTFILE_DEFAULT_MODE, &out, err)) &&
        (rc = outfile_put(out, fp->doc.pdf, fp->doc.pdf_len, err))) {
        outfile_abort(out);
        out = NULL;
    }
    if (fh && !rc)
        rc = fhirout_file(fh, fp, filed, err);
    if (fh) {
        fhirout_get_counts(fh, counts);
        mp_err ferr;
        err_clear(&ferr);
        int frc = fhirout_close(fh, !rc, bundled, &ferr);
        if (frc && !rc)
            *err = ferr;
        rc = rc ? rc : frc;
    }
    if (!rc && to_stdout)
        rc = outfile_write(ro->output, fp->doc.pdf, fp->doc.pdf_len, OUTFILE_DEFAULT_MODE, err);
    if (rc)
        outfile_abort(out);
    else if (out)
        rc = outfile_commit(out, err);
    return rc;
}

static int run(void *ctx, arena *a, mp_err *err)
{
    const render_args *args = ctx;
    const cli_run_opts *ro = &args->run;
    prepared_run run;
    patient pt = {0};
    /* Checked first, so that nothing is rendered for nothing. */
    int rc = cmd_check_overwrite(ro->output, ro->force, err);
    if (rc)
        return rc;
    rc = prepare_run(&ro->prep, a, &run, err);
    fhirout *fh = NULL;
    bool made_dir = false;
    if (!rc) {
        outfile_inputs inputs = {0};
        rc = prepare_inputs(&run, ro->data, &inputs, err);
        if (!rc)
            rc = outfile_check_inputs(&inputs, ro->output, "-o", err);
        if (!rc)
            rc = cli_fhir_prepare(ro, &inputs, false, &made_dir, err);
        if (!rc)
            rc = cli_fhir_open(ro, &inputs, false, false, NULL, a, &fh, err);
        outfile_inputs_free(&inputs);
    }
    if (!rc)
        rc = load_patient(args, &run, a, &pt, err);
    /* A DocumentReference needs a subject: known before anything is made. */
    const char *no_subject = !rc && fh ? fhirdoc_subject_problem(&pt) : NULL;
    if (no_subject) {
        rc = err_set(err, EX_DATAERR, pt.source, 0, 0, "%s", no_subject);
        err->row = pt.row;
        if (pt.where)
            snprintf(err->where, sizeof err->where, "%s", pt.where);
    }
    unsigned char *pdf = NULL;
    size_t len = 0;
    const packet *pk = NULL;
    packet_choice choice = {0};
    if (!rc) {
        pk = render_pick(run.variants, run.nvariants, &pt, ro->language, &choice);
        /* Asked for by --language, a language the packet lacks is an error;
         * from the patient's data, the packet's own language stands in, and
         * that is said: the front desk may want an interpreter. */
        const render_withheld *draft = ro->language && packet_choice_fallback(&choice)
                                           ? render_withheld_for(&run.env, choice.asked_tag)
                                           : NULL;
        if (draft) {
            char wanted[96];
            language_name(choice.asked_tag, "en", wanted, sizeof wanted);
            rc = err_set(err, EX_DATAERR, ro->prep.input, 0, 0,
                         "the %s (%s) version of this packet is a draft: %s (--allow-draft "
                         "prints it with DRAFT on every page)",
                         wanted, choice.asked_tag, draft->why);
        } else if (ro->language && packet_choice_fallback(&choice)) {
            char wanted[96], offered[512];
            language_name(choice.asked_tag, "en", wanted, sizeof wanted);
            render_language_list(run.variants, run.nvariants, true, offered, sizeof offered);
            rc = err_set(err, EX_USAGE, ro->prep.input, 0, 0,
                         "no %s (%s) version of this packet; it has %s (add one under "
                         "translations:)",
                         wanted, choice.asked_tag, offered);
        } else if (packet_choice_fallback(&choice)) {
            char words[512];
            render_fallback_words(&choice, &run.env, words, sizeof words);
            char place[32];
            if (pt.row)
                fprintf(stderr, "%s: %s: warning: %s\n", pt.source,
                        patient_place(&pt, place, sizeof place), words);
            else
                fprintf(stderr, "%s: warning: %s\n", pt.source ? pt.source : "patient", words);
        }
    }
    render_info info = {0};
    if (!rc)
        rc = render_packet(pk, &run.env, &pt, a, &pdf, &len, &info, err);
    fhirout_filed filed = {0};
    fhirout_counts counts = {0};
    bool bundled = false;
    if (!rc) {
        fhirout_pdf fp = {.doc = {.printed = pk,
                                  .clinic = &run.cl,
                                  .patient = &pt,
                                  .now_unix = run.env.now_unix,
                                  .created_unix = run.env.now_unix,
                                  .pdf = pdf,
                                  .pdf_len = len},
                          .pdf_path = ro->output};
        rc = write_pdf(ro, fh, &fp, &filed, &counts, &bundled, err);
    } else if (fh) {
        mp_err ferr;
        fhirout_close(fh, false, &bundled, &ferr);
    }
    if (made_dir && (rc || !counts.records))
        rmdir(ro->fhir.out);
    /* parse_args made sure of -o; said again for the analyzer's sake. */
    bool to_stdout = !ro->output || strcmp(ro->output, "-") == 0;
    if (!rc && !to_stdout)
        fprintf(stderr, "wrote %s\n", ro->output);
    if (!rc && fh) {
        if (filed.posted)
            fprintf(stderr, "filed %s (%s) at %s\n", filed.post.id,
                    filed.post.created ? "created" : "it was there already", ro->fhir.post);
        if (ro->fhir.out)
            fprintf(stderr, "wrote its DocumentReference into %s\n", ro->fhir.out);
        if (bundled)
            fprintf(stderr, "wrote %s: a transaction Bundle of its DocumentReference\n",
                    ro->fhir.bundle);
    }
    if (!rc && args->json)
        printed_json(args, &choice, &run.env, &info, pdf, len, to_stdout, &filed);
    /* After the JSON line: the font files it names are the run's fonts'. */
    prepare_release(&run);
    /* Printed only once written, so that a printer that fails loses nothing;
     * the bytes sent are the bytes written. */
    if (!rc && ro->print) {
        char title[160];
        if (pt.row)
            snprintf(title, sizeof title, "medpacket %s row %ld", pk->id.s, pt.row);
        else
            snprintf(title, sizeof title, "medpacket %s", pk->id.s);
        print_opts po = {.printer = ro->printer,
                         .copies = ro->copies ? ro->copies : 1,
                         .duplex = ro->prep.duplex,
                         .title = title};
        print_result res;
        rc = print_pdf(&po, pdf, len, &res, err);
        if (!rc)
            fprintf(stderr, "printed %s on %s as job %d\n", to_stdout ? "the PDF" : ro->output,
                    res.printer, res.job_id);
    }
    free(pdf);
    return rc;
}

int cmd_render(int argc, char **argv)
{
    render_args args = {0};
    return cli_run(parse_args(argc, argv, &args), run, &args);
}
