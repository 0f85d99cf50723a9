/*
 * cmd_serve.c — `medpacket serve`: the front desk's local web page.
 *
 * Loads the offered packets once (as render does for one), opens the day's
 * list, starts the server (serve.h) and waits for Ctrl-C or SIGTERM.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "schedule.h"
#include "secret.h"
#include "serve.h"
#include "webguard.h"

#define MAX_PACKETS 32
#define MAX_ALLOW_HOSTS 16
#define DEFAULT_LISTEN "127.0.0.1:8470"

static void serve_usage(FILE *out)
{
    fputs("usage: medpacket serve --data TODAY.csv [--forms DIR] [--printer NAME] [OPTIONS]\n"
          "       medpacket serve --new-token FILE [--force]\n"
          "\n"
          "Starts the front desk's page on this computer: today's patients from the\n"
          "list (read again when the file changes), a search by name or record\n"
          "number, Preview and Print for each packet, and a form for walk-ins.\n"
          "Prints the address to open (on standard error), and serves until Ctrl-C.\n"
          "\n"
          "Options:\n"
          "  -d, --data FILE        the day's list: CSV export, or a YAML list\n"
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
          "  -j, --jobs N           renders at once (default: the number of cores)\n"
          "  -h, --help             show this help\n"
          "\n"
          "Standard error has the address and the log, one line per request: method,\n"
          "route, status, row number, time and, for a failed print, CUPS's reason;\n"
          "never a patient's name, date of birth or record number. Nothing goes to\n"
          "standard output.\n",
          out);
}

typedef struct serve_args {
    const char *data, *forms, *printer, *listen, *token_file, *clinic, *page_size, *font_dir;
    const char *date_order; /* --date-order: how the list writes dates with slashes */
    const char *tls_cert, *tls_key;
    const char *new_token; /* --new-token FILE: write one, and do nothing else */
    bool force;
    int nserve_opts; /* options that only serving takes */
    const char *packets[MAX_PACKETS];
    size_t npackets;
    const char *allow_hosts[MAX_ALLOW_HOSTS];
    size_t nallow_hosts;
    bool no_print, allow_draft;
    long jobs;
} serve_args;

