/*
 * fontset.h — the faces a document draws with: the clinic's family first,
 * then, for characters the family lacks, a face per script found with
 * fontconfig (Noto Sans Arabic for Arabic, Noto Sans CJK for Han, ...).
 *
 * Faces are numbered from 0: 0 is the family's regular face, 1 its bold,
 * and fallback faces follow in the order they were first needed. A file and
 * face index is opened once whatever asks for it, so a face number names a
 * font file for the whole run (the manifest lists them, fontset_describe()).
 *
 * A fontset is shared by the threads that render a batch: every function
 * here is safe to call from several threads at once (except fontset_free()).
 * The family's own characters are answered without a lock; fallback lookups
 * take one and are remembered per (style, code point, language).
 */
#ifndef MP_FONTSET_H
#define MP_FONTSET_H

#include <stdint.h>

#include "err.h"
#include "font.h"

/* Faces a fontset can hold, the family's two included: the table never
 * moves, so readers need no lock. Far more scripts than a form will use. */
#define FONTSET_MAX 64

typedef struct fontset fontset;

/* Opens the family: regular becomes face 0 and bold face 1 (bold may name
 * the same file as regular; then both numbers show that one face). Errors
 * are font_open_face()'s, or EX_OSERR. Free with fontset_free(). */
int fontset_open(const char *regular, const char *bold, fontset **out, mp_err *err);

/* Closes every face and releases the fontconfig configuration. */
void fontset_free(fontset *fs);

/* The face drawing cp in style (0 regular, 1 bold) for text in language
 * lang (a BCP 47 tag such as "ja" or "zh-TW", or NULL): the family's face
 * when it has cp, else the first face fontconfig ranks for cp (sans-serif,
 * the style's weight, lang) whose file really maps cp. Returns the face
 * number, or -1 when no installed font has cp (or the table is full). The
 * same question always gets the same answer. */
int fontset_face_for(fontset *fs, int style, uint32_t cp, const char *lang);

/* Face number face, or NULL when out of range. It belongs to fs. */
const mp_font *fontset_font(const fontset *fs, int face);

int fontset_count(const fontset *fs);

/* "path#index", or the path alone for face index 0: the font file a face
 * came from, for the manifest and `check --json`. NULL when out of range;
 * the string belongs to fs. */
const char *fontset_describe(const fontset *fs, int face);

/* Releases fontconfig's process-wide state (FcFini), once no fontset is
 * left, so that leak checkers see a clean exit. */
void fontset_cleanup(void);

#endif
