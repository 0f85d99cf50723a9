/*
 * outfile.h — output files that are whole or absent, never half-written.
 *
 * A regular file (or a path that does not exist yet) is written to a
 * temporary file in the same directory (".NAME.XXXXXX.part", created with
 * the given mode, 0600 by default for patient data), flushed with fsync and
 * renamed over the target, then the directory is fsynced. On any error the
 * temporary file is removed and the target is untouched.
 *
 * "-" means standard output. A target that exists and is not a regular file
 * (a FIFO, /dev/stdout, /dev/full, a terminal) is opened and written in place,
 * never replaced by a rename: as root, a rename would swap a device node for
 * a file. A directory or a dangling path component is an error.
 *
 * Errors: EX_CANTCREAT when the file cannot be created (no such directory,
 * permission denied, read-only file system), EX_IOERR when a write, fsync,
 * close or rename fails (a full disk). Messages name the path and strerror.
 */
#ifndef MP_OUTFILE_H
#define MP_OUTFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define OUTFILE_DEFAULT_MODE 0600

typedef struct outfile outfile;

/* Starts an output. mode applies to a newly created regular file. */
int outfile_open(const char *path, mode_t mode, outfile **out, mp_err *err);
/* Appends bytes (retrying short writes and EINTR). */
int outfile_put(outfile *o, const void *buf, size_t len, mp_err *err);
/* Finishes: fsync + rename (regular files) or flush (others); frees o. On
 * failure the temporary file is removed and o is freed all the same. */
int outfile_commit(outfile *o, mp_err *err);
/* Abandons: removes the temporary file; frees o. Safe on NULL. */
void outfile_abort(outfile *o);

/* open + put + commit in one call. */
int outfile_write(const char *path, const void *buf, size_t len, mode_t mode, mp_err *err);

/* The same, but renamed into place without waiting for the disk (no fsync):
 * still whole or absent if the process dies, and a batch of thousands does
 * not wait for the disk thousands of times. The caller makes the files
 * durable at once with outfile_sync_fs(). A file written so may be empty
 * after a power cut; batch's resume checks each file's end for that. */
int outfile_write_nosync(const char *path, const void *buf, size_t len, mode_t mode,
                         mp_err *err);

/* Flushes the file system holding dir to disk (syncfs). */
int outfile_sync_fs(const char *dir, mp_err *err);

#endif