static int parse_args(int argc, char **argv, serve_args *a)
{
    enum {
        OPT_FORMS = 256,
        OPT_PACKET,
        OPT_PRINTER,
        OPT_NO_PRINT,
        OPT_LISTEN,
        OPT_TOKEN,
        OPT_ALLOW_HOST,
        OPT_CLINIC,
        OPT_PAGE_SIZE,
        OPT_DATE_ORDER,
        OPT_FONT_DIR,
        OPT_ALLOW_DRAFT,
        OPT_TLS_CERT,
        OPT_TLS_KEY,
        OPT_NEW_TOKEN,
        OPT_FORCE
    };
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"forms", required_argument, NULL, OPT_FORMS},
        {"packet", required_argument, NULL, OPT_PACKET},
        {"printer", required_argument, NULL, OPT_PRINTER},
        {"no-print", no_argument, NULL, OPT_NO_PRINT},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"token-file", required_argument, NULL, OPT_TOKEN},
        {"allow-host", required_argument, NULL, OPT_ALLOW_HOST},
        {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
        {"tls-key", required_argument, NULL, OPT_TLS_KEY},
        {"clinic", required_argument, NULL, OPT_CLINIC},
        {"page-size", required_argument, NULL, OPT_PAGE_SIZE},
        {"date-order", required_argument, NULL, OPT_DATE_ORDER},
        {"font-dir", required_argument, NULL, OPT_FONT_DIR},
        {"allow-draft", no_argument, NULL, OPT_ALLOW_DRAFT},
        {"new-token", required_argument, NULL, OPT_NEW_TOKEN},
        {"force", no_argument, NULL, OPT_FORCE},
        {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "d:j:h", opts, NULL)) != -1) {
        if (c != OPT_NEW_TOKEN && c != OPT_FORCE && c != 'h' && c != '?')
            a->nserve_opts++;
        switch (c) {
        case OPT_NEW_TOKEN:
            a->new_token = optarg;
            break;
        case OPT_FORCE:
            a->force = true;
            break;
        case 'd':
            a->data = optarg;
            break;
        case OPT_FORMS:
            a->forms = optarg;
            break;
        case OPT_PACKET:
            if (a->npackets == MAX_PACKETS)
                return cli_fail(EX_USAGE, "at most %d --packet options", MAX_PACKETS);
            a->packets[a->npackets++] = optarg;
            break;
        case OPT_PRINTER:
            a->printer = optarg;
            break;
        case OPT_NO_PRINT:
            a->no_print = true;
            break;
        case OPT_LISTEN:
            a->listen = optarg;
            break;
        case OPT_TOKEN:
            a->token_file = optarg;
            break;
        case OPT_ALLOW_HOST:
            if (a->nallow_hosts == MAX_ALLOW_HOSTS)
                return cli_fail(EX_USAGE, "at most %d --allow-host options", MAX_ALLOW_HOSTS);
            a->allow_hosts[a->nallow_hosts++] = optarg;
            break;
        case OPT_TLS_CERT:
            a->tls_cert = optarg;
            break;
        case OPT_TLS_KEY:
            a->tls_key = optarg;
            break;
        case OPT_CLINIC:
            a->clinic = optarg;
            break;
        case OPT_DATE_ORDER:
            a->date_order = optarg;
            break;
        case OPT_PAGE_SIZE:
            a->page_size = optarg;
            break;
        case OPT_FONT_DIR:
            a->font_dir = optarg;
            break;
        case OPT_ALLOW_DRAFT:
            a->allow_draft = true;
            break;
        case 'j': {
            char *end;
            a->jobs = strtol(optarg, &end, 10);
            if (*end || a->jobs < 1 || a->jobs > 64)
                return cli_fail(EX_USAGE, "--jobs takes a number from 1 to 64");
            break;
        }
        case 'h':
            serve_usage(stdout);
            return -1;
        default:
            return cli_unknown_option("serve", argv[optind - 1], opts);
        }
    }
    if (optind < argc)
        return cli_fail(EX_USAGE, "unexpected argument '%s' (see medpacket serve --help)",
                        argv[optind]);
    if (a->force && !a->new_token)
        return cli_fail(EX_USAGE, "--force goes with --new-token FILE");
    if (a->new_token && a->nserve_opts)
        return cli_fail(EX_USAGE, "--new-token FILE only writes a token (then serve with "
                                  "--token-file FILE)");
    if (a->new_token)
        return 0;
    if (!a->data)
        return cli_fail(EX_USAGE, "serve needs --data TODAY.csv (the day's list)");
    if (a->forms && a->npackets)
        return cli_fail(EX_USAGE, "--forms and --packet do not go together");
    page_size ps;
    if (a->page_size && !page_size_parse(a->page_size, &ps))
        return cli_fail(EX_USAGE, "--page-size takes letter or a4");
    date_order order;
    if (a->date_order && !date_order_parse(a->date_order, &order))
        return cli_fail(EX_USAGE, "--date-order takes mdy, dmy or iso");
    if (!a->tls_cert != !a->tls_key)
        return cli_fail(EX_USAGE, "--tls-cert and --tls-key go together");
    if (a->printer && a->no_print)
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

