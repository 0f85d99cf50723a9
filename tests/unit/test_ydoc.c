/* Unit tests for ydoc.c: positions, the tree, and every defence the header
 * promises (each with the exact message and place a user would see). */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "ydoc.h"

static arena *a;

static int load(const char *text, ydoc *d, mp_err *e)
{
    err_clear(e);
    return ydoc_load_buffer("t.yaml", text, strlen(text), a, d, e);
}

/* Loads text (len bytes) expecting an EX_DATAERR at line:col with msg. */
static void expect_err_n(int src_line, const char *text, size_t len, int line, int col,
                         const char *msg)
{
    ydoc d;
    mp_err e;
    err_clear(&e);
    int rc = ydoc_load_buffer("t.yaml", text, len, a, &d, &e);
    if (rc != EX_DATAERR || e.line != line || e.col != col || strcmp(e.msg, msg) != 0 ||
        strcmp(e.file, "t.yaml") != 0) {
        fprintf(stderr, "%s:%d: got rc %d at %s:%d:%d \"%s\", want rc %d at t.yaml:%d:%d \"%s\"\n",
                __FILE__, src_line, rc, e.file, e.line, e.col, e.msg, EX_DATAERR, line, col, msg);
        check_failures++;
    }
    CHECK(d.root == NULL);
}

#define EXPECT_ERR(text, line, col, msg) expect_err_n(__LINE__, text, strlen(text), line, col, msg)

static const char form[] = "title: Consent for knee surgery\n" /* line 1 */
                           "version: 3\n"                      /* 2 */
                           "blocks:\n"                         /* 3 */
                           "  - heading: Risks\n"              /* 4 */
                           "    items:\n"                      /* 5 */
                           "      - Bleeding\n"                /* 6 */
                           "      - 'Infection'\n"             /* 7 */
                           "      - \"Blood clots\"\n"         /* 8 */
                           "  - text: |\n"                     /* 9 */
                           "      Line one\n"                  /* 10 */
                           "      Line two\n"                  /* 11 */
                           "  - note: >\n"                     /* 12 */
                           "      folded\n"                    /* 13 */
                           "      text\n"                      /* 14 */
                           "signed: yes\n"                     /* 15 */
                           "witness:\n"                        /* 16 */
                           "tags: [a, {k: v}]\n";              /* 17 */

static size_t offset_of(const char *needle)
{
    return (size_t)(strstr(form, needle) - form);
}

