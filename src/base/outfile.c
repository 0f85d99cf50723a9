/*
 * outfile.c — whole-or-absent output files; see outfile.h for the contract.
 *
 * A consent packet that is half written looks like a complete PDF to a tired
 * reader of a file listing, and a crash mid-batch must not leave one behind.
 * So regular files are written under a temporary name next to the target and
 * renamed into place only after fsync; the directory is fsynced too so that
 * the rename itself survives a power cut.
 *
 * Stale temporary files. A process killed with SIGKILL (or by a power cut)
 * cannot remove its temporary file, and one beside a merged PDF holds a whole
 * day's patients. The next run removes them, but only those whose writer is
 * gone: two runs may share a folder, and a file being written must stay. The
 * writer holds an exclusive flock on its temporary file from creation to
 * rename; the kernel drops it when the process dies, however it dies, and
 * unlike a pid in the name it means the same across pid namespaces, after pid
 * reuse and on NFS (where flock is carried by fcntl locks, which do not
 * conflict within one process: so a process removes stale files before it
 * opens outputs of its own there). A remover takes the lock without waiting;
 * holding it, it checks that the name still leads to the inode it locked and
 * unlinks it. A writer that has created its file but not yet locked it could
 * lose it to a remover in that instant: after locking, it checks that its
 * file still has a name (st_nlink) and otherwise starts again with a new one.
 * A file system without flock (ENOLCK) leaves files unlocked, and a remover
 * that cannot lock keeps them.
 */
/* mkostemps (a suffix after the XXXXXX, and O_CLOEXEC at creation so that a
 * concurrent fork/exec cannot inherit the descriptor) and renameat2 are GNU
 * extensions. */
#define _GNU_SOURCE

#include "outfile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define TMP_SUFFIX ".part"
#define TMP_RANDOM 6      /* the XXXXXX */
#define CREATE_ATTEMPTS 8 /* a remover took the file before it was locked */
#define WAIT_STEP_MS 50   /* how often a wait looks at opts.stop */

typedef enum {
    OUT_STDOUT,  /* "-": fd 1, never closed */
    OUT_INPLACE, /* FIFO, device, terminal the user named: written where it is */
    OUT_TEMP,    /* regular file: temporary + rename */
} out_kind;

struct outfile {
    out_kind kind;
    int fd;
    char *path;      /* the target as given; for messages and the rename */
    char *dir;       /* OUT_TEMP: directory to fsync after the rename */
    char *tmp;       /* OUT_TEMP: the temporary file; NULL once it is gone */
    int write_errno; /* first failed write; commit then fails with it */
    bool nosync;     /* rename without fsync: the caller syncs once (batch) */
    bool no_replace;
    volatile sig_atomic_t *stop;
};

/* The name shown in messages: err->file names the target. */
static const char *display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdout>" : path;
}

static bool stopped(const outfile *o)
{
    return o->stop && *o->stop;
}

static void free_outfile(outfile *o)
{
    free(o->path);
    free(o->dir);
    free(o->tmp);
    free(o);
}

/* Closes and removes whatever the outfile holds; the target is untouched.
 * The name goes first, while the lock still keeps removers away. */
static void discard(outfile *o)
{
    if (o->tmp) {
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    if (o->kind != OUT_STDOUT && o->fd >= 0)
        close(o->fd);
    o->fd = -1;
}

/* Splits path into a directory for the temporary file and its base name.
 * "a/b/c.pdf" -> "a/b" + "c.pdf"; "c.pdf" -> "." + "c.pdf"; "/c" -> "/" + "c". */
static int split_path(const char *path, char **dir, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        *dir = strdup(".");
        *base = path;
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        *dir = strndup(path, n);
        *base = slash + 1;
    }
    return *dir ? 0 : -1;
}

/* A file that cannot be made for want of space is a full disk (74), like a
 * write that fails for it; anything else is "cannot create" (73). */
static int create_failed(const char *path, int e, mp_err *err)
{
    return err_set(err, e == ENOSPC || e == EDQUOT ? EX_IOERR : EX_CANTCREAT, path, 0, 0,
                   "cannot create output: %s", strerror(e));
}

