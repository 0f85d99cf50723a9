/*
 * msg.h — every label medpacket prints itself ("Page 1 of 3", "Signature",
 * "Initials" ...), one table per language. Forms hold their own wording; these
 * are only the words the program adds around it.
 */
#ifndef MP_MSG_H
#define MP_MSG_H

#include <stdbool.h>

typedef enum {
    MSG_PAGE_X_OF_Y,     /* printf format with two %d: page, pages */
    MSG_PATIENT,
    MSG_DATE_OF_BIRTH,
    MSG_RECORD_NUMBER,
    MSG_APPOINTMENT_DATE,
    MSG_CLINICIAN,
    MSG_SIGNATURE_OF,    /* printf format with %s: the role */
    MSG_PRINTED_NAME,
    MSG_DATE,
    MSG_TIME,
    MSG_INITIALS,
    MSG_SCAN_TO_BOOK,
    MSG_VERSION,         /* "version" as in "tpi-consent version 1.0" */
    MSG_BLANK_PAGE,      /* on the page added for duplex printing */
    MSG_WORDING,         /* "wording" as in "wording 3f2a9c1b4e5d" (the fingerprint) */
    MSG_DRAFT,           /* the watermark on a draft form's pages */
    MSG_SPECIMEN,        /* the watermark on a specimen's pages */
    MSG_COUNT
} msg_id;

/* True when lang has a table ("en", "es"). */
bool msg_has_language(const char *lang);

/* The label in lang, falling back to English for a language without a table. */
const char *msg_get(const char *lang, msg_id id);

/* For the completeness test: how many tables there are, and entry id of
 * table i (NULL when missing) with the table's language in *lang. */
int msg_table_count(void);
const char *msg_table_entry(int i, msg_id id, const char **lang);

#endif