static void test_form(void)
{
    ydoc d;
    mp_err e;
    CHECK_INT(load(form, &d, &e), 0);
    CHECK_STR(d.path, "t.yaml");
    CHECK_INT(d.src_len, strlen(form));
    CHECK(d.src != form && strcmp(d.src, form) == 0);
    const ynode *root = d.root;
    CHECK(root && root->kind == YNODE_MAP);
    if (!root || root->kind != YNODE_MAP)
        return;
    CHECK_INT(root->line, 1);
    CHECK_INT(root->col, 1);
    CHECK_INT(root->start, 0);
    CHECK_INT(root->count, 6);
    CHECK_STR(root->keys[0]->str, "title");
    CHECK_STR(root->keys[5]->str, "tags");

    const ynode *title = ydoc_get(root, "title");
    CHECK_STR(title->str, "Consent for knee surgery");
    CHECK_INT(title->len, 24);
    CHECK_INT(title->line, 1);
    CHECK_INT(title->col, 8);
    CHECK_INT(title->start, 7);
    CHECK_INT(title->end, 31);
    CHECK_INT(title->style, YSTYLE_PLAIN);

    const ynode *blocks = ydoc_get(root, "blocks");
    CHECK_INT(blocks->kind, YNODE_SEQ);
    CHECK_INT(blocks->count, 3);
    CHECK_INT(blocks->line, 4);
    CHECK_INT(blocks->col, 3);
    CHECK_INT(blocks->start, offset_of("- heading"));

    const ynode *risks = blocks->items[0];
    CHECK_INT(risks->kind, YNODE_MAP);
    CHECK_INT(risks->line, 4);
    CHECK_INT(risks->col, 5);
    CHECK_STR(ydoc_get(risks, "heading")->str, "Risks");
    CHECK_INT(ydoc_get(risks, "heading")->col, 14);
    const ynode *items = ydoc_get(risks, "items");
    CHECK_INT(items->kind, YNODE_SEQ);
    CHECK_INT(items->count, 3);
    CHECK_INT(items->line, 6);
    CHECK_INT(items->col, 7);
    CHECK_STR(items->items[0]->str, "Bleeding");
    CHECK_INT(items->items[0]->line, 6);
    CHECK_INT(items->items[0]->col, 9);
    CHECK_STR(items->items[1]->str, "Infection");
    CHECK_INT(items->items[1]->style, YSTYLE_SINGLE);
    CHECK_INT(items->items[1]->line, 7);
    CHECK_INT(items->items[1]->col, 9); /* the quote */
    CHECK_INT(items->items[1]->start, offset_of("'Infection'"));
    CHECK_INT(items->items[1]->end, offset_of("'Infection'") + 11);
    CHECK_STR(items->items[2]->str, "Blood clots");
    CHECK_INT(items->items[2]->style, YSTYLE_DOUBLE);
    CHECK_INT(items->items[2]->line, 8);
    CHECK_INT(items->items[2]->col, 9);

    const ynode *lit = ydoc_get(blocks->items[1], "text");
    CHECK_STR(lit->str, "Line one\nLine two\n");
    CHECK_INT(lit->style, YSTYLE_LITERAL);
    CHECK_INT(lit->line, 9);
    CHECK_INT(lit->col, 11);
    CHECK_INT(lit->start, offset_of("|"));
    CHECK_INT(lit->end, offset_of("  - note"));

    const ynode *fold = ydoc_get(blocks->items[2], "note");
    CHECK_STR(fold->str, "folded text\n");
    CHECK_INT(fold->style, YSTYLE_FOLDED);
    CHECK_INT(fold->line, 12);
    CHECK_INT(fold->col, 11);
    CHECK_INT(fold->start, offset_of(">"));
    CHECK_INT(fold->end, offset_of("signed"));

    bool b = false;
    CHECK(ydoc_bool(ydoc_get(root, "signed"), &b));
    CHECK(b);
    const ynode *witness = ydoc_get(root, "witness");
    CHECK(ydoc_is_null(witness));
    CHECK_INT(witness->line, 16); /* libyaml puts a missing value after the colon */
    CHECK_INT(witness->col, 9);

    const ynode *tags = ydoc_get(root, "tags");
    CHECK_INT(tags->kind, YNODE_SEQ);
    CHECK_INT(tags->line, 17);
    CHECK_INT(tags->col, 7);
    CHECK_INT(tags->start, offset_of("[a"));
    CHECK_INT(tags->end, offset_of("[a") + 11);
    CHECK_INT(tags->count, 2);
    CHECK_INT(tags->items[1]->kind, YNODE_MAP);
    CHECK_INT(tags->items[1]->col, 11);
    CHECK_STR(ydoc_get(tags->items[1], "k")->str, "v");
    CHECK_INT(ydoc_get(tags->items[1], "k")->col, 15);

    CHECK(ydoc_get(root, "nope") == NULL);
    CHECK(ydoc_get(tags, "a") == NULL); /* not a mapping */
    CHECK(ydoc_get(NULL, "a") == NULL);
    CHECK_STR(ydoc_kind_name(root), "a mapping");
    CHECK_STR(ydoc_kind_name(tags), "a list");
    CHECK_STR(ydoc_kind_name(title), "a text");
}

/* libyaml counts characters; the node's start/end must still be bytes. */
static void test_offsets(void)
{
    ydoc d;
    mp_err e;
    CHECK_INT(load("name: Nguy\xE1\xBB\x85n\nnext: x\n", &d, &e), 0);
    const ynode *name = ydoc_get(d.root, "name");
    CHECK_INT(name->start, 6);
    CHECK_INT(name->end, 14);
    const ynode *next = ydoc_get(d.root, "next");
    CHECK_INT(next->line, 2);
    CHECK_INT(next->col, 7);
    CHECK_INT(next->start, 21);
    CHECK_INT(d.src[next->start], 'x');

    CHECK_INT(load("\xEF\xBB\xBF"
                   "a: b\n",
                   &d, &e),
              0); /* BOM */
    const ynode *v = ydoc_get(d.root, "a");
    CHECK_INT(v->line, 1);
    CHECK_INT(v->col, 4);
    CHECK_INT(v->start, 6);
    CHECK_INT(d.src[v->start], 'b');

    CHECK_INT(load("a: 1\r\nb: '\xC3\xA9'\r\nc: 3\r\n", &d, &e), 0); /* CRLF */
    v = ydoc_get(d.root, "c");
    CHECK_INT(v->line, 3);
    CHECK_INT(v->col, 4);
    CHECK_INT(v->start, 18);
    CHECK_INT(d.src[v->start], '3');
}

