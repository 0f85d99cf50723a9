/*
 * cmd_render.c — `medpacket render`: one form or packet, one patient, one PDF.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "outfile.h"
#include "print.h"
#include "render.h"
#include "roster.h"

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
          "      --language LANG    the packet's translation to print (en, es); default: the\n"
          "                         patient's language field when the packet offers it\n"
          "      --large-print      14 pt body text (default: the patient's large_print\n"
          "                         field, else the clinic's large_print setting)\n"
          "      --allow-draft      print a form whose status is draft (refused otherwise);\n"
          "                         every page of it then says DRAFT\n"
          "  -h, --help             show this help\n"
          "Printing (CUPS):\n"
          "      --print            once the PDF is written, send it to a printer as one job\n"
          "                         (the job's name is \"medpacket PACKET_ID [row N]\", never\n"
          "                         the patient's); when CUPS does not take it, the exit\n"
          "                         status is 69 and the PDF stays written\n"
          "      --printer NAME     the CUPS queue (default: CUPS's default printer)\n"
          "      --copies N         1 to 99 (default 1)\n"
          "      --duplex           both sides (long edge), each form padded to an even\n"
          "                         page count so that none starts on the back of another\n"
          "\n"
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
    const char *input, *data, *output, *clinic, *page_size, *font_dir, *language;
    const char *date_order; /* --date-order */
    bool allow_draft, large_print, force;
    bool print, duplex;         /* --print, --duplex */
    const char *printer;        /* --printer, NULL: CUPS's default */
    int copies;                 /* --copies, 0 = not given */
    const char *select;         /* FIELD=VALUE */
    long row;                   /* --row N, 0 = not given */
    const char *sets[MAX_SETS]; /* patient.FIELD=VALUE */
    size_t nsets;
} render_args;