static int run(const serve_args *args, arena *a, prepared_run *runs, size_t *nruns, mp_err *err)
{
    char host[64];
    unsigned port;
    const char *listen = args->listen ? args->listen : DEFAULT_LISTEN;
    if (!web_parse_listen(listen, host, sizeof host, &port))
        return err_set(err, EX_USAGE, NULL, 0, 0,
                       "--listen takes ADDR:PORT (127.0.0.1:8470, [::1]:8470)");
    const char *token = NULL;
    int rc;
    if (args->token_file && (rc = read_token(args->token_file, a, &token, err)))
        return rc;
    /* Anyone on the network could read the day's list: not without a secret. */
    if (!web_is_loopback(host) && !token)
        return err_set(err, EX_USAGE, NULL, 0, 0,
                       "listening on %s needs --token-file: anyone who can reach it could read "
                       "today's list and print",
                       host);
    const char *cert = NULL, *key = NULL;
    if (args->tls_cert && ((rc = read_pem(args->tls_cert, a, &cert, err)) ||
                           (rc = read_pem(args->tls_key, a, &key, err))))
        return rc;
    if (!web_is_loopback(host) && !cert)
        fprintf(stderr, "serve: warning: without --tls-cert/--tls-key the token and today's list "
                        "cross the network unencrypted\n");
    if (web_is_wildcard(host) && !args->nallow_hosts)
        return err_set(err, EX_USAGE, NULL, 0, 0,
                       "on %s, name the address the desks open with --allow-host NAME", host);

    const char *paths[MAX_PACKETS];
    size_t npaths = 0;
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
        prepare_opts setup = {.input = paths[i],
                              .clinic = args->clinic,
                              .page_size = args->page_size,
                              .font_dir = args->font_dir,
                              .allow_draft = args->allow_draft,
                              .date_order = args->date_order};
        rc = prepare_run(&setup, a, &runs[i], err);
        ++*nruns; /* released by the caller even when prepare failed half-way */
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

    schedule *sched;
    if ((rc = schedule_open(args->data, runs[0].date_order, &sched, err)))
        return rc;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned jobs = (unsigned)(args->jobs ? args->jobs : (ncpu > 0 ? ncpu : 1));
    const clinic *cl = &runs[0].cl;
    serve_config cfg = {
        .host = host,
        .port = port,
        .allow_hosts = args->allow_hosts,
        .nallow_hosts = args->nallow_hosts,
        .token = token,
        .tls_cert = cert,
        .tls_key = key,
        .printer = args->printer,
        .can_print = !args->no_print,
        .sched = sched,
        .source_name = base_name(args->data),
        .packets = sps,
        .npackets = npaths,
        .clinic_name = cl->name.s ? arena_strndup(a, cl->name.s, cl->name.len) : "",
        /* Threads beyond the render slots answer the list and the static
         * files while renders run. */
        .threads = jobs + 2,
        .max_renders = jobs,
        .log = stderr,
    };
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
    if ((rc = serve_start(&cfg, &srv, err))) {
        schedule_close(sched);
        return rc;
    }
    const char *shown =
        strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0 ? args->allow_hosts[0] : host;
    const char *scheme = cert ? "https" : "http";
    /* Status lines go to standard error, with the log: under a service
     * manager standard output may be a pipe that no one reads, and a full
     * pipe would block the server. */
    fprintf(stderr, "medpacket: serving on %s://%s%s%s:%u/\n", scheme,
            strchr(shown, ':') ? "[" : "", shown, strchr(shown, ':') ? "]" : "", serve_port(srv));
    if (token)
        fprintf(stderr, "medpacket: open it once as %s://%s:%u/?token=<the secret in %s>\n", scheme,
                shown, serve_port(srv), args->token_file);
    int sig;
    sigwait(&stop, &sig);
    fprintf(stderr, "serve: stopping (%s)\n", sig == SIGINT ? "interrupt" : "terminated");
    serve_stop(srv);
    schedule_close(sched);
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    serve_args args = {0};
    int rc = parse_args(argc, argv, &args);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (args.new_token) {
        mp_err err;
        err_clear(&err);
        if ((rc = secret_create(args.new_token, args.force, &err))) {
            cli_report(&err);
            return rc;
        }
        printf("medpacket: wrote a new token to %s (mode 0600); start with --token-file %s\n",
               args.new_token, args.new_token);
        return 0;
    }
    arena *a = arena_new();
    prepared_run *runs = calloc(MAX_PACKETS, sizeof *runs);
    if (!a || !runs) {
        arena_free(a);
        free(runs);
        return cli_fail(EX_OSERR, "out of memory");
    }
    size_t nruns = 0;
    mp_err err;
    err_clear(&err);
    rc = run(&args, a, runs, &nruns, &err);
    if (rc)
        cli_report(&err);
    for (size_t i = 0; i < nruns; i++)
        prepare_release(&runs[i]);
    free(runs);
    arena_free(a);
    return rc;
}
