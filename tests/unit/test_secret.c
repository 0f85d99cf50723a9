/* Unit tests for secret.c: the strength rule (repeats, runs, small alphabets
 * and short secrets refused; random ones of the documented shapes kept), the
 * files a secret may be read from, and new secrets (shape, mode, never over an
 * existing file without force, never through a link). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "secret.h"

static const char *weakness(const char *s)
{
    return secret_weakness(s, strlen(s));
}

static void test_strength(void)
{
    CHECK_STR(weakness("aaaaaaaaaaaaaaaa"), "it has fewer than 32 characters");
    CHECK_STR(weakness("kqzmvtrpwhxlbnydjfgcsaeuoi"), "it has fewer than 32 characters");
    const char *predictable[] = {
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
        "passwordpasswordpasswordpassword",
        "01234567890123456789012345678901",
        "abcdefghijklmnopqrstuvwxyz0123456789",
        "x7Kq9Lm2pR4tZ8wEx7Kq9Lm2pR4tZ8wE", /* a random half, twice */
        "tok-0123456789abcdef0123456789abcdef",
    };
    for (size_t i = 0; i < sizeof predictable / sizeof predictable[0]; i++) {
        const char *why = weakness(predictable[i]);
        CHECK(why && strncmp(why, "it is too predictable", 21) == 0);
        if (!why || strncmp(why, "it is too predictable", 21) != 0)
            fprintf(stderr, "  accepted: %s (%.1f bits)\n", predictable[i],
                    secret_bits(predictable[i], strlen(predictable[i])));
    }
    const char *strong[] = {
        "3f9a0c4e7b21d58e6a0f93c2b7d4e1a8",           /* openssl rand -hex 16 */
        "q8Vn2xLr7KpT4mZs9WcY3hJd6FbN1gRe5UaX0oIiEk", /* base64url, 42 */
        "f47ac10b-58cc-4372-a567-0e02b2c3d479",       /* a random UUID */
    };
    for (size_t i = 0; i < sizeof strong / sizeof strong[0]; i++)
        CHECK(weakness(strong[i]) == NULL);
    char longer[SECRET_MAX_LEN + 2];
    for (size_t i = 0; i < sizeof longer - 1; i++)
        longer[i] = "q8Vn2xLr7KpT4mZs9WcY3hJd6FbN1gRe5UaX0oIiEk"[(i * 7) % 42];
    longer[sizeof longer - 1] = '\0';
    CHECK_STR(weakness(longer), "it has more than 256 characters");
}

static char dir[] = "/tmp/test_secret.XXXXXX";

static const char *at(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void test_create_and_read(void)
{
    arena *a = arena_new();
    mp_err err;
    err_clear(&err);
    CHECK_INT(secret_create(at("k"), false, &err), 0);
    struct stat st;
    CHECK_INT(stat(at("k"), &st), 0);
    CHECK_INT(st.st_mode & 07777, 0600);
    CHECK_INT(st.st_size, SECRET_LEN + 1);
    const char *s = NULL;
    size_t len = 0;
    CHECK_INT(secret_read(at("k"), "key", "make-one", a, &s, &len, &err), 0);
    CHECK_INT(len, SECRET_LEN);
    CHECK(s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                   SECRET_LEN);
    char first[SECRET_LEN + 1];
    snprintf(first, sizeof first, "%s", s ? s : "");

    /* Never over an existing file without force; with it, a new secret. */
    err_clear(&err);
    CHECK_INT(secret_create(at("k"), false, &err), EX_CANTCREAT);
    CHECK_STR(err.msg, "the file exists (--force replaces it)");
    err_clear(&err);
    CHECK_INT(secret_create(at("k"), true, &err), 0);
    CHECK_INT(secret_read(at("k"), "key", "make-one", a, &s, &len, &err), 0);
    CHECK(s && strcmp(s, first) != 0);

    /* 2,000 new secrets: all pass the strength rule. */
    int weak = 0;
    for (int i = 0; i < 2000; i++) {
        err_clear(&err);
        if (secret_create(at("k"), true, &err) ||
            secret_read(at("k"), "key", "make-one", a, &s, &len, &err))
            weak++;
    }
    CHECK_INT(weak, 0);

    /* Never through a link, even with force. */
    CHECK_INT(symlink(at("target"), at("link")), 0);
    err_clear(&err);
    CHECK_INT(secret_create(at("link"), true, &err), EX_CANTCREAT);
    CHECK_STR(err.msg, "is not a regular file: a secret replaces only a regular file");
    CHECK(access(at("target"), F_OK) != 0);

    /* Files others may read or change, FIFOs, and weak content. */
    CHECK_INT(chmod(at("k"), 0640), 0);
    err_clear(&err);
    CHECK_INT(secret_read(at("k"), "key", "make-one", a, &s, &len, &err), EX_CONFIG);
    char want[512];
    snprintf(want, sizeof want, "others can read this key file (mode 0640): chmod 600 %s", at("k"));
    CHECK_STR(err.msg, want);
    CHECK_INT(chmod(at("k"), 0620), 0);
    err_clear(&err);
    CHECK_INT(secret_read(at("k"), "key", "make-one", a, &s, &len, &err), EX_CONFIG);
    snprintf(want, sizeof want, "others can change this key file (mode 0620): chmod 600 %s",
             at("k"));
    CHECK_STR(err.msg, want);
    CHECK_INT(mkfifo(at("fifo"), 0600), 0);
    err_clear(&err);
    CHECK_INT(secret_read(at("fifo"), "key", "make-one", a, &s, &len, &err), EX_CONFIG);
    CHECK_STR(err.msg, "the key file is not a regular file");
    int fd = open(at("weak"), O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0 && write(fd, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 37) == 37);
    close(fd);
    err_clear(&err);
    CHECK_INT(secret_read(at("weak"), "key", "make-one", a, &s, &len, &err), EX_CONFIG);
    CHECK(strncmp(err.msg, "the key is too weak: it is too predictable", 42) == 0);
    fd = open(at("two"), O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0 && write(fd, "q8Vn2xLr7KpT4mZs9WcY3h\nJd6FbN1gRe5UaX0oIiEk\n", 44) == 44);
    close(fd);
    err_clear(&err);
    CHECK_INT(secret_read(at("two"), "key", "make-one", a, &s, &len, &err), EX_CONFIG);
    CHECK_STR(err.msg, "the key file must hold one line of letters, digits and punctuation, "
                       "without spaces");
    fd = open(at("empty"), O_WRONLY | O_CREAT | O_EXCL, 0600);
    close(fd);
    err_clear(&err);
    CHECK_INT(secret_read(at("empty"), "key", "make-one", a, &s, &len, &err), EX_CONFIG);
    CHECK_STR(err.msg, "the key is too weak: it is empty (make-one makes a strong one)");
    err_clear(&err);
    CHECK_INT(secret_read(at("none"), "key", "make-one", a, &s, &len, &err), EX_NOINPUT);
    CHECK_STR(err.msg, "cannot open the key file: No such file or directory");
    arena_free(a);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_strength();
    test_create_and_read();
    const char *names[] = {"k", "link", "fifo", "weak", "two", "empty"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(at(names[i]));
    rmdir(dir);
    CHECK_DONE();
}
