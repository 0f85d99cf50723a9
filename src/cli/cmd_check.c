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

static void check_usage(FILE *out)
{
    fputs("usage: medpacket check [--json] [--clinic FILE] FORM_OR_PACKET.yaml ...\n"
          "\n"
          "Validates forms without rendering them: the schema, placeholders that nothing\n"
          "can fill, the booking QR code (URL, capacity, patient identifiers), the elements\n"
          "informed consent needs, approval, and the reading grade of every section.\n"
          "Findings print as FILE:LINE:COL: error|warning: message.\n"
          "\n"
          "Options:\n"
          "      --json             one JSON document per form on standard output, with\n"
          "                         the findings, the wording fingerprint and the reading\n"
          "                         grade of each section\n"
          "      --clinic FILE      clinic settings (default: as for render)\n"
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 when there are no errors (warnings allowed), 65 when any form\n"
          "has an error, 66 when a file cannot be read.\n",
          out);
}

static void print_json(const check_report *r)
{
    const form *f = r->form;
    mp_buf b;
    buf_init(&b, NULL);
    json_writer j;
    json_init(&j, &b);
    json_begin_object(&j);
    json_key(&j, "file");
    json_put_str(&j, f->doc->path);
    json_key(&j, "id");
    json_put_str(&j, f->id.s);
    json_key(&j, "version");
    json_put_str(&j, f->version.s);
    json_key(&j, "status");
    json_put_str(&j, f->status == FORM_APPROVED ? "approved" : "draft");
    json_key(&j, "fingerprint");
    json_put_str(&j, f->fingerprint);
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
        json_put_str(&j, r->findings[i].level == FINDING_ERROR ? "error" : "warning");
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
        json_key(&j, "words");
        json_put_uint(&j, s->r.words);
        json_key(&j, "grade");
        json_put_fixed(&j, s->r.grade, 1);
        json_key(&j, "above_target");
        json_put_bool(&j, s->above);
        json_end_object(&j);
    }
    json_end_array(&j);
    json_key(&j, "reading_target");
    json_put_int(&j, f->reading_grade);
    json_end_object(&j);
    buf_putc(&b, '\n');
    if (json_ok(&j))
        fwrite(b.data, 1, b.len, stdout);
    buf_free(&b);
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

int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"clinic", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    bool json = false;
    const char *clinic_opt = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 'c':
            clinic_opt = optarg;
            break;
        case 'h':
            check_usage(stdout);
            return 0;
        case ':':
            return cli_fail(EX_USAGE, "check: option %s needs a value", argv[optind - 1]);
        default:
            return cli_unknown_option("check", argv[optind - 1], opts);
        }
    }
    if (optind >= argc)
        return cli_fail(EX_USAGE, "check: name one or more form files");
    int worst = 0;
    for (int i = optind; i < argc; i++) {
        arena *a = arena_new();
        if (!a)
            return cli_fail(EX_OSERR, "out of memory");
        mp_err err;
        err_clear(&err);
        packet pk;
        clinic cl;
        const clinic *clp = NULL;
        /* A form that does not load is one finding, the loader's. */
        int rc = packet_load(argv[i], a, &pk, &err);
        if (!rc) {
            const char *path = clinic_opt ? clinic_opt : clinic_find(&pk, argv[i], a, &err);
            /* Settings the form names but that do not load (a booking key
             * file that is missing, weak or readable by others) are a
             * finding; a form that names no settings is checked alone. */
            if (path && clinic_load(path, a, &cl, &err) == 0)
                clp = &cl;
            else if (clinic_opt || path)
                rc = err.code;
            if (rc)
                cli_report(&err);
            err_clear(&err);
        } else {
            cli_report(&err);
        }
        if (rc) {
            if (rc > worst)
                worst = rc;
            arena_free(a);
            continue;
        }
        const char *key_problem = clp ? clinic_key_problem(clp) : NULL;
        if (key_problem) {
            node_err(&err, EX_DATAERR, cl.doc, cl.booking_key.node, "%s", key_problem);
            cli_report(&err);
            err_clear(&err);
            worst = worst < EX_DATAERR ? EX_DATAERR : worst;
        }
        said_lines said = {0};
        for (size_t k = 0; k < pk.nentries; k++) {
            check_report r;
            if (check_form(pk.entries[k].form, clp, a, &r)) {
                arena_free(a);
                return cli_fail(EX_OSERR, "out of memory");
            }
            for (size_t j = 0; j < r.nfindings; j++) {
                const mp_err *e = &r.findings[j].where;
                /* A finding in a file several forms share (the clinic's
                 * booking URL) is said once per packet, not once per form. */
                char *line = arena_printf(
                    a, "%s:%d:%d: %s: %s\n", e->file, e->line, e->col,
                    r.findings[j].level == FINDING_ERROR ? "error" : "warning", e->msg);
                if (!line || said_before(&said, line, a))
                    continue;
                fputs(line, stderr);
            }
            if (json)
                print_json(&r);
            if (r.errors && worst < EX_DATAERR)
                worst = EX_DATAERR;
        }
        arena_free(a);
    }
    return worst;
}
