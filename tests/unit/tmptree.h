/* A temporary folder a unit test writes its files into (tmptree_open), and
 * removes whole at the end (tmptree_close): the files and folders it made,
 * in the reverse order. Paths live in the arena given at open. Failures
 * count as failed checks (check.h). One tree per test binary. */
#ifndef MP_TEST_TMPTREE_H
#define MP_TEST_TMPTREE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"

static char tmptree_dir[64];
static arena *tmptree_arena;
static const char *tmptree_made[128]; /* files and folders to remove, in creation order */
static int tmptree_n;

/* Makes /tmp/mp-test-NAME-XXXXXX; false (with a message) when it cannot. */
static bool tmptree_open(const char *name, arena *a)
{
    snprintf(tmptree_dir, sizeof tmptree_dir, "/tmp/mp-test-%s-XXXXXX", name);
    tmptree_arena = a;
    if (!mkdtemp(tmptree_dir)) {
        perror(tmptree_dir);
        return false;
    }
    return true;
}

/* tmp/rel, in the arena. */
static const char *at(const char *rel)
{
    return arena_printf(tmptree_arena, "%s/%s", tmptree_dir, rel);
}

static void remember(const char *path)
{
    if (tmptree_n < (int)(sizeof tmptree_made / sizeof tmptree_made[0]))
        tmptree_made[tmptree_n++] = path;
    else
        fprintf(stderr, "too many temporary files; %s is left behind\n", path);
}

/* Makes the folder tmp/rel and returns its path. */
static const char *mkdir_rel(const char *rel)
{
    const char *path = at(rel);
    if (mkdir(path, 0700) != 0) {
        perror(path);
        check_failures++;
    } else {
        remember(path);
    }
    return path;
}

/* Writes text to tmp/rel (its folder must exist) and returns the full path. */
static const char *put(const char *rel, const char *text)
{
    const char *path = at(rel);
    struct stat st;
    bool existed = stat(path, &st) == 0;
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        perror(path);
        check_failures++;
        return path;
    }
    if (!existed)
        remember(path);
    return path;
}

/* Removes what the test made, then the folder. */
static void tmptree_close(void)
{
    for (int i = tmptree_n - 1; i >= 0; i--)
        if (remove(tmptree_made[i]) != 0)
            perror(tmptree_made[i]);
    if (rmdir(tmptree_dir) != 0)
        perror(tmptree_dir);
}

#endif
