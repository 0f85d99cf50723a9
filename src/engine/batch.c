/*
 * batch.c — see batch.h.
 *
 * Slots: the reorder window is an array of W = 4 x jobs slots; row number k
 * (in reading order) uses slot k % W. The reading thread fills a slot and
 * either finishes it at once (a bad row, a skipped row) or queues it for a
 * worker; it never reuses a slot before that slot's result has been emitted,
 * so at most W rows (each an arena and one PDF) are in memory at once.
 */
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "outname.h"
#include "sha256.h"

typedef struct slot {
    long seq;
    const packet *packet; /* the variant in the row's language */
    arena *a;
    roster_row row;
    bool queued, done;
    bool replace;       /* something is at path, and may be replaced */
    char *path;         /* malloc'd output path, or NULL */
    unsigned char *pdf; /* malloc'd (rendered, or a kept file read back); freed after emitting */
    size_t len;
    batch_result res;
} slot;

typedef struct pool {
    const batch_opts *o;
    slot *slots;
    size_t nslots;
    /* FIFO of slot indices waiting for a worker */
    size_t *queue;
    size_t qhead, qlen;
    bool closing;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
} pool;

/* ---- names already taken in this run ---------------------------------- */

typedef struct name_set {
    char **v;
    size_t cap, n;
} name_set;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static bool set_has(const name_set *s, const char *name)
{
    if (!s->cap)
        return false;
    for (size_t i = hash_str(name) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->v[i])
            return false;
        if (strcmp(s->v[i], name) == 0)
            return true;
    }
}

static int set_add(name_set *s, const char *name)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1024;
        char **nv = calloc(ncap, sizeof *nv);
        if (!nv)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->v[i])
                continue;
            size_t j = hash_str(s->v[i]) & (ncap - 1);
            while (nv[j])
                j = (j + 1) & (ncap - 1);
            nv[j] = s->v[i];
        }
        free(s->v);
        s->v = nv;
        s->cap = ncap;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    size_t i = hash_str(name) & (s->cap - 1);
    while (s->v[i])
        i = (i + 1) & (s->cap - 1);
    s->v[i] = copy;
    s->n++;
    return 0;
}

static void set_free(name_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->v[i]);
    free(s->v);
}

/* ---- the worker --------------------------------------------------------- */

static void render_slot(const batch_opts *o, slot *s)
{
    batch_result *r = &s->res;
    render_info info = {0};
    int rc =
        render_packet(s->packet, o->env, &s->row.patient, s->a, &s->pdf, &s->len, &info, &r->err);
    if (rc) {
        r->status = BATCH_FAILED;
        if (r->err.row == 0 && r->err.file[0] == '\0') {
            r->err.row = s->row.row;
            memcpy(r->err.where, s->row.where, sizeof r->err.where);
        }
        return;
    }
    r->status = BATCH_OK;
    r->pages = info.pages;
    r->fonts = info.fonts;
    r->nfonts = info.nfonts;
    r->bytes = s->len;
    sha256_hex(s->pdf, s->len, r->sha256);
}

static void *worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->qlen && !p->closing)
            pthread_cond_wait(&p->work, &p->mu);
        if (!p->qlen)
            break;
        slot *s = &p->slots[p->queue[p->qhead]];
        p->qhead = (p->qhead + 1) % p->nslots;
        p->qlen--;
        pthread_mutex_unlock(&p->mu);
        render_slot(p->o, s);
        pthread_mutex_lock(&p->mu);
        s->done = true;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- the reading thread ------------------------------------------------- */

/* A kept file larger than this is no row of ours: rendered again rather
 * than read whole into memory. */
#define MAX_KEPT_BYTES (64L << 20)

/* A PDF that ends with %%EOF was written completely: files are renamed into
 * place only when whole, but without fsync a power cut can leave one empty. */
