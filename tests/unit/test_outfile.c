/* Unit tests for outfile.c: a target is either the whole new file or left
 * as it was, no temporary file survives, and FIFOs and devices are written
 * in place rather than replaced. Everything happens in a fresh mkdtemp
 * directory that is removed at the end. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "outfile.h"

static char dir[256];

static const char *in_dir(const char *name)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

/* The whole file, NUL-terminated, in a static buffer; NULL if unreadable. */
static const char *slurp(const char *path)
{
    static char buf[1 << 18];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return NULL;
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    buf[len] = '\0';
    return buf;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_mode : 0;
}

/* Entries of the test directory: how many in all, how many hidden (every
 * temporary file starts with a dot). first_hidden gets the first one's name. */
static int count_entries(int *hidden, char *first_hidden, size_t n)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int all = 0;
    *hidden = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        all++;
        if (e->d_name[0] == '.') {
            if (*hidden == 0 && first_hidden)
                snprintf(first_hidden, n, "%s", e->d_name);
            (*hidden)++;
        }
    }
    closedir(d);
    return all;
}

static int hidden_entries(void)
{
    int hidden;
    count_entries(&hidden, NULL, 0);
    return hidden;
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char sub[1024];
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                remove_tree(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void test_new_file(void)
{
    mp_err err;
    err_clear(&err);
    const char *path = in_dir("new.pdf");
    const char *data = "%PDF-1.7\nconsent for Jos\xC3\xA9 N\xC3\xBA\xC3\xB1\x65z\n%%EOF\n";
    CHECK_INT(outfile_write(path, data, strlen(data), OUTFILE_DEFAULT_MODE, &err), 0);
    CHECK_INT(err.code, 0);
    CHECK_STR(slurp(path), data);
    CHECK(S_ISREG(mode_of(path)));
    CHECK_INT(mode_of(path) & 07777, 0600);

    /* The mode is exactly what was asked for, whatever the umask. */
    mode_t old_mask = umask(077);
    path = in_dir("shared.pdf");
    CHECK_INT(outfile_write(path, "x", 1, 0644, &err), 0);
    CHECK_INT(mode_of(path) & 07777, 0644);
    umask(old_mask);

    /* Empty output is a valid, empty file. */
    path = in_dir("empty.txt");
    CHECK_INT(outfile_write(path, NULL, 0, 0600, &err), 0);
    CHECK_STR(slurp(path), "");

    int hidden;
    CHECK_INT(count_entries(&hidden, NULL, 0), 3);
    CHECK_INT(hidden, 0);
}

static void test_overwrite(void)
{
    mp_err err;
    err_clear(&err);
    const char *path = in_dir("existing.pdf");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_INT(write(fd, "old contents, longer than the new\n", 34), 34);
        close(fd);
    }
    struct stat before, after;
    CHECK_INT(stat(path, &before), 0);
    CHECK_INT(outfile_write(path, "new\n", 4, 0600, &err), 0);
    CHECK_STR(slurp(path), "new\n");
    CHECK_INT(stat(path, &after), 0);
    CHECK(before.st_ino != after.st_ino); /* replaced by rename, not rewritten */
    CHECK_INT(after.st_mode & 07777, 0600);
    CHECK_INT(hidden_entries(), 0);
}

/* While an output is open the target is unchanged and the data sits in one
 * hidden ".NAME.XXXXXX.part" file with the requested mode. */
static void test_streaming(void)
{
    mp_err err;
    err_clear(&err);
    const char *path = in_dir("existing.pdf");
    outfile *o = NULL;
    CHECK_INT(outfile_open(path, 0640, &o, &err), 0);
    CHECK(o != NULL);
    if (!o)
        return;
    CHECK_INT(outfile_put(o, "part one, ", 10, &err), 0);
    CHECK_INT(outfile_put(o, "", 0, &err), 0);
    CHECK_INT(outfile_put(o, "part two\n", 9, &err), 0);

    CHECK_STR(slurp(path), "new\n");
    int hidden;
    char tmp[256] = "";
    count_entries(&hidden, tmp, sizeof tmp);
    CHECK_INT(hidden, 1);
    CHECK_INT(strlen(tmp), strlen(".existing.pdf.XXXXXX.part"));
    CHECK(strncmp(tmp, ".existing.pdf.", 14) == 0);
    CHECK(strcmp(tmp + strlen(tmp) - 5, ".part") == 0);
    CHECK_INT(mode_of(in_dir(tmp)) & 07777, 0640);
    CHECK_STR(slurp(in_dir(tmp)), "part one, part two\n");

    CHECK_INT(outfile_commit(o, &err), 0);
    CHECK_STR(slurp(path), "part one, part two\n");
    CHECK_INT(mode_of(path) & 07777, 0640);
    CHECK_INT(hidden_entries(), 0);
    CHECK(!exists(in_dir(tmp)));
}

static void test_abort(void)
{
    mp_err err;
    err_clear(&err);
    int before_hidden, before = count_entries(&before_hidden, NULL, 0);

    outfile *o = NULL;
    CHECK_INT(outfile_open(in_dir("aborted.pdf"), 0600, &o, &err), 0);
    CHECK_INT(outfile_put(o, "half a packet", 13, &err), 0);
    CHECK_INT(hidden_entries(), 1);
    outfile_abort(o);
    CHECK(!exists(in_dir("aborted.pdf")));

    /* Aborting over an existing file leaves it as it was. */
    CHECK_INT(outfile_open(in_dir("existing.pdf"), 0600, &o, &err), 0);
    CHECK_INT(outfile_put(o, "replacement", 11, &err), 0);
    outfile_abort(o);
    CHECK_STR(slurp(in_dir("existing.pdf")), "part one, part two\n");

    outfile_abort(NULL);
    int hidden, after = count_entries(&hidden, NULL, 0);
    CHECK_INT(after, before);
    CHECK_INT(hidden, 0);
    CHECK_INT(before_hidden, 0);
}

static void test_cannot_create(void)
{
    mp_err err;
    const char *path = in_dir("missing/consent.pdf");
    err_clear(&err);
    CHECK_INT(outfile_write(path, "x", 1, 0600, &err), EX_CANTCREAT);
    CHECK_INT(err.code, EX_CANTCREAT);
    CHECK_STR(err.file, path);
    CHECK_STR(err.msg, "cannot create output: No such file or directory");
    CHECK(!exists(in_dir("missing")));

    /* A regular file used as a directory: a dangling path component. */
    path = in_dir("new.pdf/consent.pdf");
    err_clear(&err);
    CHECK_INT(outfile_write(path, "x", 1, 0600, &err), EX_CANTCREAT);
    CHECK_STR(err.msg, "cannot create output: Not a directory");
    CHECK_STR(err.file, path);

    err_clear(&err);
    outfile *o = (outfile *)&err; /* must be reset to NULL on failure */
    CHECK_INT(outfile_open(dir, 0600, &o, &err), EX_CANTCREAT);
    CHECK(o == NULL);
    CHECK_STR(err.msg, "cannot create output: Is a directory");
    CHECK_STR(err.file, dir);

    path = in_dir("subdir");
    CHECK_INT(mkdir(path, 0700), 0);
    err_clear(&err);
    CHECK_INT(outfile_write(path, "x", 1, 0600, &err), EX_CANTCREAT);
    CHECK_STR(err.msg, "cannot create output: Is a directory");
    CHECK(S_ISDIR(mode_of(path)));
    CHECK_INT(rmdir(path), 0);

    /* A trailing slash names a directory, which is never created. */
    path = in_dir("notyet/");
    err_clear(&err);
    CHECK_INT(outfile_write(path, "x", 1, 0600, &err), EX_CANTCREAT);
    CHECK_STR(err.msg, "cannot create output: Is a directory");
    CHECK(!exists(in_dir("notyet")));

    err_clear(&err);
    CHECK_INT(outfile_write("", "x", 1, 0600, &err), EX_CANTCREAT);
    CHECK_STR(err.msg, "cannot create output: No such file or directory");

    if (geteuid() != 0) {
        path = in_dir("readonly");
        CHECK_INT(mkdir(path, 0500), 0);
        char target[600];
        snprintf(target, sizeof target, "%s/consent.pdf", path);
        err_clear(&err);
        CHECK_INT(outfile_write(target, "x", 1, 0600, &err), EX_CANTCREAT);
        CHECK_STR(err.msg, "cannot create output: Permission denied");
        CHECK_INT(rmdir(path), 0);
    }
    CHECK_INT(hidden_entries(), 0);
}

/* Devices are reached through symlinks in the test directory: if outfile
 * ever renamed over a device by mistake, it would replace the link, not
 * /dev/full itself (the tests may run as root). */
static void test_devices(void)
{
    mp_err err;
    const char *full = in_dir("full"), *null = in_dir("null");
    if (S_ISCHR(mode_of("/dev/full")) && symlink("/dev/full", full) == 0) {
        err_clear(&err);
        CHECK_INT(outfile_write(full, "x", 1, 0600, &err), EX_IOERR);
        CHECK_INT(err.code, EX_IOERR);
        CHECK_STR(err.file, full);
        CHECK_STR(err.msg, "write failed: No space left on device");

        /* A failed put makes the commit fail too, with the same cause. */
        outfile *o = NULL;
        err_clear(&err);
        CHECK_INT(outfile_open(full, 0600, &o, &err), 0);
        CHECK_INT(outfile_put(o, "abc", 3, &err), EX_IOERR);
        CHECK_INT(outfile_put(o, "def", 3, &err), EX_IOERR);
        err_clear(&err);
        CHECK_INT(outfile_commit(o, &err), EX_IOERR);
        CHECK_STR(err.msg, "write failed: No space left on device");

        struct stat st;
        CHECK(lstat(full, &st) == 0 && S_ISLNK(st.st_mode));
        CHECK(S_ISCHR(mode_of(full)));
        CHECK_INT(unlink(full), 0);
    } else {
        fprintf(stderr, "note: no /dev/full, skipping\n");
    }
    if (S_ISCHR(mode_of("/dev/null")) && symlink("/dev/null", null) == 0) {
        err_clear(&err);
        CHECK_INT(outfile_write(null, "x", 1, 0600, &err), 0);
        struct stat st;
        CHECK(lstat(null, &st) == 0 && S_ISLNK(st.st_mode));
        CHECK(S_ISCHR(mode_of(null)));
        CHECK_INT(unlink(null), 0);
    }
    CHECK_INT(hidden_entries(), 0);
}

/* A full disk, simulated with RLIMIT_FSIZE in a child: the write fails,
 * nothing is left behind and an existing target keeps its contents. */
static void test_write_failure(void)
{
    const char *keep = in_dir("keep.pdf");
    mp_err err;
    err_clear(&err);
    CHECK_INT(outfile_write(keep, "keep\n", 5, 0600, &err), 0);

    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN); /* get EFBIG instead of being killed */
        struct rlimit rl = {.rlim_cur = 1000, .rlim_max = RLIM_INFINITY};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(2);
        static char big[8192];
        memset(big, 'p', sizeof big);
        int bad = 0;
        mp_err e;
        err_clear(&e);
        if (outfile_write(in_dir("big.pdf"), big, sizeof big, 0600, &e) != EX_IOERR ||
            strcmp(e.msg, "write failed: File too large") != 0 || strcmp(e.file, in_dir("big.pdf")))
            bad |= 4;
        err_clear(&e);
        if (outfile_write(keep, big, sizeof big, 0600, &e) != EX_IOERR)
            bad |= 8;
        if (bad)
            fprintf(stderr, "child: %s: %s\n", e.file, e.msg);
        _exit(bad);
    }
    int status = -1;
    CHECK_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_INT(WEXITSTATUS(status), 0);
    CHECK(!exists(in_dir("big.pdf")));
    CHECK_STR(slurp(keep), "keep\n");
    CHECK_INT(hidden_entries(), 0);
}