static int open_temp(outfile *o, mode_t mode, mp_err *err)
{
    const char *base;
    if (split_path(o->path, &o->dir, &base) != 0)
        return err_set(err, EX_OSERR, o->path, 0, 0, "out of memory");
    /* "out/" names a directory, never a file to create. */
    if (*base == '\0')
        return err_set(err, EX_CANTCREAT, o->path, 0, 0, "cannot create output: %s",
                       strerror(EISDIR));

    /* Hidden and suffixed, so a half-written file is never mistaken for a
     * packet by a glob like *.pdf. */
    size_t dlen = strlen(o->dir), blen = strlen(base);
    size_t n = dlen + blen + sizeof "/..XXXXXX" TMP_SUFFIX;
    if (dlen > SIZE_MAX / 2 || blen > SIZE_MAX / 2 || !(o->tmp = malloc(n)))
        return err_set(err, EX_OSERR, o->path, 0, 0, "out of memory");

    for (int attempt = 1;; attempt++) {
        memcpy(o->tmp, o->dir, dlen);
        memcpy(o->tmp + dlen, "/.", 2);
        memcpy(o->tmp + dlen + 2, base, blen);
        memcpy(o->tmp + dlen + 2 + blen, ".XXXXXX" TMP_SUFFIX, sizeof ".XXXXXX" TMP_SUFFIX);
        o->fd = mkostemps(o->tmp, (int)strlen(TMP_SUFFIX), O_CLOEXEC);
        if (o->fd < 0) {
            int e = errno;
            free(o->tmp);
            o->tmp = NULL;
            return create_failed(o->path, e, err);
        }
        /* See the file's header: locked from here to the rename. */
        bool lost = false;
        if (flock(o->fd, LOCK_EX | LOCK_NB) != 0) {
            lost = errno == EWOULDBLOCK; /* a remover holds it, and will unlink it */
        } else {
            struct stat st;
            lost = fstat(o->fd, &st) == 0 && st.st_nlink == 0;
        }
        if (!lost)
            break;
        discard(o);
        if (attempt == CREATE_ATTEMPTS)
            return err_set(err, EX_CANTCREAT, o->path, 0, 0,
                           "cannot create output: its temporary files keep being removed");
        if (!(o->tmp = malloc(n)))
            return err_set(err, EX_OSERR, o->path, 0, 0, "out of memory");
    }
    /* mkostemps creates 0600 whatever the umask; the caller's mode is meant
     * exactly (patient data is 0600 by default), so fchmod rather than umask. */
    if (fchmod(o->fd, mode & 07777) != 0) {
        int e = errno;
        discard(o);
        return create_failed(o->path, e, err);
    }
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal ends it early: the caller looks at stop */
}

/* A FIFO, device or terminal the user named, opened without blocking: a FIFO
 * with no reader yet is polled for one, so that a signal (opts.stop) ends the
 * wait; the descriptor stays non-blocking and write_all waits in steps. */
