/* Unit tests for outfile.c: a target is either the whole new file or left
 * as it was, no temporary file survives, FIFOs and devices the user named are
 * written in place rather than replaced, a name the program chose is never
 * written through, no wait outlives a stop request, and only temporary files
 * whose writer is gone are removed. Everything happens in a fresh mkdtemp
 * directory that is removed at the end. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
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

/* Runs fn in a child and gives its exit status, or -1 when it had not ended
 * after `seconds` (it hung, and was killed): a test of a wait must fail,
 * not hang the suite. */
static int in_child(int (*fn)(void), int seconds)
{
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -2;
    if (pid == 0)
        _exit(fn());
    for (int i = 0; i < seconds * 20; i++) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
        usleep(50000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static volatile sig_atomic_t stop_flag;

static void on_alarm(int sig)
{
    stop_flag = sig;
}

/* A stop request 200 ms from now, by a signal that interrupts system calls
 * (no SA_RESTART), as batch's SIGINT/SIGTERM/SIGHUP handlers do. */
static void stop_soon(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval t = {.it_value = {0, 200000}};
    setitimer(ITIMER_REAL, &t, NULL);
}

/* Child: a FIFO with no reader, then one whose reader never reads. */
static int child_fifo_waits(void)
{
    const outfile_opts opts = {.stop = &stop_flag};
    const char *path = in_dir("lonely");
    if (mkfifo(path, 0600) != 0)
        return 2;
    mp_err err;
    err_clear(&err);
    outfile *o = NULL;
    stop_soon();
    int rc = outfile_open_opts(path, &opts, &o, &err);
    if (rc != EX_TEMPFAIL || o || strcmp(err.msg, "interrupted while waiting for a reader") != 0 ||
        strcmp(err.file, path) != 0) {
        fprintf(stderr, "child: open: %d %s\n", rc, err.msg);
        return 3;
    }
    int reader = open(path, O_RDONLY | O_NONBLOCK); /* holds it open, reads nothing */
    if (reader < 0)
        return 4;
    stop_flag = 0;
    err_clear(&err);
    if (outfile_open_opts(path, &opts, &o, &err) != 0)
        return 5;
    static char big[1 << 20];
    stop_soon();
    rc = outfile_put(o, big, sizeof big, &err);
    if (rc != EX_TEMPFAIL || strcmp(err.msg, "interrupted") != 0) {
        fprintf(stderr, "child: put: %d %s\n", rc, err.msg);
        return 6;
    }
    outfile_abort(o);
    close(reader);
    unlink(path);
    return 0;
}

static void test_waits_end(void)
{
    CHECK_INT(in_child(child_fifo_waits, 10), 0);
    CHECK_INT(hidden_entries(), 0);
}

/* Child: a symlink at a chosen name pointing to a FIFO nobody reads. */
static int child_chosen_fifo_link(void)
{
    const outfile_opts opts = {.chosen_name = true};
    mp_err err;
    err_clear(&err);
    return outfile_write_opts(in_dir("row.pdf"), "%PDF-x", 6, &opts, &err) == 0 ? 0 : 3;
}

static void test_chosen_name(void)
{
    const outfile_opts opts = {.chosen_name = true};
    mp_err err;
    struct stat st;

    /* A symlink to a FIFO is replaced by the file, without a wait. */
    const char *fifo = in_dir("planted.fifo"), *row = in_dir("row.pdf");
    CHECK_INT(mkfifo(fifo, 0600), 0);
    CHECK_INT(symlink(fifo, row), 0);
    CHECK_INT(in_child(child_chosen_fifo_link, 10), 0);
    CHECK(lstat(row, &st) == 0 && S_ISREG(st.st_mode));
    CHECK_STR(slurp(row), "%PDF-x");
    CHECK(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));

    /* A symlink to /dev/null, or to someone's file: the link is replaced,
     * what it points to is not written. */
    CHECK_INT(unlink(row), 0);
    CHECK_INT(symlink("/dev/null", row), 0);
    err_clear(&err);
    CHECK_INT(outfile_write_opts(row, "pdf", 3, &opts, &err), 0);
    CHECK(lstat(row, &st) == 0 && S_ISREG(st.st_mode));
    CHECK_INT(st.st_mode & 07777, 0600);
    CHECK(S_ISCHR(mode_of("/dev/null")));
    const char *victim = in_dir("victim.txt");
    CHECK_INT(outfile_write(victim, "victim", 6, 0600, &err), 0);
    CHECK_INT(unlink(row), 0);
    CHECK_INT(symlink(victim, row), 0);
    CHECK_INT(outfile_write_opts(row, "pdf", 3, &opts, &err), 0);
    CHECK_STR(slurp(victim), "victim");
    CHECK(lstat(row, &st) == 0 && S_ISREG(st.st_mode));

    /* A FIFO itself is not the program's to replace: refused, not opened. */
    CHECK_INT(unlink(row), 0);
    CHECK_INT(mkfifo(row, 0600), 0);
    err_clear(&err);
    CHECK_INT(outfile_write_opts(row, "pdf", 3, &opts, &err), EX_CANTCREAT);
    CHECK_STR(err.msg, "not a regular file, so it is not replaced");
    CHECK_STR(err.file, row);
    CHECK(lstat(row, &st) == 0 && S_ISFIFO(st.st_mode));

    CHECK_INT(unlink(row), 0);
    CHECK_INT(unlink(fifo), 0);
    CHECK_INT(unlink(victim), 0);
    CHECK_INT(hidden_entries(), 0);
}

static void test_no_replace(void)
{
    const outfile_opts opts = {.no_replace = true, .chosen_name = true};
    mp_err err;
    const char *path = in_dir("kept.pdf");
    err_clear(&err);
    CHECK_INT(outfile_write_opts(path, "first", 5, &opts, &err), 0);
    CHECK_STR(slurp(path), "first");

    err_clear(&err);
    CHECK_INT(outfile_write_opts(path, "second", 6, &opts, &err), EX_CANTCREAT);
    CHECK_STR(err.msg, "the file exists");
    CHECK_STR(slurp(path), "first");

    /* A dangling symlink is something in the way too. */
    const char *link = in_dir("dangling.pdf");
    CHECK_INT(symlink("nowhere", link), 0);
    err_clear(&err);
    CHECK_INT(outfile_write_opts(link, "x", 1, &opts, &err), EX_CANTCREAT);
    CHECK_STR(err.msg, "the file exists");
    CHECK_INT(unlink(link), 0);

    /* A file that appears while the output is written is kept: the rename
     * does not replace it. */
    const char *later = in_dir("raced.pdf");
    outfile *o = NULL;
    err_clear(&err);
    CHECK_INT(outfile_open_opts(later, &opts, &o, &err), 0);
    CHECK_INT(outfile_put(o, "ours", 4, &err), 0);
    CHECK_INT(outfile_write(later, "theirs", 6, 0600, &err), 0);
    err_clear(&err);
    CHECK_INT(outfile_commit(o, &err), EX_CANTCREAT);
    CHECK_STR(err.msg, "the file exists (it appeared while this one was written)");
    CHECK_STR(slurp(later), "theirs");

    CHECK_INT(unlink(path), 0);
    CHECK_INT(unlink(later), 0);
    CHECK_INT(hidden_entries(), 0);
}

static void touch(const char *name)
{
    int fd = open(in_dir(name), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_INT(write(fd, "patient data", 12), 12);
        close(fd);
    }
}

/* Child: holds a lock on a temporary file as a live writer would, tells
 * the parent through the pipe, and waits to be killed. */
static int lock_fd[2];
static int child_holds_lock(void)
{
    int fd = open(in_dir(".held.pdf.Hh11Hh.part"), O_RDONLY);
    if (fd < 0 || flock(fd, LOCK_EX) != 0)
        return 2;
    if (write(lock_fd[1], "x", 1) != 1)
        return 3;
    for (;;)
        pause();
}

static void test_remove_stale(void)
{
    mp_err err;
    err_clear(&err);

    /* A file being written holds its lock: another open cannot take it, and
     * no remover removes the file. */
    outfile *o = NULL;
    CHECK_INT(outfile_open(in_dir("live.pdf"), 0600, &o, &err), 0);
    CHECK_INT(outfile_put(o, "half", 4, &err), 0);
    char tmp[256] = "";
    int hidden;
    count_entries(&hidden, tmp, sizeof tmp);
    CHECK_INT(hidden, 1);
    int fd = open(in_dir(tmp), O_RDONLY);
    CHECK(fd >= 0);
    CHECK(flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK);
    close(fd);
    CHECK_INT(outfile_remove_stale(in_dir("live.pdf")), 0);
    CHECK_INT(outfile_remove_stale_in(dir, ".pdf"), 0);
    CHECK(exists(in_dir(tmp)));
    CHECK_INT(outfile_commit(o, &err), 0);
    CHECK_STR(slurp(in_dir("live.pdf")), "half");

    /* Left by writers that are gone: only outfile's own pattern goes. */
    touch(".day.pdf.Ab12Cd.part");   /* stale, of day.pdf */
    touch(".day.pdf.part");          /* not ours: no random part */
    touch(".day.pdf.Ab12C.part");    /* not ours: five characters */
    touch(".day.pdf.Ab12Cde.part");  /* not ours: seven */
    touch(".day.pdf.Ab_2Cd.part");   /* not ours: not mkstemp's alphabet */
    touch("day.pdf.Ab12Cd.part");    /* not ours: not hidden */
    touch(".row.pdf.Xy34Zw.part");   /* stale, of another file */
    touch(".notes.txt.Xy34Zw.part"); /* stale, but not a PDF's */
    CHECK_INT(symlink(in_dir("live.pdf"), in_dir(".day.pdf.Ln00Kk.part")), 0);
    CHECK_INT(mkfifo(in_dir(".day.pdf.Ff00Ff.part"), 0600), 0);
    CHECK_INT(outfile_remove_stale(in_dir("day.pdf")), 1);
    CHECK(!exists(in_dir(".day.pdf.Ab12Cd.part")));
    CHECK(exists(in_dir(".row.pdf.Xy34Zw.part")));
    CHECK_INT(outfile_remove_stale_in(dir, ".pdf"), 1);
    CHECK(!exists(in_dir(".row.pdf.Xy34Zw.part")));
    static const char *const kept[] = {
        ".day.pdf.part",        ".day.pdf.Ab12C.part",  ".day.pdf.Ab12Cde.part",
        ".day.pdf.Ab_2Cd.part", "day.pdf.Ab12Cd.part",  ".notes.txt.Xy34Zw.part",
        ".day.pdf.Ln00Kk.part", ".day.pdf.Ff00Ff.part",
    };
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
        if (!exists(in_dir(kept[i])))
            fprintf(stderr, "removed: %s\n", kept[i]);
        CHECK(exists(in_dir(kept[i])));
        CHECK_INT(unlink(in_dir(kept[i])), 0);
    }
    CHECK_STR(slurp(in_dir("live.pdf")), "half"); /* the symlink's target */
    CHECK_INT(outfile_remove_stale("-"), 0);

    /* Locked by another process: kept while it lives, removed once it is
     * killed (the kernel drops the lock). */
    touch(".held.pdf.Hh11Hh.part");
    CHECK_INT(pipe(lock_fd), 0);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0)
        _exit(child_holds_lock());
    char c;
    CHECK_INT(read(lock_fd[0], &c, 1), 1);
    CHECK_INT(outfile_remove_stale(in_dir("held.pdf")), 0);
    CHECK(exists(in_dir(".held.pdf.Hh11Hh.part")));
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    CHECK_INT(outfile_remove_stale(in_dir("held.pdf")), 1);
    CHECK(!exists(in_dir(".held.pdf.Hh11Hh.part")));
    close(lock_fd[0]);
    close(lock_fd[1]);

    CHECK_INT(unlink(in_dir("live.pdf")), 0);
    CHECK_INT(hidden_entries(), 0);
}

