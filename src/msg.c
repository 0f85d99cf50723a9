/*
 * msg.c — see msg.h. A table is an array indexed by msg_id; a unit test
 * checks that no entry of any table is missing.
 */
#include "msg.h"

#include <string.h>

static const char *const msg_en[MSG_COUNT] = {
    [MSG_PAGE_X_OF_Y] = "Page %d of %d",
    [MSG_PATIENT] = "Patient",
    [MSG_DATE_OF_BIRTH] = "Date of birth",
    [MSG_RECORD_NUMBER] = "Record number",
    [MSG_APPOINTMENT_DATE] = "Appointment date",
    [MSG_CLINICIAN] = "Clinician",
    [MSG_SIGNATURE_OF] = "Signature of %s",
    [MSG_PRINTED_NAME] = "Printed name",
    [MSG_DATE] = "Date",
    [MSG_TIME] = "Time",
    [MSG_INITIALS] = "Initials",
    [MSG_SCAN_TO_BOOK] = "Scan to book",
    [MSG_VERSION] = "version",
    [MSG_BLANK_PAGE] = "This page is intentionally blank.",
    [MSG_WORDING] = "wording",
    [MSG_DRAFT] = "DRAFT",
    [MSG_SPECIMEN] = "SPECIMEN",
};

static const char *const msg_es[MSG_COUNT] = {
    [MSG_PAGE_X_OF_Y] = "Página %d de %d",
    [MSG_PATIENT] = "Paciente",
    [MSG_DATE_OF_BIRTH] = "Fecha de nacimiento",
    [MSG_RECORD_NUMBER] = "Número de expediente",
    [MSG_APPOINTMENT_DATE] = "Fecha de la cita",
    [MSG_CLINICIAN] = "Profesional de salud",
    /* "Firma de Paciente" reads badly; the role stands on its own. */
    [MSG_SIGNATURE_OF] = "Firma: %s",
    [MSG_PRINTED_NAME] = "Nombre en letra de molde",
    [MSG_DATE] = "Fecha",
    [MSG_TIME] = "Hora",
    [MSG_INITIALS] = "Iniciales",
    [MSG_SCAN_TO_BOOK] = "Escanee para hacer una cita",
    [MSG_VERSION] = "versión",
    [MSG_BLANK_PAGE] = "Esta página se dejó en blanco a propósito.",
    [MSG_WORDING] = "texto",
    [MSG_DRAFT] = "BORRADOR",
    [MSG_SPECIMEN] = "MUESTRA",
};

static const struct {
    const char *lang;
    const char *const *table;
} tables[] = {
    {"en", msg_en},
    {"es", msg_es},
};

static const char *const *table_for(const char *lang)
{
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (lang && strcmp(tables[i].lang, lang) == 0)
            return tables[i].table;
    return NULL;
}

bool msg_has_language(const char *lang)
{
    return table_for(lang) != NULL;
}

const char *msg_get(const char *lang, msg_id id)
{
    const char *const *t = table_for(lang);
    if (!t || !t[id])
        t = msg_en;
    return t[id];
}

int msg_table_count(void)
{
    return (int)(sizeof tables / sizeof tables[0]);
}

const char *msg_table_entry(int i, msg_id id, const char **lang)
{
    *lang = tables[i].lang;
    return tables[i].table[id];
}