/* A failure at commit time (here the target became a directory between open
 * and commit, so the rename fails) removes the temporary file. */
static void test_commit_failure(void)
{
    mp_err err;
    err_clear(&err);
    const char *path = in_dir("later.pdf");
    outfile *o = NULL;
    CHECK_INT(outfile_open(path, 0600, &o, &err), 0);
    CHECK_INT(outfile_put(o, "data", 4, &err), 0);
    CHECK_INT(mkdir(path, 0700), 0);
    CHECK_INT(outfile_commit(o, &err), EX_IOERR);
    CHECK_STR(err.msg, "cannot rename into place: Is a directory");
    CHECK_STR(err.file, path);
    CHECK_INT(hidden_entries(), 0);
    CHECK_INT(rmdir(path), 0);
}

static void test_fifo(void)
{
    const char *path = in_dir("pipe");
    CHECK_INT(mkfifo(path, 0600), 0);

    /* More than a pipe holds, so the writer must wait for the reader. */
    static char data[200000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + i % 26);

    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        alarm(30);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            _exit(2);
        static char got[sizeof data + 1];
        size_t len = 0;
        ssize_t n;
        while ((n = read(fd, got + len, sizeof got - len)) > 0)
            len += (size_t)n;
        close(fd);
        _exit(len == sizeof data && memcmp(got, data, len) == 0 ? 0 : 3);
    }
    mp_err err;
    err_clear(&err);
    alarm(30); /* a wrong implementation would wait for ever */
    CHECK_INT(outfile_write(path, data, sizeof data, 0600, &err), 0);
    alarm(0);
    int status = -1;
    CHECK_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_INT(WEXITSTATUS(status), 0);
    struct stat st;
    CHECK_INT(lstat(path, &st), 0);
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_INT(hidden_entries(), 0);
    CHECK_INT(unlink(path), 0);
}