static void test_scalars(void)
{
    ydoc d;
    mp_err e;
    CHECK_INT(load("t1: true\nt2: Yes\nt3: ON\nf1: False\nf2: no\nf3: off\n"
                   "q: 'yes'\nm: maybe\nn1: ~\nn2: null\nn3: NULL\nn4:\nn5: 'null'\nn6: \"\"\n"
                   "tagged: !!str on\n",
                   &d, &e),
              0);
    bool b = false;
    CHECK(ydoc_bool(ydoc_get(d.root, "t1"), &b) && b);
    b = false;
    CHECK(ydoc_bool(ydoc_get(d.root, "t2"), &b) && b);
    b = false;
    CHECK(ydoc_bool(ydoc_get(d.root, "t3"), &b) && b);
    b = true;
    CHECK(ydoc_bool(ydoc_get(d.root, "f1"), &b) && !b);
    b = true;
    CHECK(ydoc_bool(ydoc_get(d.root, "f2"), &b) && !b);
    b = true;
    CHECK(ydoc_bool(ydoc_get(d.root, "f3"), &b) && !b);
    CHECK(!ydoc_bool(ydoc_get(d.root, "q"), &b)); /* quoted: a text */
    CHECK(!ydoc_bool(ydoc_get(d.root, "m"), &b));
    CHECK(!ydoc_bool(d.root, &b));
    CHECK(!ydoc_bool(NULL, &b));
    /* Tags are ignored: the value is still a plain word. */
    b = false;
    CHECK(ydoc_bool(ydoc_get(d.root, "tagged"), &b) && b);

    CHECK(ydoc_is_null(ydoc_get(d.root, "n1")));
    CHECK(ydoc_is_null(ydoc_get(d.root, "n2")));
    CHECK(ydoc_is_null(ydoc_get(d.root, "n3")));
    CHECK(ydoc_is_null(ydoc_get(d.root, "n4")));
    CHECK(!ydoc_is_null(ydoc_get(d.root, "n5")));
    CHECK(!ydoc_is_null(ydoc_get(d.root, "n6")));
    CHECK(!ydoc_is_null(ydoc_get(d.root, "m")));
    CHECK(!ydoc_is_null(d.root));
    CHECK(!ydoc_is_null(NULL));
}

static void test_empty(void)
{
    ydoc d;
    mp_err e;
    CHECK_INT(load("", &d, &e), 0);
    CHECK(d.root == NULL);
    CHECK_STR(d.src, "");
    CHECK_INT(load("# just a comment\n\n", &d, &e), 0);
    CHECK(d.root == NULL);
    CHECK_INT(ydoc_load_buffer("t.yaml", NULL, 0, a, &d, &e), 0);
    CHECK(d.root == NULL);
    /* An explicit but empty document is a null scalar. */
    CHECK_INT(load("---\n", &d, &e), 0);
    CHECK(ydoc_is_null(d.root));
    CHECK_INT(load("a: 1\n...\n", &d, &e), 0); /* an end marker is not a second document */
}