static bool ends_whole(const unsigned char *tail, size_t n)
{
    for (size_t i = 0; i + 5 <= n; i++)
        if (memcmp(tail + i, "%%EOF", 5) == 0)
            return true;
    return false;
}

/* Reads all of fd (size bytes) into a malloc'd buffer. Returns 0 or an errno. */
static int read_whole(int fd, size_t size, unsigned char **out)
{
    unsigned char *p = malloc(size ? size : 1);
    if (!p)
        return ENOMEM;
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, p + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : 0;
            free(p);
            return e ? e : EIO; /* EIO: cut short while being read */
        }
        got += (size_t)n;
    }
    *out = p;
    return 0;
}

/* Whether the file at s->path is one this resumed run keeps (*keep): a
 * regular file (a symlink is never one of ours, and nothing that could block
 * is opened), whole. With a merge it is read into s->pdf, to be appended in
 * its row's place (and with read_kept, for before_write), and must be a PDF the
 * merge takes (with a merge), made for duplex when the
 * run is (else a patient's page would print on the back of another's: an
 * even page count is not enough, since each form must be) and not otherwise.
 * A file that is not kept is rendered again. Fails (a sysexits code) only
 * when a file being read back cannot be read. */
/* Whether pdf was rendered with --duplex: its keywords (the Info
 * dictionary, written as a plain string) end with the mark render.c puts. */
static bool made_duplex(const unsigned char *pdf, size_t size)
{
    static const char mark[] = ", " RENDER_DUPLEX_KEYWORD ")";
    size_t n = sizeof mark - 1;
    for (const unsigned char *p = pdf; size >= n && p <= pdf + size - n; p++) {
        p = memchr(p, ',', (size_t)(pdf + size - n - p) + 1);
        if (!p)
            return false;
        if (memcmp(p, mark, n) == 0)
            return true;
    }
    return false;
}

static int keep_existing(const batch_opts *o, slot *s, bool *keep, mp_err *err)
{
    *keep = false;
    int fd = open(s->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* a symlink (ELOOP), gone, or unreadable: rendered again */
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 8 ||
        st.st_size > MAX_KEPT_BYTES) {
        close(fd);
        return 0;
    }
    size_t size = (size_t)st.st_size;
    if (!o->merge && !o->read_kept) {
        unsigned char tail[32];
        size_t n = size < sizeof tail ? size : sizeof tail;
        *keep = pread(fd, tail, n, (off_t)(size - n)) == (ssize_t)n && ends_whole(tail, n);
        close(fd);
        return 0;
    }
    unsigned char *pdf = NULL;
    int e = read_whole(fd, size, &pdf);
    close(fd);
    if (e == ENOMEM)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (e)
        return err_set(err, EX_IOERR, s->path, 0, 0, "cannot read it back to %s: %s",
                       o->merge ? "add it to the merged PDF" : "file its record", strerror(e));
    long pages = 0;
    if (ends_whole(pdf + size - (size < 32 ? size : 32), size < 32 ? size : 32) &&
        (!o->merge ||
         (pdfmerge_check(pdf, size, &pages, NULL) == 0 && made_duplex(pdf, size) == o->duplex))) {
        s->pdf = pdf;
        s->len = size;
        *keep = true;
    } else {
        free(pdf);
    }
    return 0;
}

static void fail_row(slot *s, int code, const char *fmt, const char *detail)
{
    err_clear(&s->res.err);
    err_set(&s->res.err, code, NULL, 0, 0, fmt, detail);
    s->res.err.row = s->row.row;
    memcpy(s->res.err.where, s->row.where, sizeof s->res.err.where);
    s->res.status = BATCH_FAILED;
    s->done = true;
}

/* The file name of a good row, taken in names: the pattern's, or with "-2",
 * "-3"... when an earlier row has it (two rows never overwrite each other).
 * *problem says why the row has none. -1 when out of memory. */
