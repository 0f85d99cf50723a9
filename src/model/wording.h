/*
 * wording.h — a form's wording in a canonical text, and its fingerprint.
 *
 * A signed paper consent must be traceable to the exact wording that was
 * approved. The fingerprint is SHA-256 over the canonical text below, not
 * over the YAML bytes, so re-indenting, re-quoting, reordering keys or adding
 * comments changes nothing, and any change to a printed word changes it.
 *
 * The canonical text (version 1), documented in forms/README.md so that
 * anyone can recompute it: UTF-8, one line per unit of wording, each ending
 * in "\n", in this order:
 *
 *   medpacket-wording 1
 *   kind: consent                 (handout | consent)
 *   language: en
 *   title: TEXT
 *   then per block, in order:
 *     heading: TEXT
 *     paragraph: TEXT             (one line per paragraph: a blank line splits)
 *     procedure: TEXT             (likewise)
 *     questions: TEXT             (likewise)
 *     list: TEXT                  (one per item)
 *     checkbox: TEXT              (one per item)
 *     benefit: TITLE | TEXT       risk: TITLE | TEXT       alternative: TITLE | TEXT
 *                                 (an absent title or text is empty)
 *     patient_id: FIELD FIELD ... (the field names)
 *     signature: ROLE | signer=KIND | printed_name date time | extra: LINE; LINE
 *                                 (only the lines that are printed are named)
 *     booking_qr: CAPTION | URL   (URL is the block's own url:, else empty)
 *   page_break blocks are layout, not wording, and give no line.
 *
 * TEXT is the text as written, with every run of white space made one space
 * and the ends trimmed, and spaces inside placeholder braces removed
 * ("{{ patient.name }}" -> "{{patient.name}}"). No other normalisation.
 */
#ifndef MP_WORDING_H
#define MP_WORDING_H

#include <stddef.h>

#include "arena.h"
#include "form.h"

/* The canonical text of f, NUL-terminated, in a. NULL on OOM. */
char *wording_text(const form *f, arena *a, size_t *len);

/* The fingerprint: 64 lowercase hex digits + NUL. Returns -1 on OOM. */
int wording_fingerprint(const form *f, arena *a, char out[65]);

/* How many hex digits are printed in footers. */
#define WORDING_SHORT 12

#endif