static void test_stdout(void)
{
    const char *path = in_dir("stdout.txt");
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(saved >= 0 && fd >= 0);
    if (saved < 0 || fd < 0)
        return;
    CHECK_INT(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    close(fd);

    mp_err err;
    err_clear(&err);
    CHECK_INT(outfile_write("-", "to stdout\n", 10, 0600, &err), 0);
    CHECK_INT(outfile_write("-", "and again\n", 10, 0600, &err), 0);
    CHECK(fcntl(STDOUT_FILENO, F_GETFD) != -1); /* still open */

    int full = open("/dev/full", O_WRONLY);
    if (full >= 0) {
        CHECK_INT(dup2(full, STDOUT_FILENO), STDOUT_FILENO);
        close(full);
        err_clear(&err);
        CHECK_INT(outfile_write("-", "x", 1, 0600, &err), EX_IOERR);
        CHECK_STR(err.msg, "write failed: No space left on device");
        CHECK_STR(err.file, "<stdout>");
    }
    CHECK_INT(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    CHECK_STR(slurp(path), "to stdout\nand again\n");
    CHECK_INT(unlink(path), 0);
}

/* A bare name is created in the current directory. */
static void test_relative(void)
{
    char cwd[1024];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK_INT(chdir(dir), 0);
    mp_err err;
    err_clear(&err);
    CHECK_INT(outfile_write("relative.pdf", "rel", 3, 0600, &err), 0);
    CHECK_INT(chdir(cwd), 0);
    CHECK_STR(slurp(in_dir("relative.pdf")), "rel");
    CHECK_INT(hidden_entries(), 0);
}

int main(void)
{
    const char *tmpdir = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/mp-outfile-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_new_file();
    test_overwrite();
    test_streaming();
    test_abort();
    test_cannot_create();
    test_devices();
    test_write_failure();
    test_commit_failure();
    test_fifo();
    test_stdout();
    test_relative();

    remove_tree(dir);
    CHECK(!exists(dir));
    CHECK_DONE();
}