static int open_inplace(outfile *o, bool fifo, mp_err *err)
{
    for (;;) {
        o->fd = open(o->path, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (o->fd >= 0)
            break;
        int e = errno;
        if (e != EINTR && !(e == ENXIO && fifo))
            return err_set(err, EX_CANTCREAT, o->path, 0, 0, "cannot open output: %s", strerror(e));
        /* ENXIO: a FIFO without a reader (open(2)). */
        if (stopped(o))
            return err_set(err, EX_TEMPFAIL, o->path, 0, 0,
                           "interrupted while waiting for a reader");
        if (e == ENXIO)
            sleep_ms(WAIT_STEP_MS);
    }
    /* The path was looked at before it was opened: if a regular file took
     * the FIFO's place meanwhile, writing it in place would leave it half
     * old, half new. */
    struct stat st;
    if (fstat(o->fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        close(o->fd);
        o->fd = -1;
        return err_set(err, EX_CANTCREAT, o->path, 0, 0,
                       "cannot open output: it changed while it was being opened");
    }
    return 0;
}

static int exists_error(const char *path, mp_err *err)
{
    return err_set(err, EX_CANTCREAT, path, 0, 0, "the file exists");
}

int outfile_open_opts(const char *path, const outfile_opts *opts, outfile **out, mp_err *err)
{
    static const outfile_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    mode_t mode = opts->mode ? opts->mode : OUTFILE_DEFAULT_MODE;
    *out = NULL;
    if (!path || !*path)
        return err_set(err, EX_CANTCREAT, path, 0, 0, "cannot create output: %s", strerror(ENOENT));

    outfile *o = calloc(1, sizeof *o);
    if (!o)
        return err_set(err, EX_OSERR, path, 0, 0, "out of memory");
    o->fd = -1;
    o->nosync = opts->nosync;
    o->no_replace = opts->no_replace;
    o->stop = opts->stop;
    o->path = strdup(path);
    if (!o->path) {
        free_outfile(o);
        return err_set(err, EX_OSERR, path, 0, 0, "out of memory");
    }

    if (strcmp(path, "-") == 0) {
        o->kind = OUT_STDOUT;
        o->fd = STDOUT_FILENO;
        *out = o;
        return 0;
    }

    /* A name the program chose is looked at, not through: a symlink there is
     * replaced like a file, whatever it points to. A path the user typed is
     * followed, so that /dev/stdout is the device it names. */
    struct stat st;
    int rc;
    bool found = (opts->chosen_name ? lstat(path, &st) : stat(path, &st)) == 0;
    int e = errno;
    bool replaceable = !found || S_ISREG(st.st_mode) || S_ISLNK(st.st_mode);
    if (!found && e == ENOENT && opts->no_replace && lstat(path, &st) == 0) {
        rc = exists_error(path, err); /* a dangling symlink is in the way too */
    } else if (!found && e != ENOENT) {
        /* ENOENT is the usual new file; anything else (ENOTDIR for a file
         * used as a directory, EACCES, ELOOP) means it cannot be made. */
        rc = err_set(err, EX_CANTCREAT, path, 0, 0, "cannot create output: %s", strerror(e));
    } else if (found && S_ISDIR(st.st_mode)) {
        rc = err_set(err, EX_CANTCREAT, path, 0, 0, "cannot create output: Is a directory");
    } else if (replaceable) {
        o->kind = OUT_TEMP;
        rc = found && opts->no_replace ? exists_error(path, err) : open_temp(o, mode, err);
    } else if (opts->chosen_name) {
        /* Not ours to replace, and never to write through: writing into a
         * FIFO nobody reads waits for ever; into /dev/null, loses a packet. */
        rc = err_set(err, EX_CANTCREAT, path, 0, 0, "not a regular file, so it is not replaced");
    } else {
        /* A rename would replace the FIFO or device node itself (as root, even
         * /dev/null), so these are written where they are. */
        o->kind = OUT_INPLACE;
        rc = open_inplace(o, S_ISFIFO(st.st_mode), err);
    }
    if (rc != 0) {
        free_outfile(o);
        return rc;
    }
    *out = o;
    return 0;
}

int outfile_open(const char *path, mode_t mode, outfile **out, mp_err *err)
{
    outfile_opts opts = {.mode = mode};
    return outfile_open_opts(path, &opts, out, err);
}

/* Writes all of buf, through short writes, signals and a reader that is
 * slow to read. Returns 0 or an errno; EINTR only when o->stop ended it. */
static int write_all(const outfile *o, const unsigned char *p, size_t len)
{
    while (len > 0) {
        /* Some kernels cap a single write; asking for less than SSIZE_MAX
         * keeps the result representable. */
        size_t chunk = len > (1u << 30) ? (1u << 30) : len;
        ssize_t n = write(o->fd, p, chunk);
        if (n < 0) {
            int e = errno;
            if (e != EINTR && e != EAGAIN)
                return e;
            if (stopped(o))
                return EINTR;
            if (e == EAGAIN) { /* in place, non-blocking: wait a step for room */
                struct pollfd pfd = {.fd = o->fd, .events = POLLOUT};
                poll(&pfd, 1, WAIT_STEP_MS);
            }
            continue;
        }
        if (n == 0)
            return EIO; /* no progress and no error: do not spin */
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_failed(const outfile *o, mp_err *err)
{
    if (o->write_errno == EINTR)
        return err_set(err, EX_TEMPFAIL, display_name(o->path), 0, 0, "interrupted");
    return err_set(err, EX_IOERR, display_name(o->path), 0, 0, "write failed: %s",
                   strerror(o->write_errno));
}

int outfile_put(outfile *o, const void *buf, size_t len, mp_err *err)
{
    /* After a failed write the file has a hole where the data should be;
     * later bytes must not make it look whole. */
    if (o->write_errno == 0)
        o->write_errno = write_all(o, buf, len);
    if (o->write_errno != 0)
        return write_failed(o, err);
    return 0;
}

static int fsync_retry(int fd)
{
    int rc;
    do
        rc = fsync(fd);
    while (rc != 0 && errno == EINTR);
    return rc;
}

/* Makes the rename durable. An unreadable directory cannot be opened to ask
 * for that; the file is in place all the same, so that is not an error. */
static int sync_dir(const char *dir)
{
    int fd;
    do
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return 0;
    int rc = fsync_retry(fd) != 0 && errno != EINVAL ? errno : 0;
    close(fd);
    return rc;
}

/* rename(2), or with no_replace a rename that fails with EEXIST when
 * anything is at the target by then. Returns 0 or an errno. */
static int rename_into_place(const outfile *o)
{
    if (!o->no_replace)
        return rename(o->tmp, o->path) == 0 ? 0 : errno;
    if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return errno;
    /* A file system without RENAME_NOREPLACE: link(2) is just as atomic. */
    if (link(o->tmp, o->path) == 0) {
        unlink(o->tmp);
        return 0;
    }
    if (errno != EPERM && errno != ENOTSUP && errno != ENOSYS)
        return errno;
    /* Nor hard links (FAT): look, then rename; a narrow race remains. */
    struct stat st;
    if (lstat(o->path, &st) == 0)
        return EEXIST;
    return rename(o->tmp, o->path) == 0 ? 0 : errno;
}

static int commit_temp(outfile *o, mp_err *err)
{
    const char *path = o->path;
    if (!o->nosync && fsync_retry(o->fd) != 0) {
        int e = errno;
        discard(o);
        return err_set(err, EX_IOERR, path, 0, 0, "fsync failed: %s", strerror(e));
    }
    /* Renamed while still open, so that the lock keeps removers away until
     * the file has its final name. */
    int e = rename_into_place(o);
    if (e != 0) {
        discard(o);
        if (e == EEXIST)
            return err_set(err, EX_CANTCREAT, path, 0, 0,
                           "the file exists (it appeared while this one was written)");
        return err_set(err, EX_IOERR, path, 0, 0, "cannot rename into place: %s", strerror(e));
    }
    free(o->tmp);
    o->tmp = NULL;
    int fd = o->fd;
    o->fd = -1;
    /* Linux closes the descriptor even when close reports EINTR. Another
     * error (NFS reports failed writes here) means the file in place may not
     * be whole: it is removed rather than left looking whole. */
    if (close(fd) != 0 && errno != EINTR) {
        e = errno;
        unlink(path);
        return err_set(err, EX_IOERR, path, 0, 0, "close failed: %s", strerror(e));
    }
    if (o->nosync)
        return 0;
    e = sync_dir(o->dir);
    if (e != 0)
        return err_set(err, EX_IOERR, path, 0, 0, "fsync of directory failed: %s", strerror(e));
    return 0;
}

int outfile_commit(outfile *o, mp_err *err)
{
    int rc = 0;
    if (o->write_errno != 0) {
        rc = write_failed(o, err);
        discard(o);
    } else if (o->kind == OUT_TEMP) {
        rc = commit_temp(o, err);
    } else if (o->kind == OUT_INPLACE) {
        /* No fsync: FIFOs and terminals refuse it, and a device has no file
         * to make durable. Every byte has already been handed to write. */
        int fd = o->fd;
        o->fd = -1;
        if (close(fd) != 0 && errno != EINTR)
            rc = err_set(err, EX_IOERR, o->path, 0, 0, "close failed: %s", strerror(errno));
    }
    /* OUT_STDOUT: writes go straight to fd 1, unbuffered; it stays open for
     * the rest of the program. */
    free_outfile(o);
    return rc;
}

void outfile_abort(outfile *o)
{
    if (!o)
        return;
    discard(o);
    free_outfile(o);
}

int outfile_write_opts(const char *path, const void *buf, size_t len, const outfile_opts *opts,
                       mp_err *err)
{
    outfile *o;
    int rc = outfile_open_opts(path, opts, &o, err);
    if (rc != 0)
        return rc;
    rc = outfile_put(o, buf, len, err);
    if (rc != 0) {
        outfile_abort(o);
        return rc;
    }
    return outfile_commit(o, err);
}

int outfile_write(const char *path, const void *buf, size_t len, mode_t mode, mp_err *err)
{
    outfile_opts opts = {.mode = mode};
    return outfile_write_opts(path, buf, len, &opts, err);
}

int outfile_sync_fs(const char *dir, mp_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, EX_IOERR, dir, 0, 0, "cannot open to sync: %s", strerror(errno));
    int rc = 0;
    if (syncfs(fd) != 0)
        rc = err_set(err, EX_IOERR, dir, 0, 0, "sync failed: %s", strerror(errno));
    close(fd);
    return rc;
}

/* ---- stale temporary files ---------------------------------------------- */

/* Whether n is ".NAME.XXXXXX.part" (the X from mkstemp's alphabet) for the
 * NAME base, or, when base is NULL, for any NAME ending with ext. */
static bool is_temp_name(const char *n, const char *base, const char *ext)
{
    const size_t tail = 1 + TMP_RANDOM + strlen(TMP_SUFFIX); /* ".XXXXXX.part" */
    size_t len = strlen(n);
    if (n[0] != '.' || len < 2 + tail || strcmp(n + len - strlen(TMP_SUFFIX), TMP_SUFFIX) != 0)
        return false;
    const char *x = n + len - tail;
    if (x[0] != '.')
        return false;
    for (int i = 1; i <= TMP_RANDOM; i++)
        if (!isalnum((unsigned char)x[i]))
            return false;
    const char *name = n + 1;
    size_t nlen = len - 1 - tail;
    if (base)
        return nlen == strlen(base) && memcmp(name, base, nlen) == 0;
    size_t elen = strlen(ext);
    return nlen > elen && memcmp(name + nlen - elen, ext, elen) == 0;
}

/* See the file's header. Never follows a symlink and never opens anything
 * that could block (O_NONBLOCK: a FIFO named like a temporary file). */
static bool remove_if_stale(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st, now;
    bool removed = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                   flock(fd, LOCK_EX | LOCK_NB) == 0 &&
                   fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_dev == st.st_dev &&
                   now.st_ino == st.st_ino && unlinkat(dfd, name, 0) == 0;
    close(fd);
    return removed;
}

static size_t remove_stale(const char *dir, const char *base, const char *ext)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t removed = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (is_temp_name(e->d_name, base, ext) && remove_if_stale(dirfd(d), e->d_name))
            removed++;
    closedir(d);
    return removed;
}

size_t outfile_remove_stale(const char *path)
{
    if (!path || !*path || strcmp(path, "-") == 0)
        return 0;
    char *dir;
    const char *base;
    if (split_path(path, &dir, &base) != 0)
        return 0;
    size_t n = *base ? remove_stale(dir, base, NULL) : 0;
    free(dir);
    return n;
}

size_t outfile_remove_stale_in(const char *dir, const char *ext)
{
    return remove_stale(dir, NULL, ext ? ext : "");
}

/* ---- inputs -------------------------------------------------------------- */

static int add_input(outfile_inputs *in, const struct stat *st, const char *what, mp_err *err)
{
    if (!S_ISREG(st->st_mode) || outfile_inputs_find(in, st))
        return 0;
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 8;
        outfile_input *v = realloc(in->v, cap * sizeof *v);
        if (!v)
            return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
        in->v = v;
        in->cap = cap;
    }
    in->v[in->n++] = (outfile_input){st->st_dev, st->st_ino, what};
    return 0;
}

int outfile_inputs_add(outfile_inputs *in, const char *path, const char *what, mp_err *err)
{
    struct stat st;
    if (!path || strcmp(path, "-") == 0 || stat(path, &st) != 0)
        return 0;
    return add_input(in, &st, what, err);
}

int outfile_inputs_add_fd(outfile_inputs *in, int fd, const char *what, mp_err *err)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? add_input(in, &st, what, err) : 0;
}

