/*
 * ydoc.c — see ydoc.h. The tree is built from libyaml's event stream with an
 * explicit stack of open collections, so hostile nesting cannot exhaust the C
 * stack, and every limit is checked at the event that crosses it: a billion
 * laughs document fails after about 100000 counted nodes, long before
 * anything is expanded.
 *
 * libyaml's marks count characters, not bytes; a cursor over the source turns
 * mark indexes into the byte offsets the header promises.
 */
#include "ydoc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "utf8.h"

/* One hash table serves two lookups: anchors (owner NULL) and the keys seen
 * so far in each mapping (owner is the mapping), so that neither many
 * anchors nor a mapping with many keys costs quadratic time. */
struct name_slot {
    const void *owner;
    const char *name; /* NULL: empty slot */
    size_t len;
    ynode *node;
    size_t expanded; /* anchors: size with aliases expanded; 0 while still open */
    size_t text;     /* anchors: bytes of text with aliases expanded */
};

struct names {
    struct name_slot *slots;
    size_t cap, used;
};

struct frame {
    ynode *node;
    size_t cap_keys, cap_vals, cap_items;
    size_t expanded;    /* 1 + the expanded sizes of the children so far */
    size_t text;        /* the children's bytes of text, aliases expanded */
    const char *anchor; /* the anchor on this collection, or NULL */
    bool want_value;    /* mappings: the next child is a value, not a key */
};

struct builder {
    arena *a;
    const char *name;
    const char *src;
    size_t len;
    size_t bom; /* libyaml drops a leading BOM and counts from after it */
    mp_err *err;
    size_t cur_chr, cur_byte; /* cursor: character index <-> byte offset */
    struct names names;
    struct frame stack[YDOC_MAX_DEPTH];
    size_t depth;
    size_t total;
    size_t total_text; /* bytes of text in scalars, aliases expanded */
    bool saw_alias;
    int docs;
    ynode *root;
};

static uint64_t names_hash(const void *owner, const char *s, size_t n)
{
    uint64_t h = 14695981039346656037u ^ (uint64_t)(uintptr_t)owner;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    /* Pointers are aligned and the table is indexed by the low bits: mix the
     * high bits down so that the empty key of many mappings does not cluster. */
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 32;
    return h;
}

static struct name_slot *names_slot(struct name_slot *slots, size_t cap, const void *owner,
                                    const char *s, size_t n)
{
    size_t i = (size_t)names_hash(owner, s, n) & (cap - 1);
    for (;;) {
        struct name_slot *sl = &slots[i];
        if (!sl->name || (sl->owner == owner && sl->len == n && memcmp(sl->name, s, n) == 0))
            return sl;
        i = (i + 1) & (cap - 1);
    }
}

static struct name_slot *names_find(const struct names *t, const void *owner, const char *s,
                                    size_t n)
{
    if (!t->cap)
        return NULL;
    struct name_slot *sl = names_slot(t->slots, t->cap, owner, s, n);
    return sl->name ? sl : NULL;
}

/* The slot for (owner, s): an existing one, or a new one with name set and
 * the rest zero. s must outlive the table. NULL when out of memory. */
static struct name_slot *names_put(struct names *t, const void *owner, const char *s, size_t n)
{
    if ((t->used + 1) * 2 > t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        struct name_slot *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return NULL;
        for (size_t i = 0; i < t->cap; i++) {
            const struct name_slot *o = &t->slots[i];
            if (o->name)
                *names_slot(ns, ncap, o->owner, o->name, o->len) = *o;
        }
        free(t->slots);
        t->slots = ns;
        t->cap = ncap;
    }
    struct name_slot *sl = names_slot(t->slots, t->cap, owner, s, n);
    if (!sl->name) {
        sl->owner = owner;
        sl->name = s;
        sl->len = n;
        t->used++;
    }
    return sl;
}