static int name_row(const batch_opts *o, const roster_row *row, name_set *names,
                    char name[OUTNAME_MAX + 1], char *why, size_t why_size, const char **problem)
{
    *problem = outname_make(o->name_pattern, &row->patient, row->row, name, why, why_size);
    if (*problem)
        return 0;
    if (set_has(names, name)) {
        char base[OUTNAME_MAX + 1];
        memcpy(base, name, sizeof base);
        for (unsigned k = 2; set_has(names, name); k++) {
            memcpy(name, base, sizeof base);
            outname_suffix(name, k);
        }
    }
    return set_add(names, name) ? -1 : 0;
}

/* A row of another shard: only its name is taken, as an unsharded run
 * would take it, so that the names of the rows after it agree. */
static int pass_row(const batch_opts *o, const roster_row *row, name_set *names, mp_err *err)
{
    if (row->problem || !o->out_dir)
        return 0;
    char name[OUTNAME_MAX + 1], why[200];
    const char *problem;
    if (name_row(o, row, names, name, why, sizeof why, &problem))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    return 0;
}

/* Decides what a freshly read row becomes: finished now, or queued. */
static int prepare(const batch_opts *o, slot *s, name_set *names, mp_err *err)
{
    batch_result *r = &s->res;
    r->row = s->row.row;
    memcpy(r->where, s->row.where, sizeof r->where);
    if (s->row.problem) {
        fail_row(s, EX_DATAERR, "%s", s->row.problem);
        return 0;
    }
    r->patient = &s->row.patient;
    s->packet = render_pick(o->variants, o->nvariants, &s->row.patient, NULL, &r->choice);
    r->printed = s->packet;
    r->language = s->packet->language;
    if (!o->out_dir)
        return 0;
    char name[OUTNAME_MAX + 1], why[200];
    const char *problem = NULL;
    if (name_row(o, &s->row, names, name, why, sizeof why, &problem))
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    if (problem) {
        fail_row(s, EX_DATAERR, "%s", problem);
        return 0;
    }
    size_t plen = strlen(o->out_dir) + strlen(name) + 2;
    s->path = malloc(plen);
    if (!s->path)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    snprintf(s->path, plen, "%s/%s", o->out_dir, name);
    r->path = s->path;
    struct stat st;
    if (lstat(s->path, &st) != 0)
        return 0; /* a new file (else outfile says why it cannot be made) */
    if (!o->force && !o->skip_existing) {
        fail_row(s, EX_CANTCREAT,
                 "%s exists (--skip-existing resumes a run, --force replaces files)", name);
        return 0;
    }
    if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        fail_row(s, EX_CANTCREAT, "%s is not a regular file, so it is not replaced", name);
        return 0;
    }
    if (o->skip_existing) {
        bool keep;
        int rc = keep_existing(o, s, &keep, err);
        if (rc)
            return rc;
        if (keep) {
            r->status = BATCH_SKIPPED;
            s->done = true;
            return 0;
        }
    }
    /* --force, or a resumed run finding a file that is not whole: rendered
     * again and replaced, unless the file is one the run reads. A symlink is
     * replaced itself, so what it points to is not at stake. */
    const char *input = S_ISREG(st.st_mode) ? outfile_inputs_find(o->inputs, &st) : NULL;
    if (input) {
        snprintf(why, sizeof why, "%s is %s, an input of this run, so it is not replaced", name,
                 input);
        fail_row(s, EX_USAGE, "%s", why);
        return 0;
    }
    s->replace = true;
    return 0;
}

static void reset_slot(slot *s)
{
    free(s->path);
    free(s->pdf);
    arena_free(s->a);
    memset(s, 0, sizeof *s);
}

/* Starts a rendered row's file: its bytes are written under a temporary
 * name, and the rename that puts it in place (outfile_commit) comes once
 * its record is filed. A name the program chose: nothing at it is written
 * through, and only what prepare() found replaceable is replaced
 * (no_replace keeps a file that appeared since). */
