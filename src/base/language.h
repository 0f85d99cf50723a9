/*
 * language.h — languages as patient data, options and forms name them,
 * understood through ICU and its CLDR data rather than tables of our own: a
 * BCP 47 tag in any spelling, or a language's name in English or in itself,
 * resolved to one canonical tag; how well a form in one language serves a
 * reader who asked for another; a language's name for people.
 *
 * Thread-safe (serve answers requests on several threads, batch renders on
 * --jobs): the table of names is built once per process, on first use, and
 * the display-name objects are shared under a lock.
 */
#ifndef MP_LANGUAGE_H
#define MP_LANGUAGE_H

#include <stdbool.h>
#include <stddef.h>

/* Room for any tag this module writes ("pa-Guru-IN", "ar-u-nu-latn"). */
#define LANGUAGE_TAG_MAX 64

/* The canonical BCP 47 tag of s, in tag[size]: a tag in any case, with "-"
 * or "_" ("zh_TW" is "zh-TW", "ES-mx" "es-MX", "iw" "he"), or the name of a
 * language, a script form or a regional form in English or in itself, in
 * any case ("Spanish" and "Español" are "es", "中文" "zh", "Traditional
 * Chinese" and "繁體中文" "zh-Hant", "Mexican Spanish" "es-MX"). Spaces
 * around s do not count. False, with tag "", when s names no language ICU
 * knows ("xx", "und", "Klingonese", "") or the tag does not fit. */
bool language_resolve(const char *s, char *tag, size_t size);

/* How well a form in language `offered` serves a reader who asked for
 * `wanted` (both canonical tags, as language_resolve writes them), best
 * first. The script of each is its script subtag or else the one its
 * language and region are likely written in (CLDR likely subtags: zh-TW is
 * Hant, zh-CN Hans, zh Hans, sr Cyrl). */
typedef enum {
    LANGUAGE_EXACT,        /* the same tag */
    LANGUAGE_CLOSE,        /* same language, script and likely region (es-US for es-MX is not) */
    LANGUAGE_COMPATIBLE,   /* same language and script, or wanted names the language alone
                            * ("zh", "Chinese": any Chinese form serves) */
    LANGUAGE_OTHER_SCRIPT, /* same language written in another script: a fallback */
    LANGUAGE_OTHER,        /* another language */
} language_fit;

language_fit language_fit_of(const char *wanted, const char *offered);

/* The name of language tag for people, written into buf[size] like
 * snprintf (returns the length it needed). in NULL: the language's own name
 * ("Español", "العربية", "繁體中文"), as the language's speakers look for it
 * in a list or menu (CLDR's capitalisation for one); in "en": its English
 * name ("Spanish", "Traditional Chinese"). The tag itself when ICU has no
 * name for it. */
size_t language_name(const char *tag, const char *in, char *buf, size_t size);

/* Closes the shared ICU objects; for the process's exit, before u_cleanup()
 * (text_cleanup calls it). */
void language_cleanup(void);

#endif