static void test_inputs(void)
{
    mp_err err;
    err_clear(&err);
    char list[512], form[512]; /* in_dir's buffers are reused */
    snprintf(list, sizeof list, "%s", in_dir("list.csv"));
    snprintf(form, sizeof form, "%s", in_dir("form.yaml"));
    CHECK_INT(outfile_write(list, "a,b\n", 4, 0600, &err), 0);
    CHECK_INT(outfile_write(form, "id: x\n", 6, 0600, &err), 0);
    CHECK_INT(symlink(list, in_dir("list-link.csv")), 0);

    outfile_inputs in = {0};
    CHECK_INT(outfile_inputs_add(&in, in_dir("list-link.csv"), "the patient list", &err), 0);
    CHECK_INT(outfile_inputs_add(&in, form, "a form or packet file", &err), 0);
    CHECK_INT(outfile_inputs_add(&in, list, "the patient list", &err), 0); /* the same file */
    CHECK_INT(outfile_inputs_add(&in, "-", "the patient list", &err), 0);
    CHECK_INT(outfile_inputs_add(&in, "/dev/null", "the patient list", &err), 0);
    CHECK_INT(outfile_inputs_add(&in, in_dir("missing"), "the patient list", &err), 0);
    CHECK_INT(in.n, 2);
    int fd = open(list, O_RDONLY); /* standard input redirected from the list */
    CHECK_INT(outfile_inputs_add_fd(&in, fd, "the patient list", &err), 0);
    close(fd);
    CHECK_INT(in.n, 2);
    outfile_inputs other = {0};
    fd = open(list, O_RDONLY);
    CHECK_INT(outfile_inputs_add_fd(&other, fd, "the patient list", &err), 0);
    close(fd);
    CHECK_INT(other.n, 1);
    outfile_inputs_free(&other);

    err_clear(&err);
    CHECK_INT(outfile_check_inputs(&in, list, "--merge", &err), EX_USAGE);
    CHECK_STR(err.msg, "--merge would replace an input of this run (the patient list)");
    CHECK_STR(err.file, list);
    err_clear(&err);
    CHECK_INT(outfile_check_inputs(&in, form, "-o", &err), EX_USAGE);
    CHECK_STR(err.msg, "-o would replace an input of this run (a form or packet file)");
    err_clear(&err);
    CHECK_INT(outfile_check_inputs(&in, in_dir("day.pdf"), "--merge", &err), 0);
    CHECK_INT(outfile_check_inputs(&in, "-", "--merge", &err), 0);
    CHECK_INT(outfile_check_inputs(&in, "/dev/null", "--merge", &err), 0);
    CHECK_INT(err.code, 0);
    outfile_inputs_free(&in);
    CHECK_INT(in.n, 0);

    CHECK(outfile_same_target(list, in_dir("list-link.csv")));
    CHECK(outfile_same_target(in_dir("new.out"), in_dir("./new.out")));
    CHECK(!outfile_same_target(in_dir("new.out"), in_dir("other.out")));
    CHECK(outfile_same_target("-", "-"));
    CHECK(!outfile_same_target("-", list));
    CHECK_INT(unlink(in_dir("list-link.csv")), 0);
    CHECK_INT(unlink(list), 0);
    CHECK_INT(unlink(form), 0);
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
    test_waits_end();
    test_chosen_name();
    test_no_replace();
    test_remove_stale();
    test_inputs();

    remove_tree(dir);
    CHECK(!exists(dir));
    CHECK_DONE();
}
