/*
 * form.h — the typed form model, and the loaders that build it from YAML.
 *
 * A form (kind handout or consent) is an ordered list of blocks; a packet is
 * an ordered list of forms printed together; clinic settings are shared by all
 * forms. Every text remembers where it was written (mp_text.line/col and its
 * byte range in the source), so that a placeholder problem found later is
 * reported at its place in the YAML file. The schema is documented, with an
 * example for every block, in forms/README.md.
 *
 * Ownership: everything a loader returns lives in the arena passed to it,
 * including the YAML source; free the arena to free the form.
 */
#ifndef MP_FORM_H
#define MP_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "date.h"
#include "err.h"
#include "language.h"
#include "ydoc.h"

/* A text from a YAML file and where it stands there. s is NUL-terminated;
 * s == NULL means "not given". */
typedef struct mp_text {
    const char *s;
    size_t len;
    const ydoc *doc;   /* the document it came from (for its path and source) */
    const ynode *node; /* its scalar node: line, col, byte range, style */
} mp_text;

/* A notice is one language of the clinic's notice of free language help
 * (clinic settings: language_notice); a packet prints all its languages
 * together on a page of their own. */
typedef enum { FORM_HANDOUT, FORM_CONSENT, FORM_NOTICE } form_kind;
typedef enum { FORM_DRAFT, FORM_APPROVED } form_status;

typedef enum {
    BLOCK_HEADING,      /* text */
    BLOCK_PARAGRAPH,    /* text; a blank line inside starts a new paragraph */
    BLOCK_LIST,         /* items (text only): a bulleted list */
    BLOCK_BENEFITS,     /* items (title + text) */
    BLOCK_RISKS,        /* items (title + text); on a consent each gets an initials box */
    BLOCK_ALTERNATIVES, /* items (title + text) */
    BLOCK_CHECKBOXES,   /* items (text): each with a box to tick */
    BLOCK_PATIENT_ID,   /* fields: which patient facts to print, labelled */
    BLOCK_SIGNATURES,   /* signatures: kept together on one page */
    BLOCK_BOOKING_QR,   /* text = caption; url = pattern override (may be unset) */
    BLOCK_PAGE_BREAK,
    BLOCK_PROCEDURE, /* text: the nature of the procedure (printed as a paragraph) */
    BLOCK_QUESTIONS, /* text: the patient's questions were answered (a paragraph) */
} block_kind;

/* Who signs a signature line, for `check` to find the signatures informed
 * consent needs; the printed role stays the form's own words. */
typedef enum {
    SIGNER_UNSPECIFIED,
    SIGNER_PATIENT, /* the patient or their legal representative */
    SIGNER_CLINICIAN,
    SIGNER_WITNESS,
    SIGNER_INTERPRETER,
} signer_kind;

typedef struct form_item {
    mp_text title; /* may be unset */
    mp_text text;  /* may be unset when a title is given */
} form_item;

typedef enum {
    PATIENT_FIELD_NAME,
    PATIENT_FIELD_DOB,
    PATIENT_FIELD_MRN,
    PATIENT_FIELD_APPOINTMENT_DATE,
    PATIENT_FIELD_CLINICIAN,
} patient_field;

typedef struct form_signature {
    mp_text role; /* "Patient or legal representative" */
    signer_kind signer;
    bool printed_name; /* a "Printed name" line (default true) */
    bool date, time;   /* "Date" and "Time" lines (default true) */
    mp_text *extra;    /* more labelled lines ("Relationship to patient") */
    size_t nextra;
} form_signature;

typedef struct form_block {
    block_kind kind;
    const ynode *node; /* the block's position, for messages */
    mp_text text;      /* heading, paragraph, booking_qr caption */
    mp_text url;       /* booking_qr: URL pattern overriding the clinic's */
    form_item *items;
    size_t nitems;
    patient_field *fields;
    const ynode **field_nodes;
    size_t nfields;
    form_signature *sigs;
    size_t nsigs;
} form_block;