static bool is_cont(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

/* Byte offset of libyaml's character index. Marks arrive roughly in order,
 * so the cursor moves a short way each time, in either direction. */
static size_t byte_at(struct builder *b, size_t index)
{
    while (b->cur_chr < index && b->cur_byte < b->len) {
        b->cur_byte++;
        while (b->cur_byte < b->len && is_cont(b->src[b->cur_byte]))
            b->cur_byte++;
        b->cur_chr++;
    }
    while (b->cur_chr > index && b->cur_byte > b->bom) {
        b->cur_byte--;
        while (b->cur_byte > b->bom && is_cont(b->src[b->cur_byte]))
            b->cur_byte--;
        b->cur_chr--;
    }
    return b->cur_byte;
}

/* Line and column (1-based, columns in characters as libyaml counts them) of
 * a byte offset, for problems libyaml reports without a mark. */
static void pos_of_byte(const struct builder *b, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = b->bom; i < off && i < b->len; i++) {
        char ch = b->src[i];
        if (ch == '\n' || (ch == '\r' && (i + 1 >= b->len || b->src[i + 1] != '\n'))) {
            l++;
            c = 1;
        } else if (ch != '\r' && !is_cont(ch)) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static int fail_at(struct builder *b, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct builder *b, const yaml_mark_t *m, const char *fmt, ...)
{
    char msg[sizeof b->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* The input is at most 8 MiB, so lines and columns fit an int. */
    return err_set(b->err, EX_DATAERR, b->name, (int)m->line + 1, (int)m->column + 1, "%s", msg);
}

static int oom(struct builder *b)
{
    return err_set(b->err, EX_OSERR, b->name, 0, 0, "out of memory");
}

/* A key as it goes into a message: long keys are cut at a character boundary. */
static int key_shown(const ynode *k, const char **s)
{
    size_t n = k->len;
    if (n > 60) {
        n = 60;
        while (n > 0 && is_cont(k->str[n]))
            n--;
    }
    *s = n < k->len ? "..." : "";
    return (int)n;
}

static int count_node(struct builder *b, size_t expanded, const yaml_mark_t *m)
{
    b->total += expanded;
    if (b->total <= YDOC_MAX_EXPANDED)
        return 0;
    if (!b->saw_alias)
        return fail_at(b, m, "document has more than %d nodes", YDOC_MAX_EXPANDED);
    return fail_at(b, m, "document expands to more than %d nodes through aliases",
                   YDOC_MAX_EXPANDED);
}

/* Text is bounded as nodes are: what reaches the layout, the fingerprint and
 * the wording, aliases expanded, is at most YDOC_MAX_TEXT bytes, and one
 * scalar at most YDOC_MAX_SCALAR (so that no word's measured width, and no
 * document's memory, can grow past what the engine was sized for). */
static int count_text(struct builder *b, size_t bytes, const yaml_mark_t *m)
{
    b->total_text += bytes;
    if (b->total_text <= YDOC_MAX_TEXT)
        return 0;
    if (!b->saw_alias)
        return fail_at(b, m, "document has more than %u MiB of text", YDOC_MAX_TEXT >> 20);
    return fail_at(b, m, "document expands to more than %u MiB of text through aliases",
                   YDOC_MAX_TEXT >> 20);
}

static bool expecting_key(const struct builder *b)
{
    if (!b->depth)
        return false;
    const struct frame *f = &b->stack[b->depth - 1];
    return f->node->kind == YNODE_MAP && !f->want_value;
}

/* Puts a finished node (or the target of an alias) into the open collection
 * on top of the stack, or makes it the root. m is where it was written. */
static int attach(struct builder *b, ynode *child, size_t expanded, size_t text,
                  const yaml_mark_t *m)
{
    if (!b->depth) {
        b->root = child;
        return 0;
    }
    struct frame *f = &b->stack[b->depth - 1];
    ynode *parent = f->node;
    f->expanded += expanded;
    f->text += text;
    if (parent->kind == YNODE_SEQ) {
        ynode **items =
            arena_grow(b->a, parent->items, &f->cap_items, parent->count + 1, sizeof *items);
        if (!items)
            return oom(b);
        parent->items = items;
        items[parent->count++] = child;
        return 0;
    }
    if (f->want_value) {
        ynode **vals =
            arena_grow(b->a, parent->vals, &f->cap_vals, parent->count + 1, sizeof *vals);
        if (!vals)
            return oom(b);
        parent->vals = vals;
        vals[parent->count++] = child;
        f->want_value = false;
        return 0;
    }
    if (child->kind != YNODE_SCALAR)
        return fail_at(b, m, "a key must be a text, not %s", ydoc_kind_name(child));
    struct name_slot *sl = names_put(&b->names, parent, child->str, child->len);
    if (!sl)
        return oom(b);
    if (sl->node) {
        const char *more;
        int n = key_shown(child, &more);
        return fail_at(b, m, "duplicate key \"%.*s%s\" (first at line %d)", n, child->str, more,
                       sl->node->line);
    }
    sl->node = child;
    ynode **keys = arena_grow(b->a, parent->keys, &f->cap_keys, parent->count + 1, sizeof *keys);
    if (!keys)
        return oom(b);
    parent->keys = keys;
    keys[parent->count] = child;
    f->want_value = true;
    return 0;
}

static ynode *new_node(struct builder *b, ynode_kind kind, const yaml_event_t *ev)
{
    ynode *n = arena_alloc(b->a, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->line = (int)ev->start_mark.line + 1;
    n->col = (int)ev->start_mark.column + 1;
    n->start = byte_at(b, ev->start_mark.index);
    n->end = byte_at(b, ev->end_mark.index);
    return n;
}

/* Records an anchor; a later anchor of the same name replaces it, as YAML
 * says. Returns the arena copy of the name, or NULL when out of memory. */
static const char *define_anchor(struct builder *b, const yaml_char_t *anchor, ynode *n,
                                 size_t expanded, size_t text)
{
    const char *name = arena_strdup(b->a, (const char *)anchor);
    if (!name)
        return NULL;
    struct name_slot *sl = names_put(&b->names, NULL, name, strlen(name));
    if (!sl)
        return NULL;
    sl->node = n;
    sl->expanded = expanded;
    sl->text = text;
    return name;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
    const char *value = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (memchr(value, '\0', len))
        return fail_at(b, &ev->start_mark, "text contains a NUL character");
    if (len > YDOC_MAX_SCALAR)
        return fail_at(b, &ev->start_mark,
                       "a text longer than %u KiB: no paragraph or value is that long (split it)",
                       YDOC_MAX_SCALAR >> 10);
    ynode *n = new_node(b, YNODE_SCALAR, ev);
    if (!n)
        return oom(b);
    n->str = arena_strndup(b->a, value, len);
    if (!n->str)
        return oom(b);
    n->len = len;
    switch (ev->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
        n->style = YSTYLE_SINGLE;
        break;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
        n->style = YSTYLE_DOUBLE;
        break;
    case YAML_LITERAL_SCALAR_STYLE:
        n->style = YSTYLE_LITERAL;
        break;
    case YAML_FOLDED_SCALAR_STYLE:
        n->style = YSTYLE_FOLDED;
        break;
    default:
        n->style = YSTYLE_PLAIN;
        break;
    }
    int rc = count_node(b, 1, &ev->start_mark);
    if (!rc)
        rc = count_text(b, len, &ev->start_mark);
    if (rc)
        return rc;
    if (ev->data.scalar.anchor && !define_anchor(b, ev->data.scalar.anchor, n, 1, len))
        return oom(b);
    return attach(b, n, 1, len, &ev->start_mark);
}

static int on_alias(struct builder *b, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    const struct name_slot *sl = names_find(&b->names, NULL, name, strlen(name));
    if (!sl)
        return fail_at(b, &ev->start_mark, "unknown alias \"*%s\" (no anchor \"&%s\" before it)",
                       name, name);
    if (!sl->expanded)
        return fail_at(b, &ev->start_mark, "alias \"*%s\" is inside the node it refers to", name);
    b->saw_alias = true;
    ynode *target = sl->node;
    size_t expanded = sl->expanded;
    int rc = count_node(b, expanded, &ev->start_mark);
    if (!rc)
        rc = count_text(b, sl->text, &ev->start_mark);
    if (rc)
        return rc;
    return attach(b, target, expanded, sl->text, &ev->start_mark);
}

static int on_collection_start(struct builder *b, const yaml_event_t *ev, ynode_kind kind)
{
    if (b->depth == YDOC_MAX_DEPTH)
        return fail_at(b, &ev->start_mark, "nesting deeper than %d levels", YDOC_MAX_DEPTH);
    ynode *n = new_node(b, kind, ev);
    if (!n)
        return oom(b);
    /* Refuse a collection as a key now, before reading what is inside it. */
    if (expecting_key(b))
        return fail_at(b, &ev->start_mark, "a key must be a text, not %s", ydoc_kind_name(n));
    int rc = count_node(b, 1, &ev->start_mark);
    if (rc)
        return rc;
    const yaml_char_t *anchor =
        kind == YNODE_MAP ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    const char *name = NULL;
    if (anchor && !(name = define_anchor(b, anchor, n, 0, 0)))
        return oom(b);
    struct frame *f = &b->stack[b->depth++];
    memset(f, 0, sizeof *f);
    f->node = n;
    f->expanded = 1;
    f->anchor = name;
    return 0;
}

static int on_collection_end(struct builder *b, const yaml_event_t *ev)
{
    struct frame f = b->stack[--b->depth];
    f.node->end = byte_at(b, ev->end_mark.index);
    if (f.anchor) {
        struct name_slot *sl = names_find(&b->names, NULL, f.anchor, strlen(f.anchor));
        if (sl && sl->node == f.node) { /* not redefined inside itself */
            sl->expanded = f.expanded;
            sl->text = f.text;
        }
    }
    yaml_mark_t m = ev->start_mark;
    m.line = (size_t)f.node->line - 1;
    m.column = (size_t)f.node->col - 1;
    return attach(b, f.node, f.expanded, f.text, &m);
}

static int on_event(struct builder *b, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->docs > 1)
            return fail_at(b, &ev->start_mark,
                           "a second YAML document starts here; a file holds only one");
        return 0;
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev);
    case YAML_ALIAS_EVENT:
        return on_alias(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_collection_start(b, ev, YNODE_SEQ);
    case YAML_MAPPING_START_EVENT:
        return on_collection_start(b, ev, YNODE_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return on_collection_end(b, ev);
    default:
        return 0;
    }
}

static int parser_error(struct builder *b, const yaml_parser_t *p)
{
    int line, col;
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        return oom(b);
    case YAML_READER_ERROR:
        /* The reader gives a byte offset but no mark. Invalid UTF-8 was
         * caught before parsing, so what is left is forbidden characters. */
        pos_of_byte(b, p->problem_offset, &line, &col);
        if (p->problem && strcmp(p->problem, "control characters are not allowed") == 0) {
            if (p->problem_value == 0)
                return err_set(b->err, EX_DATAERR, b->name, line, col,
                               "text contains a NUL character");
            return err_set(b->err, EX_DATAERR, b->name, line, col,
                           "character U+%04X is not allowed in YAML", (unsigned)p->problem_value);
        }
        return err_set(b->err, EX_DATAERR, b->name, line, col, "%s at byte %zu",
                       p->problem ? p->problem : "unreadable text", p->problem_offset);
    case YAML_SCANNER_ERROR:
    case YAML_PARSER_ERROR: {
        const char *problem = p->problem ? p->problem : "error";
        /* A tab where indentation is expected is the most common cause of
         * libyaml's "cannot start any token"; say so plainly. */
        size_t at = byte_at(b, p->problem_mark.index);
        if (at < b->len && b->src[at] == '\t' && strstr(problem, "cannot start any token"))
            return fail_at(b, &p->problem_mark,
                           "YAML syntax: a tab character; indent with spaces, YAML does not "
                           "allow tabs there");
        /* libyaml says where the construct it was reading began (an open
         * quote, a mapping): the place to look when the problem is far below. */
        if (p->context)
            return fail_at(b, &p->problem_mark,
                           "YAML syntax: %s (%s started at line %zu, column %zu)", problem,
                           p->context, (size_t)p->context_mark.line + 1,
                           (size_t)p->context_mark.column + 1);
        return fail_at(b, &p->problem_mark, "YAML syntax: %s", problem);
    }
    default:
        return err_set(b->err, EX_DATAERR, b->name, 0, 0, "YAML error: %s",
                       p->problem ? p->problem : "unknown");
    }
}

static int parse(struct builder *b)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return oom(b);
    yaml_parser_set_input_string(&p, (const unsigned char *)b->src, b->len);
    int rc = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = parser_error(b, &p);
            break;
        }
        bool done = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(b, &ev);
        yaml_event_delete(&ev);
        if (rc || done)
            break;
    }
    yaml_parser_delete(&p);
    return rc;
}

