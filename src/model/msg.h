/*
 * msg.h — every label medpacket prints itself ("Page 1 of 3", "Signature",
 * "Initials" ...), one table per language (en, es, ar, zh-Hant). Forms hold
 * their own wording; these are only the words the program adds around it.
 */
#ifndef MP_MSG_H
#define MP_MSG_H

#include <stdbool.h>

typedef enum {
    MSG_PAGE_X_OF_Y, /* printf format with two %d: page, pages */
    MSG_PATIENT,
    MSG_DATE_OF_BIRTH,
    MSG_RECORD_NUMBER,
    MSG_APPOINTMENT_DATE,
    MSG_CLINICIAN,
    MSG_SIGNATURE_OF, /* printf format with %s: the role */
    MSG_PRINTED_NAME,
    MSG_DATE,
    MSG_TIME,
    MSG_INITIALS,
    MSG_SCAN_TO_BOOK,
    MSG_VERSION,    /* "version" as in "tpi-consent version 1.0" */
    MSG_BLANK_PAGE, /* on the page added for duplex printing */
    MSG_WORDING,    /* "wording" as in "wording 3f2a9c1b4e5d" (the fingerprint) */
    MSG_DRAFT,      /* the watermark on a draft form's pages */
    MSG_SPECIMEN,   /* the watermark on a specimen's pages */
    MSG_STALE,      /* the watermark on a translation printed though its source moved on */
    /* What a screen reader says for the boxes that draw no text (printf
     * formats with one %s): a box to tick and its statement, an initials
     * box and its item, the booking QR code and its URL. */
    MSG_ALT_CHECKBOX,
    MSG_ALT_INITIALS,
    MSG_ALT_QR,
    /* The front desk's web page (serve): its labels come from these same
     * tables, so that the page and the paper say the same words. */
    MSG_UI_TITLE,
    MSG_UI_SEARCH,
    MSG_UI_ROW,
    MSG_UI_APPOINTMENT,
    MSG_UI_LANGUAGE,
    MSG_UI_PACKETS,
    MSG_UI_PREVIEW,
    MSG_UI_PRINT,
    MSG_UI_PRINTING,
    MSG_UI_PRINTED,
    MSG_UI_PRINT_FAILED,
    MSG_UI_WALKIN,
    MSG_UI_FIRST_NAME,
    MSG_UI_LAST_NAME,
    MSG_UI_REQUIRED,
    MSG_UI_NO_MATCH,
    MSG_UI_BAD_ROWS,
    MSG_UI_CLOSE,
    MSG_UI_LOADING,
    MSG_UI_DATE_HINT,
    MSG_UI_ERR_REQUIRED,
    MSG_UI_ERR_DATE,
    MSG_UI_ERR_LANGUAGE,
    MSG_UI_ERR_NEEDED,
    MSG_UI_ERR_TOO_LONG,
    MSG_UI_ERR_ONE_LINE,
    MSG_UI_ERR_UNKNOWN,
    MSG_UI_STALE_TITLE,
    MSG_UI_STALE_TEXT,
    MSG_COUNT
} msg_id;

/* True when lang has a table ("en", "es", "ar", "zh-Hant"). */
bool msg_has_language(const char *lang);

/* True when s is a BCP 47 language tag as forms write them: a language of
 * two or three letters, then subtags of one to eight letters or digits
 * after "-" ("ar", "zh-Hant", "pa-Guru-IN"). A form may be written in any
 * language; the labels medpacket prints itself (Page X of Y, Signature)
 * come from the language's table, or English where it has none. */
bool msg_is_language_tag(const char *s);

/* The label in lang, falling back to English for a language without a table. */
const char *msg_get(const char *lang, msg_id id);

/* The name a label goes by in the web page's label table ("search"), for
 * ids from MSG_UI_TITLE on and for the printed labels the page shares
 * (patient, dob, mrn, appointment_date, clinician, date); NULL for the rest. */
const char *msg_key(msg_id id);

/* For the completeness test: how many tables there are, and entry id of
 * table i (NULL when missing) with the table's language in *lang. */
int msg_table_count(void);
const char *msg_table_entry(int i, msg_id id, const char **lang);

#endif
