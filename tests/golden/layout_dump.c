/*
 * layout_dump — the boxes of a packet laid out for one patient, as text: one
 * line per page and per box (kind, position and size in points, font, size,
 * text). tests/e2e/render-packet.sh compares the example packet's dump with
 * tests/golden/packet.layout.txt, so that when the golden PDF's checksum
 * changes, the diff says what moved; tests/update-golden.sh writes it anew.
 *
 *   layout_dump PACKET.yaml CLINIC.yaml PATIENT.yaml
 *
 * The date is SOURCE_DATE_EPOCH's, as for the golden PDF.
 *
 * With MP_DUMP_GLYPHS=1, each text box is followed by its glyphs, as
 * tests/e2e/scripts.sh compares them with hb-shape's:
 *
 *       glyphs FONTFILE#INDEX dir=ltr|rtl GID+ADVANCE ...
 *
 * left to right, which is HarfBuzz's output order for either direction,
 * advances in 1/1000 em rounded to integers.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prepare.h"

/* The face's font file and index as "FILE#INDEX" (fontset_describe() leaves
 * "#0" out). */
static void print_face(const fontset *fs, int face)
{
    const char *d = fontset_describe(fs, face);
    if (!d) {
        printf("?#0");
        return;
    }
    const char *hash = strrchr(d, '#');
    printf(hash && hash[1] >= '0' && hash[1] <= '9' ? "%s" : "%s#0", d);
}

static void print_glyphs(const fontset *fs, const lbox *b)
{
    printf("    glyphs ");
    print_face(fs, (int)b->face);
    printf(" dir=%s", b->rtl ? "rtl" : "ltr");
    for (size_t k = 0; k < b->nglyphs; k++)
        printf(" %u+%ld", (unsigned)b->glyphs[k].gid, lround(b->glyphs[k].adv));
    putchar('\n');
}

static const char *const kinds[] = {"text", "rect", "line",      "qr",
                                    "link", "mark", "highlight", "image"};

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: layout_dump PACKET.yaml CLINIC.yaml PATIENT.yaml\n");
        return 64;
    }
    arena *a = arena_new();
    if (!a)
        return 71;
    const char *env = getenv("MP_DUMP_GLYPHS");
    bool glyphs = env && strcmp(env, "1") == 0;
    mp_err err;
    err_clear(&err);
    prepare_opts opts = {.input = argv[1], .clinic = argv[2]};
    prepared_run run;
    patient pt;
    const layout_doc *doc = NULL;
    int rc = prepare_run(&opts, a, &run, &err);
    if (!rc)
        rc = patient_load_yaml(argv[3], a, &pt, &err);
    if (!rc)
        rc = render_layout(run.variants[0], &run.env, &pt, a, &doc, &err);
    if (rc) {
        fprintf(stderr, "%s:%d:%d: %s\n", err.file, err.line, err.col, err.msg);
    } else {
        for (size_t p = 0; p < doc->npages; p++) {
            const lpage *pg = &doc->pages[p];
            printf("page %zu %.2f x %.2f form %d\n", p + 1, pg->width_pt, pg->height_pt,
                   pg->form_index);
            for (size_t i = 0; i < pg->nboxes; i++) {
                const lbox *b = &pg->boxes[i];
                printf("  %s %.2f %.2f %.2f %.2f", kinds[b->kind], b->x, b->y, b->w, b->h);
                if (b->kind == LBOX_TEXT || b->kind == LBOX_WATERMARK)
                    printf(" face %d %.2f%s", (int)b->face, b->size_pt, b->rtl ? " rtl" : "");
                if (b->text)
                    printf(" \"%s\"", b->text);
                putchar('\n');
                if (glyphs && b->kind == LBOX_TEXT)
                    print_glyphs(run.fonts, b);
            }
        }
    }
    prepare_release(&run);
    arena_free(a);
    return rc;
}
