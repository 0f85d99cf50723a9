/*
 * walkin.h — the walk-in form: a patient who is not on today's list, typed
 * in at the front desk. Its fields (as /api/config lists them), the check of
 * each value (the same rules as a list's row, patient.h, said without
 * repeating the value, in the page's language), the patient the values
 * make, and the probe run once at start-up that finds which fields each
 * packet cannot be laid out without (so the list marks the rows that lack
 * one, and the form marks such fields as required). No HTTP here: routes.c
 * reads the request and writes the answer (docs/serve-api.md).
 *
 * Nothing here allocates but into the arena a caller passes; the tables are
 * static.
 */
#ifndef MP_WALKIN_H
#define MP_WALKIN_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "err.h"
#include "form.h"
#include "msg.h"
#include "patient.h"
#include "render.h"

/* One field of the form. */
typedef struct walkin_field {
    const char *name;
    bool required;    /* always; the probe may require more (walkin_required) */
    const char *type; /* "text", "date" or "language" */
} walkin_field;

#define WALKIN_NFIELDS 7u
extern const walkin_field walkin_fields[WALKIN_NFIELDS];

#define WALKIN_MAX_FIELD 200u /* bytes in one field, spaces around it aside */

/* The field of that name, or NULL when the form has none (large_print, a
 * misspelt name). name may be "". */
const walkin_field *walkin_field_named(const char *name);

/* Why text cannot be f's value, or NULL when it can. text is the value as
 * sent ("" for an absent or empty field; spaces around it do not count), or
 * NULL when it was not a text (a JSON object, array, boolean or fraction).
 * required is f's answer from walkin_required. A language must be one of
 * variants[0..nvariants) (the packet and its translations); its problem
 * names them, written into buf. The answer is English, with its kind of
 * problem in *id for walkin_say. */
const char *walkin_problem(const walkin_field *f, bool required, const char *text,
                           const packet *const *variants, size_t nvariants, char *buf,
                           size_t bufsize, msg_id *id);

/* A problem as the page shows it in lang: English keeps walkin_problem's
 * detailed words (which part of a date is wrong); other languages get their
 * message table's words for the kind of problem. */
const char *walkin_say(const char *lang, msg_id id, const char *english);

/* Sets f's value on pt from text (one walkin_problem found good), trimmed of
 * the spaces around it and copied into a; an empty value sets nothing.
 * 0, or -1 when it cannot be set (out of memory; err says why when
 * patient_set failed). */
int walkin_set(patient *pt, const walkin_field *f, const char *text, arena *a, mp_err *err);

/* A walk-in is seen today: sets pt's appointment_date to today's date,
 * copied into a, unless it has one (or the clock cannot be read). */
void walkin_seen_today(patient *pt, arena *a, mp_err *err);

/* The fields of a list's row that a packet may print, with the made-up
 * value each has in walkin_probe. Bit i of a needs mask is
 * walkin_probe_fields[i]. */
typedef struct walkin_probe_field {
    const char *name, *sample;
} walkin_probe_field;

#define WALKIN_NPROBE_FIELDS 7u
extern const walkin_probe_field walkin_probe_fields[WALKIN_NPROBE_FIELDS];

/* Which probe fields pk cannot be laid out without, as a mask in *needs:
 * each is left out in turn from a made-up patient who has them all, and pk
 * laid out (the shipped consent prints the clinician and the appointment
 * date, and its booking reference is made of the mrn). A packet that cannot
 * be laid out even with them all needs something more (a form's own
 * {{patient.room}}): then only an error naming the field left out counts.
 * 0, or -1 when out of memory. */
int walkin_probe(const packet *pk, const render_env *env, unsigned *needs);

/* Whether the form asks for f: always when f is required, else when some
 * packet needs it (needs: the walkin_probe masks of every variant of every
 * packet offered, or'ed). The appointment date is never asked for: a
 * walk-in without one is seen today. */
bool walkin_required(const walkin_field *f, unsigned needs);

#endif