typedef struct form {
    const ydoc *doc;
    form_kind kind;
    form_status status;
    mp_text id, title, version, language;
    mp_text language_name; /* a notice's: the language's own name ("Español"); unset otherwise */
    mp_text approved_by, approved_on; /* optional */
    /* The approval record `medpacket approve` writes (approval.h): the full
     * fingerprint of the wording approved, 64 lowercase hex; optional. */
    mp_text approved_wording;
    /* A translation names the form it translates (translation_of: form:,
     * resolved relative to this file in translation_of_path) and the
     * source's wording fingerprint it was approved against (wording:). */
    mp_text translation_of, source_wording;
    const char *translation_of_path;
    /* Its source's wording moved on since (approval.h): set when a run is
     * prepared, and then printed only with a stamp that says so. */
    bool stale_translation;
    mp_text clinic; /* optional path to clinic settings */
    bool qr_allows_patient_data;
    int reading_grade;        /* target grade for `check` (default 8) */
    mp_text page_size;        /* "letter" or "a4", overriding the clinic's; optional */
    const ynode *status_node; /* where status: is written, for messages */
    char fingerprint[65];     /* SHA-256 of the wording (see wording.h) */
    form_block *blocks;
    size_t nblocks;
} form;

typedef struct packet_entry {
    const char *path;   /* resolved path of the form file */
    mp_text copy_label; /* optional ("Patient copy"): printed in the header */
    form *form;
} packet_entry;

/* The same packet (or form) in another language: `translations: {es: es/packet.yaml}`. */
typedef struct packet_translation {
    mp_text lang;
    const char *path; /* resolved relative to the file that names it */
} packet_translation;

/* Where a packet prints the clinic's notice of free language help. */
typedef enum { NOTICE_NONE, NOTICE_FIRST, NOTICE_LAST } notice_at;

typedef struct packet {
    const ydoc *doc; /* NULL when a single form was given */
    mp_text id, title;
    mp_text clinic;
    /* language_notice: first | last. The notice's forms are the clinic's
     * (clinic.language_notice), added to entries when a run is prepared. */
    notice_at notice;
    const ynode *notice_node;
    const char *language; /* the first form's */
    packet_translation *translations;
    size_t ntranslations;
    packet_entry *entries;
    size_t nentries;
} packet;

typedef struct clinic {
    const ydoc *doc;
    mp_text name, address, phone;
    mp_text tty; /* the number TTY users call ({{clinic.tty}}); optional */
    /* The notice of free language help (45 CFR 92.11): language_notice:
     * names a folder beside the settings with one notice file a language
     * (en.yaml, es.yaml ...), notice_languages: the languages it prints after
     * English, in order. notice_dir is NULL when the clinic has none. */
    mp_text language_notice;
    const char *notice_dir;
    mp_text *notice_languages;
    size_t nnotice_languages;
    mp_text booking_url; /* URL pattern with placeholders */
    mp_text booking_key; /* secret for {{booking.ref}}; optional. Read from
                          * booking_key_file: (node: where the file is named),
                          * or written inline as booking_key: (refused for
                          * printing: clinic_key_problem) */
    bool booking_key_from_file;
    mp_text page_size;               /* "letter" or "a4"; optional */
    bool large_print;                /* the clinic prints large (14 pt) by default */
    date_order date_order;           /* how its exports write dates with slashes (date_order:) */
    const char *fonts_dir;           /* `fonts:` resolved beside the clinic file, or NULL */
    const struct layout_image *logo; /* `logo:` (PNG or JPEG), checked at load; or NULL */
    /* The clinic's IANA time zone (timezone: America/New_York): the local
     * date of a FHIR appointment's instant, and serve's "today". NULL when
     * not given: an instant's own offset is taken as local. */
    const char *timezone;
    /* fhir: {mrn_system: URI}: the Identifier.system of the clinic's record
     * numbers. A FHIR patient's record number is the identifier with this
     * system, or (NULL) the one typed MR (v2-0203); a DocumentReference names
     * its subject by it when the list gave no Patient id. */
    const char *fhir_mrn_system;
} clinic;

/* Calls fn for every text of f that may hold placeholders, in reading
 * order: the title, each block's text (and its url: when with_urls), item
 * titles and texts, signature roles and extra lines. Unset texts are
 * skipped. Stops at fn's first non-zero return and returns it. */
int form_each_text(const form *f, bool with_urls, int (*fn)(void *ctx, const mp_text *t),
                   void *ctx);

/* Why the clinic's booking key must not be used to print (the published
 * example's key, or a key written in the settings themselves), or NULL.
 * render, batch and serve refuse to print with it; check reports it. */
const char *clinic_key_problem(const clinic *c);

/* Loads a form or packet file (decided by its `kind:`). A single form is
 * returned as a packet of one entry. Forms named by a packet are resolved
 * relative to the packet's folder and must stay inside it (no absolute path,
 * no ".."). Errors are file:line:col with did-you-mean hints for unknown keys.
 * Returns 0 or a sysexits code (EX_DATAERR for content, EX_NOINPUT for files).
 * path is found by packet_find: the packet's doc->path (or its one form's
 * entries[0].path) is where it was found. */
