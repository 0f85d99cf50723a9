/*
 * secret.c — see secret.h.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

/* The one line of path into buf (cap bytes, cleansed by the caller): a
 * regular file that neither its group nor others may read or change, of
 * printable ASCII without spaces. *len excludes the line end; a file longer
 * than cap - 3 gives *len past cap - 3, for the caller to refuse. */
static int read_line_file(const char *path, const char *what, char *buf, size_t cap, size_t *lenp,
                          mp_err *err)
{
    /* O_NONBLOCK: a FIFO planted at the path must not hang the program. */
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot open the %s file: %s", what,
                       strerror(errno));
    struct stat st;
    size_t len = 0;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = err_set(err, EX_IOERR, path, 0, 0, "%s", strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = err_set(err, EX_CONFIG, path, 0, 0, "the %s file is not a regular file", what);
    else if (st.st_mode & (S_IRGRP | S_IROTH))
        rc = err_set(err, EX_CONFIG, path, 0, 0,
                     "others can read this %s file (mode %04o): chmod 600 %s", what,
                     (unsigned)(st.st_mode & 07777), path);
    else if (st.st_mode & (S_IWGRP | S_IWOTH))
        rc = err_set(err, EX_CONFIG, path, 0, 0,
                     "others can change this %s file (mode %04o): chmod 600 %s", what,
                     (unsigned)(st.st_mode & 07777), path);
    while (!rc && len < cap) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = err_set(err, EX_IOERR, path, 0, 0, "cannot read the %s file: %s", what,
                         strerror(errno));
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (!rc && len && buf[len - 1] == '\n')
        len--;
    if (!rc && len && buf[len - 1] == '\r')
        len--;
    for (size_t i = 0; !rc && i < len; i++)
        if (buf[i] <= ' ' || buf[i] > '~')
            rc = err_set(err, EX_CONFIG, path, 0, 0,
                         "the %s file must hold one line of letters, digits and punctuation, "
                         "without spaces",
                         what);
    *lenp = len;
    return rc;
}

int secret_read(const char *path, const char *what, const char *maker, arena *a, const char **out,
                size_t *out_len, mp_err *err)
{
    char buf[SECRET_MAX_LEN + 3] = {0};
    size_t len = 0;
    int rc = read_line_file(path, what, buf, sizeof buf, &len, err);
    const char *weak = rc ? NULL : len ? secret_weakness(buf, len) : "it is empty";
    if (weak)
        rc = err_set(err, EX_CONFIG, path, 0, 0, "the %s is too weak: %s (%s makes a strong one)",
                     what, weak, maker);
    char *copy = rc ? NULL : arena_strndup(a, buf, len);
    OPENSSL_cleanse(buf, sizeof buf);
    if (rc)
        return rc;
    if (!copy)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    *out = copy;
    if (out_len)
        *out_len = len;
    return 0;
}

/* Bits per symbol of the frequencies count[0..nbins) over n symbols. */
static double entropy(const unsigned *count, size_t nbins, size_t n)
{
    double h = 0;
    for (size_t i = 0; i < nbins; i++)
        if (count[i]) {
            double p = (double)count[i] / (double)n;
            h -= p * log2(p);
        }
    return h;
}

double secret_bits(const char *s, size_t n)
{
    if (n < 2)
        return 0;
    unsigned chars[256] = {0}, steps[511] = {0};
    for (size_t i = 0; i < n; i++) {
        chars[(unsigned char)s[i]]++;
        if (i)
            steps[(unsigned char)s[i] - (unsigned char)s[i - 1] + 255]++;
    }
    double per_char = entropy(chars, 256, n), per_step = entropy(steps, 511, n - 1);
    if (per_step < per_char)
        per_char = per_step;
    /* A character that ends a three-character sequence seen before adds
     * nothing: "x7Kq9Lm2" twice is no stronger than once. */
    size_t fresh = 2;
    for (size_t i = 2; i < n; i++) {
        bool seen = false;
        for (size_t j = 2; j < i && !seen; j++)
            seen = memcmp(s + j - 2, s + i - 2, 3) == 0;
        fresh += !seen;
    }
    return per_char * (double)fresh;
}

const char *secret_weakness(const char *s, size_t len)
{
    if (len < SECRET_MIN_LEN)
        return "it has fewer than 32 characters";
    if (len > SECRET_MAX_LEN)
        return "it has more than 256 characters";
    if (secret_bits(s, len) < SECRET_MIN_BITS)
        return "it is too predictable (repeats, runs or few different characters); it needs "
               "about 128 random bits, such as 32 random letters and digits";
    return NULL;
}

int secret_create(const char *path, bool force, mp_err *err)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!force)
            return err_set(err, EX_CANTCREAT, path, 0, 0, "the file exists (--force replaces it)");
        if (!S_ISREG(st.st_mode))
            return err_set(err, EX_CANTCREAT, path, 0, 0,
                           "is not a regular file: a secret replaces only a regular file");
    }
    unsigned char raw[32];
    /* getrandom blocks only until the kernel's pool is first seeded. */
    for (size_t got = 0; got < sizeof raw;) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err_set(err, EX_OSERR, NULL, 0, 0, "no random bytes: %s", strerror(errno));
        got += (size_t)n;
    }
    /* base64 of 32 bytes is 44 characters with one '='; base64url drops it
     * and swaps the two characters that a URL or a cookie would escape. */
    unsigned char text[48];
    int n = EVP_EncodeBlock(text, raw, (int)sizeof raw);
    if (n != SECRET_LEN + 1)
        return err_set(err, EX_SOFTWARE, NULL, 0, 0, "base64 gave %d characters", n);
    for (int i = 0; i < SECRET_LEN; i++)
        text[i] = text[i] == '+' ? '-' : text[i] == '/' ? '_' : text[i];
    text[SECRET_LEN] = '\n';
    int rc = outfile_write(path, text, SECRET_LEN + 1, 0600, err);
    OPENSSL_cleanse(raw, sizeof raw);
    OPENSSL_cleanse(text, sizeof text);
    return rc;
}

int secret_read_given(const char *path, const char *what, arena *a, const char **out, mp_err *err)
{
    enum { cap = SECRET_GIVEN_MAX_LEN + 3 };
    char *buf = calloc(1, cap);
    if (!buf)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    size_t len = 0;
    int rc = read_line_file(path, what, buf, cap, &len, err);
    if (!rc && len == 0)
        rc = err_set(err, EX_CONFIG, path, 0, 0, "the %s file is empty", what);
    if (!rc && len > SECRET_GIVEN_MAX_LEN)
        rc = err_set(err, EX_CONFIG, path, 0, 0, "the %s has more than %d characters", what,
                     SECRET_GIVEN_MAX_LEN);
    char *copy = rc ? NULL : arena_strndup(a, buf, len);
    OPENSSL_cleanse(buf, cap);
    free(buf);
    if (rc)
        return rc;
    if (!copy)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    *out = copy;
    return 0;
}
