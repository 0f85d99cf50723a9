/*
 * brkpool.c — see brkpool.h. The cache is the one piece of process-wide
 * state in the text stage: the prototypes are immutable once opened (no
 * text is ever set on them), so sharing them across --jobs threads only
 * needs the mutex around lookup and cloning.
 */
#include "brkpool.h"

#include <pthread.h>
#include <string.h>

/* A document uses one or two languages; the cap keeps a stream of unusual
 * language tags from growing the cache without bound (past it, iterators
 * are opened per call: slower, still correct). */
#define BRKPOOL_MAX 16
#define BRKPOOL_LOCALE_MAX 64

typedef struct brkpool_entry {
    UBreakIteratorType type;
    char locale[BRKPOOL_LOCALE_MAX];
    UBreakIterator *proto;
} brkpool_entry;

static pthread_mutex_t brkpool_lock = PTHREAD_MUTEX_INITIALIZER;
static brkpool_entry brkpool_entries[BRKPOOL_MAX];
static size_t brkpool_count;

UBreakIterator *brkpool_take(UBreakIteratorType type, const char *locale, UErrorCode *err)
{
    if (U_FAILURE(*err))
        return NULL;
    size_t n = strlen(locale);
    if (n >= BRKPOOL_LOCALE_MAX)
        return ubrk_open(type, locale, NULL, 0, err);

    UBreakIterator *clone = NULL;
    pthread_mutex_lock(&brkpool_lock);
    brkpool_entry *e = NULL;
    for (size_t i = 0; i < brkpool_count; i++) {
        if (brkpool_entries[i].type == type && strcmp(brkpool_entries[i].locale, locale) == 0) {
            e = &brkpool_entries[i];
            break;
        }
    }
    if (!e && brkpool_count < BRKPOOL_MAX) {
        UBreakIterator *proto = ubrk_open(type, locale, NULL, 0, err);
        if (U_SUCCESS(*err)) {
            e = &brkpool_entries[brkpool_count++];
            e->type = type;
            memcpy(e->locale, locale, n + 1);
            e->proto = proto;
        }
    }
    if (e)
        clone = ubrk_clone(e->proto, err);
    pthread_mutex_unlock(&brkpool_lock);

    if (!e && U_SUCCESS(*err))
        clone = ubrk_open(type, locale, NULL, 0, err);
    if (U_FAILURE(*err)) {
        if (clone)
            ubrk_close(clone);
        return NULL;
    }
    return clone;
}

void brkpool_cleanup(void)
{
    pthread_mutex_lock(&brkpool_lock);
    for (size_t i = 0; i < brkpool_count; i++) {
        ubrk_close(brkpool_entries[i].proto);
        brkpool_entries[i].proto = NULL;
    }
    brkpool_count = 0;
    pthread_mutex_unlock(&brkpool_lock);
}
