/*
 * fontdir.c — see fontdir.h.
 */
#include "fontdir.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* A font file by its name: .ttf or .otf, in either case. */
static bool is_font_name(const char *n)
{
    return ends_with(n, ".ttf") || ends_with(n, ".TTF") || ends_with(n, ".otf") ||
           ends_with(n, ".OTF");
}

/* name is "stem.ttf", "stem.otf", "*-Stem.ttf" or "*-Stem.otf". */
static bool is_face(const char *n, const char *stem, const char *suffix)
{
    static const char *const ext[] = {".ttf", ".otf"};
    char want[32];
    for (int i = 0; i < 2; i++) {
        snprintf(want, sizeof want, "%s%s", stem, ext[i]);
        if (strcmp(n, want) == 0)
            return true;
        snprintf(want, sizeof want, "%s%s", suffix, ext[i]);
        if (ends_with(n, want))
            return true;
    }
    return false;
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

typedef enum { FAMILY_FOUND, FAMILY_NONE, FAMILY_BAD } family_result;

/* Looks for one family in dir. FAMILY_NONE: the folder has no .ttf or .otf
 * at all (or does not exist); FAMILY_BAD: it has fonts but not a clear
 * family (err set). */
static family_result scan(const char *dir, arena *a, const char **regular, const char **bold,
                          mp_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return FAMILY_NONE;
    const char *reg = NULL, *bld = NULL;
    int any_font = 0, nreg = 0, nbold = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        if (!is_font_name(n))
            continue;
        any_font++;
        if (is_face(n, "regular", "-Regular")) {
            nreg++;
            reg = arena_printf(a, "%s/%s", dir, n);
        } else if (is_face(n, "bold", "-Bold")) {
            nbold++;
            bld = arena_printf(a, "%s/%s", dir, n);
        }
    }
    closedir(d);
    if (!any_font)
        return FAMILY_NONE;
    if (nreg != 1 || nbold != 1) {
        err_set(err, EX_NOINPUT, dir, 0, 0,
                "%s: a font folder needs exactly one regular face (regular.ttf, regular.otf, "
                "*-Regular.ttf or *-Regular.otf) and one bold face (bold.ttf, bold.otf, "
                "*-Bold.ttf or *-Bold.otf); found %d and %d",
                nreg + nbold == 0 ? "no family" : "unclear family", nreg, nbold);
        return FAMILY_BAD;
    }
    if (!reg || !bld || !is_file(reg) || !is_file(bld)) {
        err_set(err, EX_NOINPUT, dir, 0, 0, "font files are not readable regular files");
        return FAMILY_BAD;
    }
    *regular = reg;
    *bold = bld;
    return FAMILY_FOUND;
}

/* A folder the user named must hold a family. */
static int named(const char *dir, const char *how, arena *a, const char **regular,
                 const char **bold, mp_err *err)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return err_set(err, EX_NOINPUT, dir, 0, 0, "font folder (%s) does not exist", how);
    if (!S_ISDIR(st.st_mode))
        return err_set(err, EX_NOINPUT, dir, 0, 0, "font folder (%s) is not a folder", how);
    family_result r = scan(dir, a, regular, bold, err);
    if (r == FAMILY_FOUND)
        return 0;
    if (r == FAMILY_NONE)
        return err_set(err, EX_NOINPUT, dir, 0, 0,
                       "font folder (%s) holds no .ttf or .otf files (it needs regular.ttf and "
                       "bold.ttf, or *-Regular.ttf and *-Bold.ttf; .otf alike)",
                       how);
    return err->code;
}

int fontdir_locate(const char *option_dir, const char *clinic_dir, const char *forms_dir, arena *a,
                   const char **regular, const char **bold, mp_err *err)
{
    if (option_dir)
        return named(option_dir, "--font-dir", a, regular, bold, err);
    const char *env = getenv("MEDPACKET_FONT_DIR");
    if (env && *env)
        return named(env, "MEDPACKET_FONT_DIR", a, regular, bold, err);
    if (clinic_dir)
        return named(clinic_dir, "fonts: in the clinic settings", a, regular, bold, err);
    if (forms_dir) {
        const char *cands[2] = {arena_printf(a, "%s/fonts", forms_dir),
                                arena_printf(a, "%s/../fonts", forms_dir)};
        for (int i = 0; i < 2; i++) {
            if (!cands[i])
                return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
            family_result r = scan(cands[i], a, regular, bold, err);
            if (r == FAMILY_FOUND)
                return 0;
            if (r == FAMILY_BAD)
                return err->code;
        }
    }
    if (is_file(FONTDIR_SYSTEM_REGULAR) && is_file(FONTDIR_SYSTEM_BOLD)) {
        *regular = FONTDIR_SYSTEM_REGULAR;
        *bold = FONTDIR_SYSTEM_BOLD;
        return 0;
    }
    return err_set(err, EX_NOINPUT, NULL, 0, 0,
                   "no font found: install fonts-dejavu-core, put a family in fonts/, or pass "
                   "--font-dir DIR");
}
