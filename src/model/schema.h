/*
 * schema.h — the helpers every YAML loader of the model shares (form.c,
 * packet.c, clinic.c): keys checked against the allowed ones with a
 * did-you-mean hint, typed getters that report where a value is wrong, and
 * paths relative to a file. text_err and node_err, the messages at a place,
 * are declared in form.h, as check, patient, vars and render use them too.
 */
#ifndef MP_SCHEMA_H
#define MP_SCHEMA_H

#include <stdbool.h>

#include "arena.h"
#include "err.h"
#include "form.h"
#include "ydoc.h"

#define OOM(err) err_set((err), EX_OSERR, NULL, 0, 0, "out of memory")

/* "unknown key "stauts" in a form; did you mean "status"?" (where may be
 * NULL): EX_DATAERR at n. */
int schema_unknown_word(mp_err *err, const ydoc *doc, const ynode *n, const char *what,
                        const char *where, const char *const *allowed);
/* Every key of map must be in allowed (NULL-terminated). */
int schema_check_keys(const ydoc *doc, const ynode *map, const char *where,
                      const char *const *allowed, mp_err *err);
/* n must be of kind ("blocks must be a list, not a text"). */
int schema_expect_kind(const ydoc *doc, const ynode *n, ynode_kind kind, const char *what,
                       mp_err *err);
/* A non-empty text (a literal block's lone line breaks made spaces). */
int schema_get_text(const ydoc *doc, const ynode *n, const char *what, mp_text *out, arena *a,
                    mp_err *err);
int schema_get_bool(const ydoc *doc, const ynode *n, const char *what, bool *out, mp_err *err);
/* The value of a key that must be there. */
int schema_required(const ydoc *doc, const ynode *map, const char *key, const char *where,
                    const ynode **out, mp_err *err);
/* A text that may be absent (out left unset). */
int schema_optional_text(const ydoc *doc, const ynode *map, const char *key, mp_text *out, arena *a,
                         mp_err *err);
int schema_required_text(const ydoc *doc, const ynode *map, const char *key, const char *where,
                         mp_text *out, arena *a, mp_err *err);
/* The folder of a file's path ("." for a bare name), and rel joined to it;
 * both in a. */
const char *schema_dir_of(const char *path, arena *a);
const char *schema_join(arena *a, const char *dir, const char *rel);

#endif
