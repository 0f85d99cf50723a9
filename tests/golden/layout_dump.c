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
 */
#include <stdio.h>

#include "prepare.h"

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
                    printf(" font %d %.2f", (int)b->font, b->size_pt);
                if (b->text)
                    printf(" \"%s\"", b->text);
                putchar('\n');
            }
        }
    }
    prepare_release(&run);
    arena_free(a);
    return rc;
}