int packet_load(const char *path, arena *a, packet *out, mp_err *err);

/* Where a form or packet named on the command line is: path itself when it
 * is absolute or names a file; else, for a relative path that names none,
 * the first of CONFDIR/forms/PATH and DATADIR/forms/PATH that exists
 * (sysdirs.h: /etc/medpacket, /usr/share/medpacket, for the installed
 * program only); else path, which then fails to open as it should. The
 * result is path or a string in a. */
const char *packet_find(const char *path, arena *a);

/* How the variant packet_pick chose stands to the language asked for. */
typedef enum {
    PACKET_NOT_ASKED,    /* no language asked (none, or blank): the packet as loaded */
    PACKET_EXACT,        /* the language asked: es for "es", "Spanish" or "Español" */
    PACKET_COMPATIBLE,   /* that language in a script its reader reads: es for es-MX,
                          * zh-Hant for zh-TW, and for "zh" or "Chinese" (any Chinese) */
    PACKET_OTHER_SCRIPT, /* a fallback: that language in another script (zh-Hant for zh-Hans) */
    PACKET_MISSING,      /* a fallback: variants[0], the packet has no version in it */
    PACKET_UNKNOWN,      /* a fallback: variants[0], what was asked names no language */
} packet_fit;

/* What packet_pick chose, and for what: enough for a front end to report
 * a fallback in words (row N: language "French" (fr): no French version). */
typedef struct packet_choice {
    const packet *packet; /* the variant chosen; never NULL */
    packet_fit fit;
    char asked[48];                   /* the words asked for, for reports (cut to fit) */
    char asked_tag[LANGUAGE_TAG_MAX]; /* the language they name ("fr"); "" when none or unknown */
} packet_choice;

/* Whether the patient gets another language than the one asked for. */
static inline bool packet_choice_fallback(const packet_choice *c)
{
    return c->fit >= PACKET_OTHER_SCRIPT;
}

/* The variant of a packet for a reader of `requested`: variants[0] is the
 * packet as loaded, the others its translations. requested is what a
 * patient's data or an option says, a tag in any spelling or a language's
 * name (language_resolve); NULL or blank asks for none. The best variant by
 * language_fit_of wins, the first of equals: the exact tag, then the same
 * language in a compatible script (a language asked alone, "Chinese", takes
 * any script), then the same language in another script; else variants[0].
 * choice, when not NULL, says which of these it was. */
const packet *packet_pick(const packet *const *variants, size_t n, const char *requested,
                          packet_choice *choice);

/* Loads clinic settings. booking_key_file: is read here (relative to the
 * clinic file's folder; see secret.h for what the file must be), and its
 * errors are reported where the settings name it. */
int clinic_load(const char *path, arena *a, clinic *out, mp_err *err);

/* The clinic file for a packet: the `clinic:` key of the packet (or of its
 * first form), resolved relative to that file, or else clinic.yaml in the
 * packet's folder or the nearest parent folder that has one, or else the
 * installed program's CONFDIR/clinic.yaml (sysdirs.h: /etc/medpacket).
 * The packet's folder is where packet_load found it (packet_path is used
 * only for a packet with no file). Returns a path in a, or NULL with *err
 * set (EX_CONFIG) when none is found. */
const char *clinic_find(const packet *p, const char *packet_path, arena *a, mp_err *err);

/* Fills err with a message at t's position in its file (1-based), with the
 * column moved to byte offset `offset` inside the text when it can be mapped
 * to the source exactly (single-line plain or quoted scalars, or literal text). */
int text_err(mp_err *err, int code, const mp_text *t, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int node_err(mp_err *err, int code, const ydoc *doc, const ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#ifdef __clang_analyzer__ /* they return code: see err.h */
#define text_err(err, code, ...) err_returns_code(text_err((err), (code), __VA_ARGS__), (code))
#define node_err(err, code, ...) err_returns_code(node_err((err), (code), __VA_ARGS__), (code))
#endif

/* A form from its YAML root (a mapping whose kind is handout or consent),
 * without its fingerprint: packet_load computes that once the form has
 * loaded (wording.h builds on this model, not the other way round). */
int form_load_doc(const ydoc *doc, const ynode *root, form *f, arena *a, mp_err *err);

const char *block_kind_name(block_kind k);
const char *patient_field_name(patient_field f);

#endif