static void test_aliases(void)
{
    ydoc d;
    mp_err e;
    CHECK_INT(load("base: &b {x: 1, y: [2, 3]}\nuse: *b\nagain: *b\n", &d, &e), 0);
    const ynode *base = ydoc_get(d.root, "base");
    CHECK(base && base->kind == YNODE_MAP);
    CHECK(ydoc_get(d.root, "use") == base);
    CHECK(ydoc_get(d.root, "again") == base);
    CHECK_STR(ydoc_get(ydoc_get(d.root, "use"), "x")->str, "1");

    /* A later anchor of the same name wins, as YAML says. */
    CHECK_INT(load("a: &x 1\nb: &x 2\nc: *x\n", &d, &e), 0);
    CHECK_STR(ydoc_get(d.root, "c")->str, "2");
    /* An alias may be a key when it names a text. */
    CHECK_INT(load("k: &k name\n*k : v\n", &d, &e), 0);
    CHECK_STR(ydoc_get(d.root, "name")->str, "v");

    EXPECT_ERR("a: *nope\n", 1, 4, "unknown alias \"*nope\" (no anchor \"&nope\" before it)");
    EXPECT_ERR("a: &x [1, *x]\n", 1, 11, "alias \"*x\" is inside the node it refers to");
    EXPECT_ERR("l: &l [1]\n*l : v\n", 2, 1, "a key must be a text, not a list");
    EXPECT_ERR("k: &k name\nname: 1\n*k : 2\n", 3, 1, "duplicate key \"name\" (first at line 2)");
}

/* Nine levels of ten aliases each would expand to a billion nodes. */
static void test_billion_laughs(void)
{
    char text[1024];
    size_t n = 0;
    n += (size_t)snprintf(text + n, sizeof text - n, "a: &a [");
    for (int i = 0; i < 10; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s\"lol\"", i ? ", " : "");
    n += (size_t)snprintf(text + n, sizeof text - n, "]\n");
    for (char c = 'b'; c <= 'i'; c++) {
        n += (size_t)snprintf(text + n, sizeof text - n, "%c: &%c [", c, c);
        for (int i = 0; i < 10; i++)
            n += (size_t)snprintf(text + n, sizeof text - n, "%s*%c", i ? ", " : "", c - 1);
        n += (size_t)snprintf(text + n, sizeof text - n, "]\n");
    }
    size_t before = arena_used(a);
    /* a is 11 nodes, b 111, c 1111, d 11111: 12351 counted when e's list
     * opens, and the 8th "*d" in it (column 8 + 4*7) passes 100000. */
    EXPECT_ERR(text, 5, 36, "document expands to more than 100000 nodes through aliases");
    CHECK(arena_used(a) - before < 64 * 1024);

    /* The same limit without aliases gets a message that does not blame them. */
    size_t len = 1 + 2 * 100001;
    char *big = malloc(len + 1);
    CHECK(big != NULL);
    if (!big)
        return;
    big[0] = '[';
    for (size_t i = 0; i < 100001; i++)
        memcpy(big + 1 + 2 * i, i < 100000 ? "1," : "1]", 2);
    big[len] = '\0';
    expect_err_n(__LINE__, big, len, 1, 2 + 2 * 99999, "document has more than 100000 nodes");
    free(big);
}

static void test_depth(void)
{
    char text[256];
    memset(text, '[', 100);
    text[100] = '\0';
    EXPECT_ERR(text, 1, 65, "nesting deeper than 64 levels");

    /* 64 levels are fine, and so is a block nesting of the same depth. */
    memset(text, '[', 64);
    memset(text + 64, ']', 64);
    text[128] = '\0';
    ydoc d;
    mp_err e;
    CHECK_INT(load(text, &d, &e), 0);
    const ynode *n = d.root;
    int depth = 0;
    while (n && n->kind == YNODE_SEQ) {
        depth++;
        n = n->count ? n->items[0] : NULL;
    }
    CHECK_INT(depth, 64);
}

