/*
 * cmd_serve.c — `medpacket serve`: the front desk's local web page.
 *
 * Loads the offered packets once (as render does for one), opens the day's
 * list, starts the server (serve.h) and waits for Ctrl-C or SIGTERM.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "cmd.h"
#include "http.h"
#include "journal.h"
#include "schedule.h"
#include "secret.h"
#include "serve.h"
#include "webguard.h"

#define MAX_PACKETS 32
#define MAX_ALLOW_HOSTS 16
#define DEFAULT_LISTEN "127.0.0.1:8470"
/* How long a stop waits for the requests being answered: a render waits up
 * to 10 s for a slot, then renders and sends its print to CUPS. Below
 * systemd's TimeoutStopSec (90 s), which would end it with SIGKILL. */
#define STOP_GRACE_S 30

static void serve_usage(FILE *out)
{
    fputs("usage: medpacket serve --data TODAY.csv [--forms DIR] [--printer NAME] [OPTIONS]\n"
          "       medpacket serve --config FILE [OPTIONS]\n"
          "       medpacket serve --new-token FILE [--force]\n"
          "\n"
          "Starts the front desk's page on this computer: today's patients from the\n"
          "list (read again when the file changes), a search by name or record\n"
          "number, Preview and Print for each packet, and a form for walk-ins.\n"
          "Prints the address to open (on standard error), and serves until Ctrl-C.\n"
          "\n"
          "Options:\n"
          "  -d, --data FILE|URL    the day's list: CSV export, a YAML list, FHIR R4 JSON\n"
          "                         (docs/fhir.md), or a FHIR server's search, read\n"
          "                         again every --poll seconds, e.g. https://ehr.example/\n"
          "                         fhir/Appointment?date=today&_include=Appointment:patient\n"
          "                         (today: the clinic's date, in its timezone:)\n"
          "      --fhir-token-file FILE  the FHIR server's bearer token, in a file only\n"
          "                         its owner can read\n"
          "      --poll SECONDS     how often a FHIR server's list is read again\n"
          "                         (default 60; 5 to 86400)\n"
          "      --config FILE      the options below from FILE, one a line as\n"
          "                         NAME = VALUE (data = /srv/today.csv, no-print = yes;\n"
          "                         # starts a comment line); the command line's win.\n"
          "                         The service reads /etc/medpacket/serve.conf\n"
          "      --forms DIR        offer every DIR/*/packet.yaml (default: forms)\n"
          "      --packet FILE      offer this packet (repeatable; instead of --forms)\n"
          "      --printer NAME     the CUPS printer Print sends to (default: CUPS's default)\n"
          "      --no-print         previews only\n"
          "      --listen ADDR:PORT where to listen (default: " DEFAULT_LISTEN ").\n"
          "                         Any address but loopback needs --token-file.\n"
          "      --token-file FILE  a secret every request must carry (32+ random\n"
          "                         characters: letters, digits, - _ . ~), in a file\n"
          "                         only its owner can read; open the page once as\n"
          "                         http://ADDR:PORT/?token=SECRET\n"
          "      --new-token FILE   write a new random token to FILE (mode 0600) and stop\n"
          "      --force            with --new-token: replace FILE if it exists\n"
          "      --tls-cert FILE    serve HTTPS with this certificate (PEM) ...\n"
          "      --tls-key FILE     ... and its private key (PEM): without them, the token\n"
          "                         and the patients' data cross the network in clear\n"
          "      --allow-host NAME  a further name the desks reach this computer by\n"
          "                         (repeatable; needed with a 0.0.0.0 listener)\n"
          "      --clinic FILE      clinic settings (default: as render finds them)\n"
          "      --page-size SIZE   letter or a4 (default: the clinic's)\n"
          "      --date-order ORDER the list writes dates MM/DD/YYYY (mdy) or DD/MM/YYYY\n"
          "                         (dmy) (default: the clinic's date_order, else\n"
          "                         YYYY-MM-DD only)\n"
          "      --font-dir DIR     the font family to embed (as render)\n"
          "      --allow-draft      offer draft forms (every page says DRAFT)\n"
          "      --allow-stale-translation  print a translation whose source's wording\n"
          "                         changed since it was approved (refused otherwise);\n"
          "                         its pages then say OUTDATED TRANSLATION\n"
          "  -j, --jobs N           renders at once (default: the number of cores)\n"
          "  -h, --help             show this help\n"
          "\n"
          "Standard error has the address and the log, one line per request: method,\n"
          "route, status, row number, time and, for a failed print, CUPS's reason;\n"
          "a preview or a print also names the forms its PDF holds, in packet order and\n"
          "in the language printed, with their whole wording fingerprints (as 'medpacket\n"
          "check --json' gives them): \" forms=ID@VERSION:FINGERPRINT,...\" (a byte of an\n"
          "id or version other than a letter, digit, \"-\", \"_\" or \".\" written %XX);\n"
          "never a patient's name, date of birth or record number. Nothing goes to\n"
          "standard output.\n",
          out);
}