int ydoc_load_buffer(const char *name, const char *buf, size_t len, arena *a, ydoc *out,
                     mp_err *err)
{
    memset(out, 0, sizeof *out);
    if (!name)
        name = "";
    if (len > YDOC_MAX_BYTES)
        return err_set(err, EX_DATAERR, name, 0, 0, "file is larger than 8 MiB");
    char *path = arena_strdup(a, name);
    char *src = arena_strndup(a, buf, len);
    if (!path || !src)
        return err_set(err, EX_OSERR, name, 0, 0, "out of memory");
    out->path = path;
    out->src = src;
    out->src_len = len;

    struct builder b = {.a = a, .name = path, .src = src, .len = len, .err = err};
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
        b.bom = 3;
    b.cur_byte = b.bom;
    /* libyaml would decode UTF-16, and the byte offsets would no longer
     * match the source; forms are UTF-8 throughout. */
    if (len >= 2 && (memcmp(src, "\xFF\xFE", 2) == 0 || memcmp(src, "\xFE\xFF", 2) == 0))
        return err_set(err, EX_DATAERR, path, 1, 1, "text is UTF-16; save it as UTF-8");
    size_t bad;
    if (!utf8_valid(src, len, &bad)) {
        int line, col;
        pos_of_byte(&b, bad, &line, &col);
        return err_set(err, EX_DATAERR, path, line, col, "invalid UTF-8 at byte %zu", bad);
    }

    int rc = parse(&b);
    free(b.names.slots);
    if (rc)
        return rc;
    out->root = b.root;
    return 0;
}