static int parse_args(int argc, char **argv, render_args *a)
{
    enum {
        OPT_CLINIC = 256,
        OPT_PAGE_SIZE,
        OPT_FONT_DIR,
        OPT_ALLOW_DRAFT,
        OPT_LARGE,
        OPT_LANG,
        OPT_FORCE,
        OPT_SELECT,
        OPT_ROW,
        OPT_SET,
        OPT_PRINT,
        OPT_PRINTER,
        OPT_COPIES,
        OPT_DUPLEX,
        OPT_DATE_ORDER
    };
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"output", required_argument, NULL, 'o'},
        {"clinic", required_argument, NULL, OPT_CLINIC},
        {"page-size", required_argument, NULL, OPT_PAGE_SIZE},
        {"date-order", required_argument, NULL, OPT_DATE_ORDER},
        {"font-dir", required_argument, NULL, OPT_FONT_DIR},
        {"allow-draft", no_argument, NULL, OPT_ALLOW_DRAFT},
        {"large-print", no_argument, NULL, OPT_LARGE},
        {"language", required_argument, NULL, OPT_LANG},
        {"force", no_argument, NULL, OPT_FORCE},
        {"select", required_argument, NULL, OPT_SELECT},
        {"row", required_argument, NULL, OPT_ROW},
        {"set", required_argument, NULL, OPT_SET},
        {"print", no_argument, NULL, OPT_PRINT},
        {"printer", required_argument, NULL, OPT_PRINTER},
        {"copies", required_argument, NULL, OPT_COPIES},
        {"duplex", no_argument, NULL, OPT_DUPLEX},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":d:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            a->data = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case OPT_CLINIC:
            a->clinic = optarg;
            break;
        case OPT_PAGE_SIZE:
            a->page_size = optarg;
            break;
        case OPT_DATE_ORDER:
            a->date_order = optarg;
            break;
        case OPT_FONT_DIR:
            a->font_dir = optarg;
            break;
        case OPT_ALLOW_DRAFT:
            a->allow_draft = true;
            break;
        case OPT_LARGE:
            a->large_print = true;
            break;
        case OPT_LANG:
            a->language = optarg;
            break;
        case OPT_FORCE:
            a->force = true;
            break;
        case OPT_SELECT:
            a->select = optarg;
            break;
        case OPT_ROW: {
            char *end;
            a->row = strtol(optarg, &end, 10);
            if (*end || a->row < 1)
                return cli_fail(EX_USAGE,
                                "render: --row takes a row number (2 is the first patient)");
            break;
        }
        case OPT_SET:
            if (a->nsets == MAX_SETS)
                return cli_fail(EX_USAGE, "render: at most %d --set", MAX_SETS);
            if (strncmp(optarg, "patient.", 8) != 0 || !strchr(optarg, '='))
                return cli_fail(EX_USAGE, "render: --set takes patient.FIELD=VALUE");
            a->sets[a->nsets++] = optarg;
            break;
        case OPT_PRINT:
            a->print = true;
            break;
        case OPT_PRINTER:
            a->printer = optarg;
            break;
        case OPT_COPIES:
            if (cli_parse_copies(optarg, &a->copies))
                return cli_fail(EX_USAGE, "render: --copies takes a number from 1 to 99");
            break;
        case OPT_DUPLEX:
            a->duplex = true;
            break;
        case 'h':
            render_usage(stdout);
            return -1;
        case ':':
            return cli_fail(EX_USAGE, "render: option %s needs a value", argv[optind - 1]);
        default:
            return cli_unknown_option("render", argv[optind - 1], opts);
        }
    }
    if (optind >= argc)
        return cli_fail(EX_USAGE,
                        "render: name a form or packet file (see medpacket render --help)");
    a->input = argv[optind++];
    if (optind < argc)
        return cli_fail(EX_USAGE, "render: unexpected argument \"%s\"", argv[optind]);
    if (!a->data && !a->nsets)
        return cli_fail(EX_USAGE,
                        "render: --data PATIENT.yaml (or --set patient.FIELD=VALUE) is required");
    if ((a->select || a->row) && !a->data)
        return cli_fail(EX_USAGE, "render: --select and --row pick from --data LIST");
    if (a->select && a->row)
        return cli_fail(EX_USAGE, "render: --select or --row, not both");
    if (a->select && (!strchr(a->select, '=') || a->select[0] == '='))
        return cli_fail(EX_USAGE, "render: --select takes FIELD=VALUE, e.g. mrn=A1003");
    if (!a->output)
        return cli_fail(EX_USAGE, "render: -o OUT.pdf is required (\"-o -\" for standard output)");
    page_size ps;
    if (a->page_size && !page_size_parse(a->page_size, &ps))
        return cli_fail(EX_USAGE, "render: --page-size must be letter or a4, not \"%s\"",
                        a->page_size);
    date_order order;
    if (a->date_order && !date_order_parse(a->date_order, &order))
        return cli_fail(EX_USAGE, "render: --date-order takes mdy, dmy or iso");
    if (a->language && !packet_language_code(a->language))
        return cli_fail(EX_USAGE, "render: --language must be en or es, not \"%s\"", a->language);
    if (!a->print && (a->printer || a->copies || a->duplex))
        return cli_fail(EX_USAGE, "render: --printer, --copies and --duplex go with --print");
    if (a->printer && !*a->printer)
        return cli_fail(EX_USAGE, "render: --printer takes a CUPS queue name");
    if (strcmp(a->output, "-") == 0 && isatty(STDOUT_FILENO))
        return cli_fail(EX_USAGE, "render: refusing to write a PDF to a terminal; use -o FILE");
    return 0;
}

/* The patient: a file of one, a row picked from a day's list (--select,
 * --row), or nobody (a walk-in), then --set on top. */