static int write_row(const slot *s, outfile **out, mp_err *err)
{
    outfile_opts fo = {.mode = OUTFILE_DEFAULT_MODE,
                       .chosen_name = true,
                       .no_replace = !s->replace,
                       .nosync = true};
    int rc = outfile_open_opts(s->path, &fo, out, err);
    if (!rc && (rc = outfile_put(*out, s->pdf, s->len, err))) {
        outfile_abort(*out);
        *out = NULL;
    }
    return rc;
}

/* Ends the run at r, whose error is the run's, said once. */
static int stop_at(batch_result *r, batch_summary *sum, mp_err *err)
{
    r->status = BATCH_FAILED;
    r->fatal = true;
    sum->stopped = true;
    *err = r->err;
    snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg), "%s",
             "; the batch stopped there (resume with --skip-existing)");
    return err->code ? err->code : EX_SOFTWARE;
}

/* The caller's before_write for a row whose PDF is at hand: 0 to go on;
 * else the row has failed, and *rc is the run's error when the hook said
 * the run ends. */
static int file_record(const batch_opts *o, batch_result *r, batch_summary *sum, mp_err *err,
                       int *rc)
{
    if (!o->before_write || !r->pdf || !o->before_write(o->ctx, r))
        return 0;
    /* Its record was not filed: neither is its PDF kept, nor merged. */
    r->status = BATCH_FAILED;
    if (r->fatal)
        *rc = stop_at(r, sum, err);
    return -1;
}

/* Hands a finished slot to the merge and the caller, in row order. */
static int emit(const batch_opts *o, slot *s, batch_summary *sum, long *written, mp_err *err)
{
    batch_result *r = &s->res;
    sum->rows++;
    r->pdf = s->pdf;
    r->pdf_len = s->len;
    int rc = 0;
    outfile *out = NULL;
    switch (r->status) {
    case BATCH_OK:
        /* Files are written here, by one thread in row order, not by the
         * workers: creating and renaming files in one folder from several
         * threads contends on the folder's lock in the kernel (seen as
         * system time spinning), which cost a third of --jobs 2's gain.
         * A full disk or a read-only folder fails every row after this one
         * the same way: the run ends here, and says so once. */
        if (s->path && write_row(s, &out, &r->err)) {
            rc = stop_at(r, sum, err);
            sum->failed++;
            break;
        }
        if (file_record(o, r, sum, err, &rc)) {
            outfile_abort(out);
            sum->failed++;
            break;
        }
        if (out && outfile_commit(out, &r->err)) {
            rc = stop_at(r, sum, err);
            sum->failed++;
            break;
        }
        sum->ok++;
        sum->pages += r->pages;
        if (o->merge && (rc = pdfmerge_add_row(o->merge, s->pdf, s->len, r->row, err)))
            break;
        if (o->test_signal_after && ++*written == o->test_signal_after)
            raise(o->test_signal);
        break;
    case BATCH_SKIPPED:
        if (file_record(o, r, sum, err, &rc)) {
            sum->failed++;
            break;
        }
        sum->skipped++;
        /* A resumed merge holds every row: the kept file, read back. */
        if (o->merge)
            rc = pdfmerge_add_row(o->merge, s->pdf, s->len, r->row, err);
        break;
    case BATCH_FAILED:
        sum->failed++;
        break;
    }
    if ((!rc || r->fatal) && o->on_row)
        o->on_row(o->ctx, r);
    if (!rc && o->on_tick)
        o->on_tick(o->ctx);
    reset_slot(s);
    return rc;
}

