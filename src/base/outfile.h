/*
 * outfile.h — output files that are whole or absent, never half-written.
 *
 * A regular file (or a path that does not exist yet) is written to a
 * temporary file in the same directory (".NAME.XXXXXX.part", created with
 * the given mode, 0600 by default for patient data), flushed with fsync and
 * renamed over the target, then the directory is fsynced. On any error the
 * temporary file is removed and the target is untouched. While it is being
 * written the temporary file is locked (flock), so that a later run can tell
 * one whose writer was killed (outfile_remove_stale) from one being written.
 *
 * What is already at the path is treated as the caller says (outfile_opts):
 *   - A path the user typed (render -o, batch --merge, --manifest): "-" means
 *     standard output, and an existing FIFO, device or terminal (/dev/stdout,
 *     /dev/full) is opened and written in place, never replaced by a rename:
 *     as root, a rename would swap a device node for a file.
 *   - A name the program chose (batch's files in --out-dir, opts.chosen_name):
 *     only a regular file or a symbolic link there is replaced, by the rename,
 *     never written through; anything else (a FIFO, a device, a socket) is
 *     EX_CANTCREAT and is not even opened.
 * A directory or a dangling path component is an error either way.
 *
 * Nothing waits for ever: a FIFO with no reader yet is polled for one, and a
 * write that cannot go on waits in short steps; when opts.stop is set (by a
 * signal handler) such a wait ends with "interrupted".
 *
 * Errors: EX_CANTCREAT when the file cannot be created (no such directory,
 * permission denied, read-only file system, something in the way), EX_IOERR
 * when a write, fsync, close or rename fails (a full disk), EX_TEMPFAIL when
 * opts.stop ended a wait. Messages name the path and strerror.
 */
#ifndef MP_OUTFILE_H
#define MP_OUTFILE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "err.h"

#define OUTFILE_DEFAULT_MODE 0600

typedef struct outfile outfile;

typedef struct outfile_opts {
    mode_t mode;      /* of a new regular file; 0 means OUTFILE_DEFAULT_MODE */
    bool chosen_name; /* replace only a regular file or a symlink (see above) */
    /* An existing regular file or symlink is not replaced: EX_CANTCREAT "the
     * file exists", at open and again at the rename (which is atomic where the
     * file system allows it), so that a file made meanwhile is kept too. */
    bool no_replace;
    /* Renamed into place without waiting for the disk (no fsync): still whole
     * or absent if the process dies, and a batch of thousands does not wait
     * for the disk thousands of times. The caller makes the files durable at
     * once with outfile_sync_fs(). A file written so may be empty after a
     * power cut; batch's resume checks each file's end for that. */
    bool nosync;
    volatile sig_atomic_t *stop; /* may be NULL */
} outfile_opts;

/* Starts an output. */
int outfile_open_opts(const char *path, const outfile_opts *opts, outfile **out, mp_err *err);
/* A path the user typed, replaced if it exists, fsynced: the common case. */
int outfile_open(const char *path, mode_t mode, outfile **out, mp_err *err);
/* Appends bytes (retrying short writes and EINTR). */
int outfile_put(outfile *o, const void *buf, size_t len, mp_err *err);
/* Finishes: fsync + rename (regular files) or flush (others); frees o. On
 * failure the temporary file is removed and o is freed all the same. */
int outfile_commit(outfile *o, mp_err *err);
/* Abandons: removes the temporary file; frees o. Safe on NULL. */
void outfile_abort(outfile *o);

/* open + put + commit in one call. */
int outfile_write_opts(const char *path, const void *buf, size_t len, const outfile_opts *opts,
                       mp_err *err);
int outfile_write(const char *path, const void *buf, size_t len, mode_t mode, mp_err *err);

/* Flushes the file system holding dir to disk (syncfs). */
int outfile_sync_fs(const char *dir, mp_err *err);

/* Removes the temporary files that writers which are gone left beside path
 * (".NAME.XXXXXX.part" for path's NAME; none for "-"), or in dir for every
 * NAME ending with ext (".pdf"). Only outfile's own pattern, only regular
 * files, and only when no process holds the writer's lock: a file being
 * written by another process stays (call these before opening outputs of
 * your own there: on NFS a process's own locks do not keep it out). Best
 * effort: returns how many were removed. */
size_t outfile_remove_stale(const char *path);
size_t outfile_remove_stale_in(const char *dir, const char *ext);

/* The files a run reads, by identity (device and inode), so that no output
 * replaces one of them: `batch --merge today.csv` would turn the day's list
 * into a PDF, `render --force -o consent.yaml` would destroy a form. Only
 * regular files count (a FIFO or a terminal is not replaced by a write). */
typedef struct outfile_input {
    dev_t dev;
    ino_t ino;
    const char *what; /* "the patient list": static text, for the message */
} outfile_input;

typedef struct outfile_inputs {
    outfile_input *v; /* malloc'd; free with outfile_inputs_free() */
    size_t n, cap;
} outfile_inputs;

/* Adds path (following symlinks); a path that is not a regular file, or
 * does not exist, adds nothing. Fails only when out of memory. */
int outfile_inputs_add(outfile_inputs *in, const char *path, const char *what, mp_err *err);
/* The same for a file already open (standard input: `--data - <today.csv`). */
int outfile_inputs_add_fd(outfile_inputs *in, int fd, const char *what, mp_err *err);
/* The input st (from stat or lstat) is, or NULL. */
const char *outfile_inputs_find(const outfile_inputs *in, const struct stat *st);
/* EX_USAGE "OPTION would replace an input of this run (WHAT)" when the
 * output path, as it would be written (following symlinks), is an input. */
int outfile_check_inputs(const outfile_inputs *in, const char *path, const char *option,
                         mp_err *err);
void outfile_inputs_free(outfile_inputs *in);

/* True when a and b name the same output: the same existing file, or the
 * same name in the same directory. */
bool outfile_same_target(const char *a, const char *b);

#endif
