/*
 * ydoc.h — a YAML document as a tree of nodes that remember where they came
 * from (line, column, byte range), built with libyaml.
 *
 * Everything that reads YAML (forms, packets, clinic settings, patient files)
 * goes through here, so the defences live in one place:
 *   - one document per file; a second document is an error;
 *   - aliases are resolved by sharing the anchored node (no copy), and the
 *     size the tree would have if every alias were expanded is counted as it
 *     is built: past YDOC_MAX_EXPANDED nodes it is an error (billion laughs);
 *   - nesting deeper than YDOC_MAX_DEPTH is an error;
 *   - a file larger than YDOC_MAX_BYTES is an error, and so is one text
 *     (scalar) longer than YDOC_MAX_SCALAR, or more than YDOC_MAX_TEXT bytes
 *     of text once aliases are expanded: whatever the input, the memory a
 *     document takes stays bounded (under 100 MB, bench/README.md);
 *   - a mapping with the same key twice is an error;
 *   - scalars are valid UTF-8 without NUL bytes (libyaml checks the input).
 * All errors are EX_DATAERR with the 1-based line and column of the problem,
 * except I/O errors (EX_NOINPUT when the file cannot be opened, EX_IOERR on a
 * read error).
 */
#ifndef MP_YDOC_H
#define MP_YDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "err.h"

#define YDOC_MAX_EXPANDED 100000
#define YDOC_MAX_DEPTH 64
#define YDOC_MAX_BYTES (8u << 20)
#define YDOC_MAX_SCALAR (64u << 10)
#define YDOC_MAX_TEXT (4u << 20)

typedef enum { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ } ynode_kind;

/* How a scalar was written; plain scalars can be null/bool/number words. */
typedef enum { YSTYLE_PLAIN, YSTYLE_SINGLE, YSTYLE_DOUBLE, YSTYLE_LITERAL, YSTYLE_FOLDED } ystyle;

typedef struct ynode ynode;
struct ynode {
    ynode_kind kind;
    int line, col;     /* 1-based start of the node (of the value, not its key) */
    size_t start, end; /* byte offsets of the node in the source text */
    /* YNODE_SCALAR: the value, NUL-terminated (len excludes the NUL) */
    const char *str;
    size_t len;
    ystyle style;
    /* YNODE_MAP: count pairs keys[i] -> vals[i] in document order (keys are
     * scalars; a non-scalar key is an error). YNODE_SEQ: count items. */
    size_t count;
    ynode **keys;
    ynode **vals;
    ynode **items;
};

typedef struct ydoc {
    const char *path; /* as given to the loader, for messages */
    const char *src;  /* the whole source text, NUL-terminated */
    size_t src_len;
    ynode *root; /* NULL for an empty document */
} ydoc;

/* Loads and parses a file. All memory (tree, source copy, path copy) comes
 * from a; nothing to free but the arena. Returns 0 or a sysexits code. */
int ydoc_load_file(const char *path, arena *a, ydoc *out, mp_err *err);

/* ydoc_load_file into a ydoc allocated in a, for files that must hold
 * something: an empty document is EX_DATAERR "the file is empty". */
int ydoc_open(const char *path, arena *a, ydoc **out, mp_err *err);

/* Parses buf[0..len); name is used in messages. buf is copied into a. */
int ydoc_load_buffer(const char *name, const char *buf, size_t len, arena *a, ydoc *out,
                     mp_err *err);

/* The value for key in a mapping, or NULL (also when map is not a mapping). */
const ynode *ydoc_get(const ynode *map, const char *key);

/* True when a plain scalar spells YAML null ("", "~", "null", "Null", "NULL"). */
bool ydoc_is_null(const ynode *n);

/* Parses a YAML 1.1/1.2 boolean word (true/false/yes/no/on/off, any case
 * usual in YAML). Returns false when n is not a plain boolean scalar. */
bool ydoc_bool(const ynode *n, bool *out);

/* "a mapping", "a list", "a text": for messages like "expected a list, got a text". */
const char *ydoc_kind_name(const ynode *n);

#endif