static int cannot(mp_err *err, int code, const char *path, const char *what, int errnum)
{
    char buf[256];
    if (strerror_r(errnum, buf, sizeof buf) != 0)
        snprintf(buf, sizeof buf, "error %d", errnum);
    int rc = err_set(err, code, path, 0, 0, "cannot %s: %s", what, buf);
    if (err)
        err->errnum = errnum;
    return rc;
}

/* Reads the whole file into a malloc'd buffer, refusing more than
 * YDOC_MAX_BYTES without reading further. Works for pipes as well. */
static int read_all(int fd, const char *path, char **out, size_t *out_len, mp_err *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return cannot(err, EX_IOERR, path, "read", errno);
    if (S_ISDIR(st.st_mode))
        return cannot(err, EX_NOINPUT, path, "open", EISDIR);
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > YDOC_MAX_BYTES)
        return err_set(err, EX_DATAERR, path, 0, 0, "file is larger than 8 MiB");
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
    char *buf = malloc(cap);
    if (!buf)
        return err_set(err, EX_OSERR, path, 0, 0, "out of memory");
    size_t len = 0;
    for (;;) {
        if (len == cap) {
            if (cap > YDOC_MAX_BYTES) {
                free(buf);
                return err_set(err, EX_DATAERR, path, 0, 0, "file is larger than 8 MiB");
            }
            size_t ncap =
                cap * 2 > (size_t)YDOC_MAX_BYTES + 1 ? (size_t)YDOC_MAX_BYTES + 1 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return err_set(err, EX_OSERR, path, 0, 0, "out of memory");
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return cannot(err, EX_IOERR, path, "read", e);
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (len > YDOC_MAX_BYTES) {
        free(buf);
        return err_set(err, EX_DATAERR, path, 0, 0, "file is larger than 8 MiB");
    }
    *out = buf;
    *out_len = len;
    return 0;
}

int ydoc_load_file(const char *path, arena *a, ydoc *out, mp_err *err)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cannot(err, EX_NOINPUT, path, "open", errno);
    char *buf = NULL;
    size_t len = 0;
    int rc = read_all(fd, path, &buf, &len, err);
    if (close(fd) != 0 && !rc)
        rc = cannot(err, EX_IOERR, path, "read", errno);
    if (!rc)
        rc = ydoc_load_buffer(path, buf, len, a, out, err);
    free(buf);
    return rc;
}

