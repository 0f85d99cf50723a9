/*
 * secret.c — see secret.h.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

int secret_read(const char *path, const char *what, arena *a, const char **out, size_t *out_len,
                mp_err *err)
{
    /* O_NONBLOCK: a FIFO planted at the path must not hang the program. */
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, EX_NOINPUT, path, 0, 0, "cannot open the %s file: %s", what,
                       strerror(errno));
    struct stat st;
    char buf[SECRET_MAX_LEN + 2];
    ssize_t n = -1;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = err_set(err, EX_IOERR, path, 0, 0, "%s", strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = err_set(err, EX_CONFIG, path, 0, 0, "the %s file is not a regular file", what);
    else if (st.st_mode & (S_IRGRP | S_IROTH))
        rc = err_set(err, EX_CONFIG, path, 0, 0,
                     "the %s file may be read by others (mode %04o): chmod 600 %s", what,
                     (unsigned)(st.st_mode & 07777), path);
    else if ((n = read(fd, buf, sizeof buf)) < 0)
        rc = err_set(err, EX_IOERR, path, 0, 0, "%s", strerror(errno));
    close(fd);
    if (rc)
        return rc;

    size_t len = (size_t)n;
    if (len && buf[len - 1] == '\n')
        len--;
    if (len && buf[len - 1] == '\r')
        len--;
    if (len == 0)
        return err_set(err, EX_CONFIG, path, 0, 0, "the %s file is empty", what);
    if (len > SECRET_MAX_LEN)
        return err_set(err, EX_CONFIG, path, 0, 0, "the %s is longer than %d characters", what,
                       SECRET_MAX_LEN);
    for (size_t i = 0; i < len; i++)
        if (buf[i] <= ' ' || buf[i] > '~')
            return err_set(err, EX_CONFIG, path, 0, 0,
                           "the %s file must hold one line of letters, digits and punctuation, "
                           "without spaces",
                           what);
    const char *weak = secret_weakness(buf, len);
    if (weak)
        return err_set(err, EX_CONFIG, path, 0, 0,
                       "the %s is too weak: %s (medpacket new-key FILE makes a strong one)", what,
                       weak);
    char *copy = arena_strndup(a, buf, len);
    if (!copy)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    *out = copy;
    if (out_len)
        *out_len = len;
    return 0;
}

const char *secret_weakness(const char *s, size_t len)
{
    if (len < SECRET_MIN_LEN)
        return "it has fewer than 32 characters";
    bool seen[256] = {false};
    int distinct = 0;
    for (size_t i = 0; i < len; i++)
        if (!seen[(unsigned char)s[i]]) {
            seen[(unsigned char)s[i]] = true;
            distinct++;
        }
    if (distinct < SECRET_MIN_DISTINCT)
        return "it repeats too few different characters";
    return NULL;
}

int secret_create(const char *path, bool force, mp_err *err)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!force)
            return err_set(err, EX_CANTCREAT, path, 0, 0,
                           "already exists; a new secret replaces it only with --force");
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
