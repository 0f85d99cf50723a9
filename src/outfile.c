/*
 * outfile.c — whole-or-absent output files; see outfile.h for the contract.
 *
 * A consent packet that is half written looks like a complete PDF to a tired
 * reader of a file listing, and a crash mid-batch must not leave one behind.
 * So regular files are written under a temporary name next to the target and
 * renamed into place only after fsync; the directory is fsynced too so that
 * the rename itself survives a power cut.
 */
/* mkostemps (a suffix after the XXXXXX, and O_CLOEXEC at creation so that a
 * concurrent fork/exec cannot inherit the descriptor) is a GNU extension. */
#define _GNU_SOURCE

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_SUFFIX ".part"

typedef enum {
    OUT_STDOUT,  /* "-": fd 1, never closed */
    OUT_INPLACE, /* FIFO, device, terminal: written where it is */
    OUT_TEMP,    /* regular file: temporary + rename */
} out_kind;

struct outfile {
    out_kind kind;
    int fd;
    char *path; /* the target as given; for messages and the rename */
    char *dir;  /* OUT_TEMP: directory to fsync after the rename */
    /* OUT_TEMP: the temporary file, kept so that a caller (a future signal
     * handler in `batch`) can unlink it; NULL once it is gone. */
    char *tmp;
    int write_errno; /* first failed write; commit then fails with it */
    bool nosync;     /* rename without fsync: the caller syncs once (batch) */
};

/* The name shown in messages: err->file names the target. */
static const char *display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdout>" : path;
}

static void free_outfile(outfile *o)
{
    free(o->path);
    free(o->dir);
    free(o->tmp);
    free(o);
}

/* Closes and removes whatever the outfile holds; the target is untouched. */
static void discard(outfile *o)
{
    if (o->kind != OUT_STDOUT && o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->tmp) {
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
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
    memcpy(o->tmp, o->dir, dlen);
    memcpy(o->tmp + dlen, "/.", 2);
    memcpy(o->tmp + dlen + 2, base, blen);
    memcpy(o->tmp + dlen + 2 + blen, ".XXXXXX" TMP_SUFFIX, sizeof ".XXXXXX" TMP_SUFFIX);

    o->fd = mkostemps(o->tmp, (int)strlen(TMP_SUFFIX), O_CLOEXEC);
    if (o->fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        return err_set(err, EX_CANTCREAT, o->path, 0, 0, "cannot create output: %s",
                       strerror(e));
    }
    /* mkostemps creates 0600 whatever the umask; the caller's mode is meant
     * exactly (patient data is 0600 by default), so fchmod rather than umask. */
    if (fchmod(o->fd, mode & 07777) != 0) {
        int e = errno;
        discard(o);
        return err_set(err, EX_CANTCREAT, o->path, 0, 0, "cannot create output: %s",
                       strerror(e));
    }
    return 0;
}

int outfile_open(const char *path, mode_t mode, outfile **out, mp_err *err)
{
    *out = NULL;
    if (!path || !*path)
        return err_set(err, EX_CANTCREAT, path, 0, 0, "cannot create output: %s",
                       strerror(ENOENT));

    outfile *o = calloc(1, sizeof *o);
    if (!o)
        return err_set(err, EX_OSERR, path, 0, 0, "out of memory");
    o->fd = -1;
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

    struct stat st;
    int rc;
    if (stat(path, &st) != 0) {
        /* ENOENT is the usual new file; anything else (ENOTDIR for a file
         * used as a directory, EACCES, ELOOP) means it cannot be made. */
        if (errno == ENOENT) {
            o->kind = OUT_TEMP;
            rc = open_temp(o, mode, err);
        } else {
            rc = err_set(err, EX_CANTCREAT, path, 0, 0, "cannot create output: %s",
                         strerror(errno));
        }
    } else if (S_ISDIR(st.st_mode)) {
        rc = err_set(err, EX_CANTCREAT, path, 0, 0, "cannot create output: Is a directory");
    } else if (S_ISREG(st.st_mode)) {
        o->kind = OUT_TEMP;
        rc = open_temp(o, mode, err);
    } else {
        /* A rename would replace the FIFO or device node itself (as root, even
         * /dev/null), so these are written where they are. */
        o->kind = OUT_INPLACE;
        do
            o->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        while (o->fd < 0 && errno == EINTR); /* a FIFO open waits for a reader */
        rc = o->fd >= 0 ? 0
                        : err_set(err, EX_CANTCREAT, path, 0, 0, "cannot open output: %s",
                                  strerror(errno));
    }
    if (rc != 0) {
        free_outfile(o);
        return rc;
    }
    *out = o;
    return 0;
}

/* Writes all of buf, through short writes and signals. Returns 0 or an errno. */
static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        /* Some kernels cap a single write; asking for less than SSIZE_MAX
         * keeps the result representable. */
        size_t chunk = len > (1u << 30) ? (1u << 30) : len;
        ssize_t n = write(fd, p, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            return EIO; /* no progress and no error: do not spin */
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int outfile_put(outfile *o, const void *buf, size_t len, mp_err *err)
{
    /* After a failed write the file has a hole where the data should be;
     * later bytes must not make it look whole. */
    if (o->write_errno == 0)
        o->write_errno = write_all(o->fd, buf, len);
    if (o->write_errno != 0)
        return err_set(err, EX_IOERR, display_name(o->path), 0, 0, "write failed: %s",
                       strerror(o->write_errno));
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

static int commit_temp(outfile *o, mp_err *err)
{
    const char *path = o->path;
    if (!o->nosync && fsync_retry(o->fd) != 0) {
        int e = errno;
        discard(o);
        return err_set(err, EX_IOERR, path, 0, 0, "fsync failed: %s", strerror(e));
    }
    int fd = o->fd;
    o->fd = -1;
    /* Linux closes the descriptor even when close reports EINTR, and the data
     * is already on disk after fsync, so only other errors count. */
    if (close(fd) != 0 && errno != EINTR) {
        int e = errno;
        discard(o);
        return err_set(err, EX_IOERR, path, 0, 0, "close failed: %s", strerror(e));
    }
    if (rename(o->tmp, path) != 0) {
        int e = errno;
        discard(o);
        return err_set(err, EX_IOERR, path, 0, 0, "cannot rename into place: %s", strerror(e));
    }
    free(o->tmp);
    o->tmp = NULL;
    if (o->nosync)
        return 0;
    int e = sync_dir(o->dir);
    if (e != 0)
        return err_set(err, EX_IOERR, path, 0, 0, "fsync of directory failed: %s",
                       strerror(e));
    return 0;
}

int outfile_commit(outfile *o, mp_err *err)
{
    int rc = 0;
    if (o->write_errno != 0) {
        rc = err_set(err, EX_IOERR, display_name(o->path), 0, 0, "write failed: %s",
                     strerror(o->write_errno));
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

int outfile_write(const char *path, const void *buf, size_t len, mode_t mode, mp_err *err)
{
    outfile *o;
    int rc = outfile_open(path, mode, &o, err);
    if (rc != 0)
        return rc;
    rc = outfile_put(o, buf, len, err);
    if (rc != 0) {
        outfile_abort(o);
        return rc;
    }
    return outfile_commit(o, err);
}

int outfile_write_nosync(const char *path, const void *buf, size_t len, mode_t mode, mp_err *err)
{
    outfile *o;
    int rc = outfile_open(path, mode, &o, err);
    if (rc != 0)
        return rc;
    o->nosync = true;
    rc = outfile_put(o, buf, len, err);
    if (rc != 0) {
        outfile_abort(o);
        return rc;
    }
    return outfile_commit(o, err);
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