int batch_run(const batch_opts *o, batch_summary *sum, mp_err *err)
{
    memset(sum, 0, sizeof *sum);
    pool p = {.o = o};
    p.nslots = (size_t)o->jobs * 4;
    p.slots = calloc(p.nslots, sizeof *p.slots);
    p.queue = calloc(p.nslots, sizeof *p.queue);
    if (!p.slots || !p.queue) {
        free(p.slots);
        free(p.queue);
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.work, NULL);
    pthread_cond_init(&p.done, NULL);
    pthread_t *threads = calloc((size_t)o->jobs, sizeof *threads);
    int started = 0, rc = 0;
    if (!threads)
        rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    for (int i = 0; !rc && i < o->jobs; i++) {
        if (pthread_create(&threads[i], NULL, worker, &p))
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "cannot start a worker thread");
        else
            started++;
    }

    name_set names = {0};
    for (size_t i = 0; !rc && i < o->nreserved; i++)
        if (set_add(&names, o->reserved[i]))
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    long seq = 0, next = 0, written = 0, read = 0;
    bool eof = false, bad_row_read = false;
    while (!rc) {
        /* Emit what is finished, in order; wait when the window is full or
         * when everything has been read. */
        pthread_mutex_lock(&p.mu);
        for (;;) {
            bool full = seq - next == (long)p.nslots;
            bool drain = (eof || (o->stop && *o->stop)) && next < seq;
            /* nslots = 4 x jobs, and jobs >= 1 (batch.h). */
            /* NOLINTNEXTLINE(clang-analyzer-core.DivideZero) */
            slot *s = &p.slots[next % (long)p.nslots];
            if (next < seq && s->done) {
                pthread_mutex_unlock(&p.mu);
                rc = emit(o, s, sum, &written, err);
                pthread_mutex_lock(&p.mu);
                next++;
                if (rc)
                    break;
                continue;
            }
            if (full || drain)
                pthread_cond_wait(&p.done, &p.mu);
            else
                break;
        }
        pthread_mutex_unlock(&p.mu);
        /* --fail-fast: a row found bad while reading stops the reading at
         * once; a row that fails in a worker stops it when its result comes
         * back (rows already being rendered then are finished). */
        bool stop = (o->stop && *o->stop) || (o->fail_fast && (sum->failed || bad_row_read));
        if (rc || eof || stop) {
            if (stop && !eof)
                sum->stopped = true;
            if (next == seq || rc)
                break;
            continue;
        }
        slot *s = &p.slots[seq % (long)p.nslots];
        s->a = arena_new();
        if (!s->a) {
            rc = err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            break;
        }
        s->seq = seq;
        int got = roster_next(o->roster, s->a, &s->row, err);
        if (got == 0) {
            arena_free(s->a);
            s->a = NULL;
            eof = true;
            continue;
        }
        if (got != 1) {
            arena_free(s->a);
            s->a = NULL;
            rc = got;
            break;
        }
        long index = read++;
        if (o->shards > 1 && index % o->shards != o->shard) {
            rc = pass_row(o, &s->row, &names, err);
            arena_free(s->a);
            s->a = NULL;
            continue;
        }
        if ((rc = prepare(o, s, &names, err)))
            break;
        seq++;
        bad_row_read = bad_row_read || (s->done && s->res.status == BATCH_FAILED);
        if (!s->done) {
            pthread_mutex_lock(&p.mu);
            p.queue[(p.qhead + p.qlen) % p.nslots] = (size_t)(s - p.slots);
            p.qlen++;
            pthread_cond_signal(&p.work);
            pthread_mutex_unlock(&p.mu);
        }
    }

    pthread_mutex_lock(&p.mu);
    p.closing = true;
    pthread_cond_broadcast(&p.work);
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    for (size_t i = 0; i < p.nslots; i++)
        reset_slot(&p.slots[i]);
    set_free(&names);
    if (!rc && o->out_dir && sum->ok)
        rc = outfile_sync_fs(o->out_dir, err);
    free(threads);
    free(p.slots);
    free(p.queue);
    pthread_cond_destroy(&p.work);
    pthread_cond_destroy(&p.done);
    pthread_mutex_destroy(&p.mu);
    return rc;
}
