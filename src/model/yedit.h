/*
 * yedit.h — a small edit of a YAML file's text that keeps every other byte:
 * its comments, blank lines, quoting, key order and indentation.
 *
 * `medpacket approve` writes the approval record into a form file that
 * people wrote and keep in git; re-emitting the whole document would lose
 * its comments and layout and make the review of the change hard. Instead,
 * one key's value is set in place, using the byte offsets libyaml gives each
 * node (ydoc.h):
 *   - a key that is there has its value's bytes replaced;
 *   - a key that is not is inserted as a new line after the line that ends
 *     a chosen earlier pair, at that pair's indentation (a block mapping), or
 *     before the closing brace (a flow mapping).
 * The value is written plain when YAML reads the plain text back as the same
 * string, else double-quoted with escapes. The caller parses the result
 * again and checks that it says what was meant (cmd_approve.c does).
 */
#ifndef MP_YEDIT_H
#define MP_YEDIT_H

#include <stddef.h>

#include "arena.h"
#include "ydoc.h"

/* doc's text with key set to value in map (a mapping node of doc). When
 * the key is absent, the pair goes after the pair of the last key of after
 * (NULL-terminated, may be NULL) that map holds, else after map's last pair.
 * Returns the new text (NUL-terminated, *len bytes) in a, or NULL when map
 * is not a mapping, value holds a line break, or out of memory. */
char *yedit_set(const ydoc *doc, const ynode *map, const char *key, const char *value,
                const char *const *after, arena *a, size_t *len);

/* value as a YAML scalar on one line: plain when that reads back as value in
 * a block (flow = 0) or flow (flow = 1) context, else double-quoted. In a;
 * NULL out of memory or when value holds a line break. */
char *yedit_scalar(const char *value, int flow, arena *a);

#endif