typedef struct serve_args {
    /* --data, --printer, --force (with --new-token), --jobs, --clinic,
     * --page-size, --date-order, --font-dir, --allow-draft */
    cli_run_opts run;
    const char *forms, *listen, *token_file;
    const char *fhir_token_file, *poll; /* a FHIR server's list: its token, how often */
    const char *config;                 /* --config FILE */
    char *config_text;                  /* its bytes, which the options it set point into */
    const char *tls_cert, *tls_key;
    const char *new_token; /* --new-token FILE: write one, and do nothing else */
    const char *packets[MAX_PACKETS];
    size_t npackets;
    const char *allow_hosts[MAX_ALLOW_HOSTS];
    size_t nallow_hosts;
    bool no_print;
} serve_args;

/* One more value of a repeatable option, of which list holds at most max. */
static int take_one_more(const char **list, size_t *n, size_t max, const char *option,
                         const char *arg)
{
    if (*n == max)
        return cli_fail(EX_USAGE, "at most %zu %s options", max, option);
    list[(*n)++] = arg;
    return 0;
}

static int take_packet(void *args, const char *arg)
{
    serve_args *a = args;
    return take_one_more(a->packets, &a->npackets, MAX_PACKETS, "--packet", arg);
}

static int take_allow_host(void *args, const char *arg)
{
    serve_args *a = args;
    return take_one_more(a->allow_hosts, &a->nallow_hosts, MAX_ALLOW_HOSTS, "--allow-host", arg);
}

static const cli_command serve_cmd = {.name = "serve",
                                      .usage = serve_usage,
                                      .bare = true,
                                      .page_size_msg = "--page-size takes letter or a4"};

/* Whether any option that only serving takes was given (every one but
 * --new-token, --force and --help). */
static bool serving_options(const serve_args *a)
{
    const cli_run_opts *ro = &a->run;
    const prepare_opts *p = &ro->prep;
    return a->config || ro->data || a->forms || a->npackets || ro->printer || a->no_print ||
           a->fhir_token_file || a->poll || a->listen || a->token_file || a->nallow_hosts ||
           a->tls_cert || a->tls_key || p->clinic || p->page_size || p->date_order || p->font_dir ||
           p->allow_draft || ro->jobs;
}

static int parse_args(int argc, char **argv, serve_args *a)
{
    cli_run_opts *ro = &a->run;
    const cli_option opts[] = {
        CLI_OPT_DATA(ro),
        CLI_OPT_TEXT("config", 0, &a->config),
        CLI_OPT_TEXT("forms", 0, &a->forms),
        CLI_OPT_CALL("packet", take_packet, a),
        CLI_OPT_PRINTER(ro),
        CLI_OPT_FLAG("no-print", 0, &a->no_print),
        CLI_OPT_TEXT("listen", 0, &a->listen),
        CLI_OPT_TEXT("token-file", 0, &a->token_file),
        CLI_OPT_TEXT("fhir-token-file", 0, &a->fhir_token_file),
        CLI_OPT_TEXT("poll", 0, &a->poll),
        CLI_OPT_CALL("allow-host", take_allow_host, a),
        CLI_OPT_TEXT("tls-cert", 0, &a->tls_cert),
        CLI_OPT_TEXT("tls-key", 0, &a->tls_key),
        CLI_OPTS_RUN(ro),
        CLI_OPT_TEXT("new-token", 0, &a->new_token),
        CLI_OPT_FORCE(ro),
        CLI_OPT_JOBS(ro, 64),
        CLI_OPT_END,
    };
    int rc = cli_parse_options(&serve_cmd, opts, argc, argv);
    if (rc)
        return rc;
    if (optind < argc)
        return cli_fail(EX_USAGE, "unexpected argument '%s' (see medpacket serve --help)",
                        argv[optind]);
    if (ro->force && !a->new_token)
        return cli_fail(EX_USAGE, "--force goes with --new-token FILE");
    if (a->new_token && serving_options(a))
        return cli_fail(EX_USAGE, "--new-token FILE only writes a token (then serve with "
                                  "--token-file FILE)");
    if (a->new_token)
        return 0;
    static const char *const not_in_file[] = {"config", "new-token", "force", NULL};
    if (a->config && (rc = cli_read_settings(opts, a->config, not_in_file, &a->config_text)))
        return rc;
    if (!ro->data && a->config)
        return cli_fail(EX_USAGE, "serve needs the day's list: data = FILE in %s (or --data FILE)",
                        a->config);
    if (!ro->data)
        return cli_fail(EX_USAGE, "serve needs --data TODAY.csv (the day's list)");
    if (a->forms && a->npackets)
        return cli_fail(EX_USAGE, "--forms and --packet do not go together");
    bool remote = http_is_url(ro->data);
    if ((a->fhir_token_file || a->poll) && !remote)
        return cli_fail(EX_USAGE, "--%s goes with a FHIR server's URL as --data (https://...)",
                        a->fhir_token_file ? "fhir-token-file" : "poll");
    char *end;
    long poll = a->poll ? strtol(a->poll, &end, 10) : 60;
    if (a->poll && (*end || end == a->poll || poll < 5 || poll > 86400))
        return cli_fail(EX_USAGE, "--poll takes a number of seconds from 5 to 86400");
    if ((rc = cli_check_run_opts(&serve_cmd, ro)))
        return rc;
    if (!a->tls_cert != !a->tls_key)
        return cli_fail(EX_USAGE, "--tls-cert and --tls-key go together");
    if (ro->printer && a->no_print)
        return cli_fail(EX_USAGE, "--printer and --no-print do not go together");
    return 0;
}