const ynode *ydoc_get(const ynode *map, const char *key)
{
    if (!map || map->kind != YNODE_MAP || !key)
        return NULL;
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->keys[i]->str, key) == 0)
            return map->vals[i];
    return NULL;
}

static bool is_word(const ynode *n, const char *const *words)
{
    if (!n || n->kind != YNODE_SCALAR || n->style != YSTYLE_PLAIN)
        return false;
    for (; *words; words++)
        if (strcmp(n->str, *words) == 0)
            return true;
    return false;
}

bool ydoc_is_null(const ynode *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    return is_word(n, nulls);
}

bool ydoc_bool(const ynode *n, bool *out)
{
    static const char *const trues[] = {"true", "True", "TRUE", "yes", "Yes",
                                        "YES",  "on",   "On",   "ON",  NULL};
    static const char *const falses[] = {"false", "False", "FALSE", "no",  "No",
                                         "NO",    "off",   "Off",   "OFF", NULL};
    if (is_word(n, trues)) {
        *out = true;
        return true;
    }
    if (is_word(n, falses)) {
        *out = false;
        return true;
    }
    return false;
}

const char *ydoc_kind_name(const ynode *n)
{
    if (!n)
        return "nothing";
    switch (n->kind) {
    case YNODE_MAP:
        return "a mapping";
    case YNODE_SEQ:
        return "a list";
    default:
        return "a text";
    }
}

int ydoc_open(const char *path, arena *a, ydoc **out, mp_err *err)
{
    *out = arena_alloc(a, sizeof **out);
    if (!*out)
        return err_set(err, EX_OSERR, NULL, 0, 0, "out of memory");
    int rc = ydoc_load_file(path, a, *out, err);
    if (rc)
        return rc;
    if (!(*out)->root)
        return err_set(err, EX_DATAERR, path, 0, 0, "the file is empty");
    return 0;
}
