/*
 * journal.c — see journal.h.
 */
#include "journal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

bool journal_stderr(void)
{
    static int known = -1;
    if (known < 0) {
        const char *js = getenv("JOURNAL_STREAM");
        char *colon = NULL, *end = NULL;
        errno = 0;
        unsigned long long dev = js ? strtoull(js, &colon, 10) : 0;
        unsigned long long ino = colon && *colon == ':' ? strtoull(colon + 1, &end, 10) : 0;
        struct stat st;
        known = end && end != colon + 1 && !*end && !errno && fstat(STDERR_FILENO, &st) == 0 &&
                (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
    }
    return known;
}

const char *journal_prefix(int priority)
{
    static const char *const prefixes[] = {"<0>", "<1>", "<2>", "<3>", "<4>", "<5>", "<6>", "<7>"};
    return priority < 0 || priority > 7 ? "" : prefixes[priority];
}