static int by_name(const struct dirent **x, const struct dirent **y)
{
    return strcmp((*x)->d_name, (*y)->d_name);
}

/* Each DIR/NAME/packet.yaml, in name order. */
static int find_packets(const char *dir, arena *a, const char **out, size_t *n, mp_err *err)
{
    struct dirent **ents;
    int count = scandir(dir, &ents, NULL, by_name);
    if (count < 0)
        return err_set(err, EX_NOINPUT, dir, 0, 0, "cannot read the forms folder: %s",
                       strerror(errno));
    int rc = 0;
    for (int i = 0; i < count; i++) {
        const char *name = ents[i]->d_name;
        if (!rc && name[0] != '.') {
            char *path = arena_printf(a, "%s/%s/packet.yaml", dir, name);
            struct stat st;
            if (!path)
                rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (*n == MAX_PACKETS)
                    rc = err_set(err, EX_USAGE, dir, 0, 0, "more than %d packets", MAX_PACKETS);
                else
                    out[(*n)++] = path;
            }
        }
        free(ents[i]);
    }
    free(ents);
    if (!rc && *n == 0)
        rc = err_set(err, EX_NOINPUT, dir, 0, 0,
                     "no packet here (expected FOLDER/packet.yaml for each packet)");
    return rc;
}

/* The token from --token-file: a secret of its own file (secret.h), in
 * characters a URL and a cookie carry as they are. */
static int read_token(const char *path, arena *a, const char **out, mp_err *err)
{
    int rc = secret_read(path, "token", "medpacket serve --new-token FILE", a, out, NULL, err);
    const char *bad = rc ? NULL : web_token_weakness(*out);
    return bad ? err_set(err, EX_CONFIG, path, 0, 0, "%s", bad) : rc;
}

/* A PEM file, whole and NUL-terminated, for libmicrohttpd (at most 64 KiB:
 * a certificate chain, not a bundle). */
static int read_pem(const char *path, arena *a, const char **out, mp_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot open it: %s", strerror(errno));
    size_t cap = 64 * 1024;
    char *buf = arena_alloc(a, cap + 1);
    size_t n = buf ? fread(buf, 1, cap + 1, f) : 0;
    bool bad = ferror(f);
    fclose(f);
    if (!buf)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (bad || n > cap)
        return err_set(err, EX_DATAERR, path, 0, 0, bad ? "cannot read it" : "larger than 64 KiB");
    buf[n] = '\0';
    if (!strstr(buf, "-----BEGIN "))
        return err_set(err, EX_DATAERR, path, 0, 0, "not a PEM file (-----BEGIN ...)");
    *out = buf;
    return 0;
}

