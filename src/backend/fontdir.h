/*
 * fontdir.h — where the fonts come from.
 *
 * The family (a regular and a bold face, each a TrueType .ttf or an
 * OpenType CFF .otf file) is looked for, in order:
 *   1. the folder named by --font-dir (an error if it holds no family),
 *   2. the folder named by $MEDPACKET_FONT_DIR (likewise),
 *   2b. the folder named by `fonts:` in the clinic settings (likewise),
 *   3. fonts/ beside the forms: in the clinic settings' folder or its parent,
 *      skipped when it holds no .ttf or .otf (the shipped fonts/ holds only
 *      a README),
 *   4. Debian's DejaVu Sans (package fonts-dejavu-core).
 * In a folder the regular face is "regular.ttf", "regular.otf",
 * "*-Regular.ttf" or "*-Regular.otf" and the bold face "bold.ttf",
 * "bold.otf", "*-Bold.ttf" or "*-Bold.otf" (case as written); two
 * candidates for one face (Foo-Regular.ttf beside Foo-Regular.otf) is an
 * error, so that the choice is never a surprise.
 */
#ifndef MP_FONTDIR_H
#define MP_FONTDIR_H

#include "arena.h"
#include "err.h"

#define FONTDIR_SYSTEM_REGULAR "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define FONTDIR_SYSTEM_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

/* option_dir may be NULL; forms_dir is the clinic settings' folder (may be
 * NULL). On success regular/bold point to paths in a. EX_NOINPUT when a named
 * folder holds no family or no font is found at all. */
int fontdir_locate(const char *option_dir, const char *clinic_dir, const char *forms_dir, arena *a,
                   const char **regular, const char **bold, mp_err *err);

#endif