static int load_patient(const render_args *args, const prepared_run *run, arena *a, patient *pt,
                        mp_err *err)
{
    memset(pt, 0, sizeof *pt);
    int rc = 0;
    if (args->select || args->row) {
        roster *r;
        if ((rc = roster_open(args->data, ROSTER_AUTO, &r, err)))
            return rc;
        roster_set_date_order(r, run->date_order);
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
    } else if (args->data) {
        size_t n = strlen(args->data);
        if (n > 4 && strcmp(args->data + n - 4, ".csv") == 0)
            return err_set(err, EX_USAGE, args->data, 0, 0,
                           "a list of patients: pick one with --select FIELD=VALUE or --row N");
        /* "-": one patient's YAML on standard input. */
        rc =
            patient_load_yaml(strcmp(args->data, "-") == 0 ? "/dev/stdin" : args->data, a, pt, err);
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
    if (!rc && !args->data && !patient_get(pt, "appointment_date", 16)) {
        char iso[11];
        date_format_iso(run->env.today, iso);
        rc = patient_put(pt, "appointment_date", iso, a, err);
    }
    return rc;
}

static int run(const render_args *args, arena *a, mp_err *err)
{
    prepare_opts setup = {.input = args->input,
                          .clinic = args->clinic,
                          .page_size = args->page_size,
                          .font_dir = args->font_dir,
                          .allow_draft = args->allow_draft,
                          .large_print = args->large_print,
                          .duplex = args->duplex,
                          .date_order = args->date_order};
    prepared_run run;
    patient pt = {0};
    /* Checked first, so that nothing is rendered for nothing. */
    int rc = cmd_check_overwrite(args->output, args->force, err);
    if (rc)
        return rc;
    rc = prepare_run(&setup, a, &run, err);
    if (!rc) {
        outfile_inputs inputs = {0};
        rc = prepare_inputs(&run, args->data, &inputs, err);
        if (!rc)
            rc = outfile_check_inputs(&inputs, args->output, "-o", err);
        outfile_inputs_free(&inputs);
    }
    if (!rc)
        rc = load_patient(args, &run, a, &pt, err);
    unsigned char *pdf = NULL;
    size_t len = 0;
    const packet *pk = NULL;
    if (!rc) {
        pk = render_pick(run.variants, run.nvariants, &pt, args->language);
        /* Asked for by name, a language the packet lacks is an error; from
         * the patient's data, the packet's own language stands in. */
        if (args->language && strcmp(pk->language, packet_language_code(args->language)) != 0)
            rc = err_set(err, EX_USAGE, args->input, 0, 0,
                         "no %s version of this packet (add it under translations:)",
                         args->language);
    }
    if (!rc)
        rc = render_packet(pk, &run.env, &pt, a, &pdf, &len, NULL, err);
    prepare_release(&run);
    if (!rc)
        rc = outfile_write(args->output, pdf, len, OUTFILE_DEFAULT_MODE, err);
    /* parse_args made sure of -o; said again for the analyzer's sake. */
    bool to_stdout = !args->output || strcmp(args->output, "-") == 0;
    if (!rc && !to_stdout)
        fprintf(stderr, "wrote %s\n", args->output);
    /* Printed only once written, so that a printer that fails loses nothing;
     * the bytes sent are the bytes written. */
    if (!rc && args->print) {
        char title[160];
        if (pt.row)
            snprintf(title, sizeof title, "medpacket %s row %ld", pk->id.s, pt.row);
        else
            snprintf(title, sizeof title, "medpacket %s", pk->id.s);
        print_opts po = {.printer = args->printer,
                         .copies = args->copies ? args->copies : 1,
                         .duplex = args->duplex,
                         .title = title};
        print_result res;
        rc = print_pdf(&po, pdf, len, &res, err);
        if (!rc)
            fprintf(stderr, "printed %s on %s as job %d\n", to_stdout ? "the PDF" : args->output,
                    res.printer, res.job_id);
    }
    free(pdf);
    return rc;
}

int cmd_render(int argc, char **argv)
{
    render_args args = {0};
    int rc = parse_args(argc, argv, &args);
    if (rc)
        return rc < 0 ? 0 : rc;
    arena *a = arena_new();
    if (!a)
        return cli_fail(EX_OSERR, "out of memory");
    mp_err err;
    err_clear(&err);
    rc = run(&args, a, &err);
    if (rc)
        cli_report(&err);
    arena_free(a);
    return rc;
}