const char *outfile_inputs_find(const outfile_inputs *in, const struct stat *st)
{
    if (!in || !S_ISREG(st->st_mode))
        return NULL;
    for (size_t i = 0; i < in->n; i++)
        if (in->v[i].dev == st->st_dev && in->v[i].ino == st->st_ino)
            return in->v[i].what;
    return NULL;
}

int outfile_check_inputs(const outfile_inputs *in, const char *path, const char *option,
                         mp_err *err)
{
    struct stat st;
    const char *what;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && (what = outfile_inputs_find(in, &st)))
        return err_set(err, EX_USAGE, path, 0, 0, "%s would replace an input of this run (%s)",
                       option, what);
    return 0;
}

void outfile_inputs_free(outfile_inputs *in)
{
    free(in->v);
    memset(in, 0, sizeof *in);
}

bool outfile_same_target(const char *a, const char *b)
{
    bool a_out = strcmp(a, "-") == 0, b_out = strcmp(b, "-") == 0;
    if (a_out || b_out)
        return a_out && b_out;
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char *da = NULL, *db = NULL;
    const char *ba, *bb;
    bool same = split_path(a, &da, &ba) == 0 && split_path(b, &db, &bb) == 0 &&
                strcmp(ba, bb) == 0 && stat(da, &sa) == 0 && stat(db, &sb) == 0 &&
                sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    free(da);
    free(db);
    return same;
}