static void test_errors(void)
{
    /* A key indented under a plain scalar. */
    EXPECT_ERR("name: x\n  bad: 1\n", 2, 6,
               "YAML syntax: mapping values are not allowed in this context");
    /* A key less indented than its siblings. */
    EXPECT_ERR("risks:\n  bleeding: rare\n infection: rare\n", 3, 2,
               "YAML syntax: did not find expected key (while parsing a block mapping started at "
               "line 1, column 1)");
    EXPECT_ERR("a: [1, 2\n", 2, 1,
               "YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence "
               "started at line 1, column 4)");

    EXPECT_ERR("risks: a\nbenefits: b\nrisks: c\n", 3, 1,
               "duplicate key \"risks\" (first at line 1)");
    EXPECT_ERR("- {a: 1, b: 2, a: 3}\n", 1, 16, "duplicate key \"a\" (first at line 1)");
    EXPECT_ERR("? [a]\n: b\n", 1, 3, "a key must be a text, not a list");
    EXPECT_ERR("{{a: 1}: b}\n", 1, 2, "a key must be a text, not a mapping");
    EXPECT_ERR("a: 1\n---\nb: 2\n", 2, 1,
               "a second YAML document starts here; a file holds only one");
    EXPECT_ERR("--- a\n--- b\n", 2, 1, "a second YAML document starts here; a file holds only one");

    EXPECT_ERR("a: b\xFF\n", 1, 5, "invalid UTF-8 at byte 4");
    EXPECT_ERR("a: ok\nb: \xC3\xA9\xC0\xAF\n", 2, 5, "invalid UTF-8 at byte 11"); /* overlong */
    EXPECT_ERR("\xFF\xFE"
               "a\0:\0",
               1, 1, "text is UTF-16; save it as UTF-8");
    EXPECT_ERR("a: \"b\\0c\"\n", 1, 4, "text contains a NUL character");
    expect_err_n(__LINE__, "a: b\nc: d\0e\n", 11, 2, 5, "text contains a NUL character");
    EXPECT_ERR("a: b\x01\n", 1, 5, "character U+0001 is not allowed in YAML");

    /* Same keys in different mappings are not duplicates. */
    ydoc d;
    mp_err e;
    CHECK_INT(load("- a: 1\n- a: 2\n", &d, &e), 0);

    size_t big = YDOC_MAX_BYTES + 1;
    char *buf = calloc(big, 1);
    CHECK(buf != NULL);
    if (buf) {
        CHECK_INT(ydoc_load_buffer("big.yaml", buf, big, a, &d, &e), EX_DATAERR);
        CHECK_STR(e.msg, "file is larger than 8 MiB");
        CHECK_STR(e.file, "big.yaml");
        free(buf);
    }
}

static void test_files(void)
{
    ydoc d;
    mp_err e;
    err_clear(&e);
    const char *missing = "/nonexistent-medpacket/form.yaml";
    CHECK_INT(ydoc_load_file(missing, a, &d, &e), EX_NOINPUT);
    CHECK_STR(e.msg, "cannot open: No such file or directory");
    CHECK_STR(e.file, missing);
    CHECK(d.root == NULL);

    err_clear(&e);
    CHECK_INT(ydoc_load_file("/", a, &d, &e), EX_NOINPUT);
    CHECK_STR(e.msg, "cannot open: Is a directory");

    char path[] = "/tmp/test_ydoc_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    const char text[] = "title: Consent\nrisks:\n  - Bleeding\n";
    CHECK_INT(write(fd, text, sizeof text - 1), (long long)(sizeof text - 1));
    err_clear(&e);
    CHECK_INT(ydoc_load_file(path, a, &d, &e), 0);
    CHECK_STR(d.path, path);
    CHECK_STR(d.src, text);
    const ynode *risks = ydoc_get(d.root, "risks");
    CHECK(risks && risks->kind == YNODE_SEQ && risks->count == 1);
    CHECK_INT(risks ? risks->items[0]->line : 0, 3);

    /* Errors name the file as given. */
    CHECK_INT(write(fd, "title: again\n", 13), 13);
    err_clear(&e);
    CHECK_INT(ydoc_load_file(path, a, &d, &e), EX_DATAERR);
    CHECK_STR(e.file, path);
    CHECK_STR(e.msg, "duplicate key \"title\" (first at line 1)");
    CHECK_INT(e.line, 4);

    /* Too large is refused from its size, without reading it. */
    CHECK_INT(ftruncate(fd, (off_t)YDOC_MAX_BYTES + 1), 0);
    err_clear(&e);
    CHECK_INT(ydoc_load_file(path, a, &d, &e), EX_DATAERR);
    CHECK_STR(e.msg, "file is larger than 8 MiB");
    close(fd);
    unlink(path);
}

int main(void)
{
    a = arena_new();
    if (!a)
        return 1;
    test_form();
    test_offsets();
    test_scalars();
    test_empty();
    test_aliases();
    test_billion_laughs();
    test_depth();
    test_errors();
    test_files();
    arena_free(a);
    CHECK_DONE();
}