static const char *base_name(const char *path)
{
    if (!path)
        return "";
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Where and how the server listens, as the options say. */
typedef struct listener {
    char host[64];
    unsigned port;
    const char *token;      /* --token-file's secret, or NULL */
    const char *cert, *key; /* --tls-cert's and --tls-key's PEM, or NULL */
} listener;

/* Owns --listen, --token-file, --tls-cert/--tls-key and --allow-host: read
 * and checked together, since what a listener needs depends on where it
 * listens. */
static int open_listener(const serve_args *args, arena *a, listener *l, mp_err *err)
{
    const char *listen = args->listen ? args->listen : DEFAULT_LISTEN;
    if (!web_parse_listen(listen, l->host, sizeof l->host, &l->port))
        return err_set(err, EX_USAGE, NULL, 0, 0,
                       "--listen takes ADDR:PORT (127.0.0.1:8470, [::1]:8470)");
    int rc;
    if (args->token_file && (rc = read_token(args->token_file, a, &l->token, err)))
        return rc;
    /* Anyone on the network could read the day's list: not without a secret. */
    if (!web_is_loopback(l->host) && !l->token)
        return err_set(err, EX_USAGE, NULL, 0, 0,
                       "listening on %s needs --token-file: anyone who can reach it could read "
                       "today's list and print",
                       l->host);
    if (args->tls_cert && ((rc = read_pem(args->tls_cert, a, &l->cert, err)) ||
                           (rc = read_pem(args->tls_key, a, &l->key, err))))
        return rc;
    if (!web_is_loopback(l->host) && !l->cert)
        fprintf(stderr,
                "%sserve: warning: without --tls-cert/--tls-key the token and today's list "
                "cross the network unencrypted\n",
                cli_log_prefix(LOG_WARNING));
    if (web_is_wildcard(l->host) && !args->nallow_hosts)
        return err_set(err, EX_USAGE, NULL, 0, 0,
                       "on %s, name the address the desks open with --allow-host NAME", l->host);
    return 0;
}

/* Owns the packets offered: --packet's, or each of --forms' folders, each
 * prepared once (runs[], *nruns of them, released by the caller even when
 * one failed half-way) and named by its id and title, no id twice. */
static int prepare_packets(const serve_args *args, arena *a, prepared_run *runs, size_t *nruns,
                           serve_packet **out, size_t *nout, mp_err *err)
{
    const char *paths[MAX_PACKETS];
    size_t npaths = 0;
    int rc;
    if (args->npackets) {
        memcpy(paths, args->packets, args->npackets * sizeof paths[0]);
        npaths = args->npackets;
    } else if ((rc = find_packets(args->forms ? args->forms : "forms", a, paths, &npaths, err))) {
        return rc;
    }
    serve_packet *sps = arena_array(a, npaths, sizeof *sps);
    if (!sps)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    for (size_t i = 0; i < npaths; i++) {
        prepare_opts setup = args->run.prep;
        setup.input = paths[i];
        rc = prepare_run(&setup, a, &runs[i], err);
        ++*nruns;
        if (rc)
            return rc;
        const packet *pk = &runs[i].pk;
        const form *f0 = pk->entries[0].form;
        const mp_text *id = pk->id.s ? &pk->id : &f0->id;
        const mp_text *title = pk->title.s ? &pk->title : &f0->title;
        sps[i] = (serve_packet){.id = arena_strndup(a, id->s, id->len),
                                .title = arena_strndup(a, title->s, title->len),
                                .variants = runs[i].variants,
                                .nvariants = runs[i].nvariants,
                                .env = &runs[i].env};
        for (size_t k = 0; k < i; k++)
            if (sps[i].id && sps[k].id && strcmp(sps[i].id, sps[k].id) == 0)
                return err_set(err, EX_DATAERR, paths[i], 0, 0,
                               "packet id %s is offered twice (also %s)", sps[i].id, paths[k]);
        if (!sps[i].id || !sps[i].title)
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    *out = sps;
    *nout = npaths;
    return 0;
}

/* Owns the server's life: started, its address said, and stopped on Ctrl-C,
 * SIGTERM or SIGHUP. */
static int serve_until_stopped(const serve_args *args, const listener *l, const serve_config *cfg,
                               mp_err *err)
{
    /* Ctrl-C and SIGTERM end the wait below; blocked here, before the
     * server's threads start, so that they inherit the mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    server *srv;
    int rc = serve_start(cfg, &srv, err);
    if (rc)
        return rc;
    const char *host = l->host;
    const char *shown =
        strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0 ? args->allow_hosts[0] : host;
    const char *scheme = l->cert ? "https" : "http";
    /* Status lines go to standard error, with the log: under a service
     * manager standard output may be a pipe that no one reads, and a full
     * pipe would block the server. */
    const char *notice = cli_log_prefix(LOG_NOTICE);
    fprintf(stderr, "%smedpacket: serving on %s://%s%s%s:%u/\n", notice, scheme,
            strchr(shown, ':') ? "[" : "", shown, strchr(shown, ':') ? "]" : "", serve_port(srv));
    if (l->token)
        fprintf(stderr, "%smedpacket: open it once as %s://%s:%u/?token=<the secret in %s>\n",
                notice, scheme, shown, serve_port(srv), args->token_file);
    int sig;
    sigwait(&stop, &sig);
    /* A print being sent to CUPS is finished and answered: the desk is told
     * its job number rather than left wondering whether it printed. */
    fprintf(stderr, "%sserve: stopping (%s): finishing the requests being answered\n", notice,
            sig == SIGINT ? "interrupt" : "terminated");
    unsigned left = serve_shutdown(srv, STOP_GRACE_S);
    if (left)
        fprintf(stderr, "%sserve: stopped with %u request%s unanswered after %d s\n",
                cli_log_prefix(LOG_WARNING), left, left == 1 ? "" : "s", STOP_GRACE_S);
    else
        fprintf(stderr, "%sserve: stopped\n", notice);
    return 0;
}

/* Prepares the packets into runs[] (*nruns of them, to release) and serves
 * them until stopped. */
static int serve_packets(const serve_args *args, arena *a, prepared_run *runs, size_t *nruns,
                         mp_err *err)
{
    listener l = {0};
    serve_packet *sps = NULL;
    size_t npackets = 0;
    int rc = open_listener(args, a, &l, err);
    if (!rc)
        rc = prepare_packets(args, a, runs, nruns, &sps, &npackets, err);
    schedule *sched;
    const char *bearer = NULL;
    if (!rc && args->fhir_token_file)
        rc = secret_read_given(args->fhir_token_file, "FHIR server token", a, &bearer, err);
    schedule_opts so = {.order = runs[0].date_order,
                        .timezone = runs[0].cl.timezone,
                        .mrn_system = runs[0].cl.fhir_mrn_system,
                        .bearer = bearer,
                        .poll_s = args->poll ? (int)strtol(args->poll, NULL, 10) : 60};
    if (rc || (rc = schedule_open(args->run.data, &so, &sched, err)))
        return rc;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned jobs = (unsigned)(args->run.jobs ? args->run.jobs : (ncpu > 0 ? ncpu : 1));
    const clinic *cl = &runs[0].cl;
    serve_config cfg = {
        .host = l.host,
        .port = l.port,
        .allow_hosts = args->allow_hosts,
        .nallow_hosts = args->nallow_hosts,
        .token = l.token,
        .tls_cert = l.cert,
        .tls_key = l.key,
        .printer = args->run.printer,
        .can_print = !args->no_print,
        .sched = sched,
        .source_name =
            http_is_url(args->run.data) ? schedule_source(sched) : base_name(args->run.data),
        .packets = sps,
        .npackets = npackets,
        .clinic_name = cl->name.s ? arena_strndup(a, cl->name.s, cl->name.len) : "",
        /* Threads beyond the render slots answer the list and the static
         * files while renders run. */
        .threads = jobs + 2,
        .max_renders = jobs,
        .log = stderr,
        .log_priority = journal_stderr(),
    };
    rc = serve_until_stopped(args, &l, &cfg, err);
    schedule_close(sched);
    return rc;
}

/* --new-token FILE: a new token, and nothing else. */
static int write_token(const char *path, bool force, mp_err *err)
{
    int rc = secret_create(path, force, err);
    if (!rc)
        printf("medpacket: wrote a new token to %s (mode 0600); start with --token-file %s\n", path,
               path);
    return rc;
}

/* Writes a token, or serves, as the parsed args (ctx) say. */
static int run(void *ctx, arena *a, mp_err *err)
{
    const serve_args *args = ctx;
    if (args->new_token)
        return write_token(args->new_token, args->run.force, err);
    prepared_run *runs = calloc(MAX_PACKETS, sizeof *runs);
    size_t nruns = 0;
    if (!runs)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    int rc = serve_packets(args, a, runs, &nruns, err);
    for (size_t i = 0; i < nruns; i++)
        prepare_release(&runs[i]);
    free(runs);
    return rc;
}

int cmd_serve(int argc, char **argv)
{
    serve_args args = {0};
    int rc = cli_run(parse_args(argc, argv, &args), run, &args);
    free(args.config_text);
    return rc;
}
