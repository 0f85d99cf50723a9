/* Unit tests for outname.c: file names from patient data are always safe. */
#include "check.h"
#include "outname.h"

static patient one(const char *const *kv, size_t n, patient_value *store)
{
    for (size_t i = 0; i < n; i++) {
        store[i].name = kv[2 * i];
        store[i].value.s = kv[2 * i + 1];
        store[i].value.len = strlen(kv[2 * i + 1]);
    }
    return (patient){.fields = store, .nfields = n};
}

static const char *make(const char *pattern, const char *first, const char *last, char *buf)
{
    const char *kv[] = {"first_name", first, "last_name", last, "mrn", "A1"};
    patient_value store[3];
    patient p = one(kv, 3, store);
    static char why[200];
    return outname_make(pattern, &p, 7, buf, why, sizeof why);
}

int main(void)
{
    char buf[OUTNAME_MAX + 1];
    const char *named = "{last_name}-{first_name}-{mrn}.pdf";
    CHECK(make(named, "José", "Núñez", buf) == NULL);
    CHECK_STR(buf, "Núñez-José-A1.pdf");
    make(named, "../../etc", "passwd", buf);
    CHECK_STR(buf, "passwd-.._.._etc-A1.pdf");
    make("{first_name}", "..", "x", buf);
    CHECK_STR(buf, "row-7.pdf"); /* nothing left but dots */
    make("{first_name}", ".hidden", "x", buf);
    CHECK_STR(buf, "hidden.pdf");
    make("{first_name}-{last_name}", "a\tb\nc", "d\\e", buf);
    CHECK_STR(buf, "a_b_c-d_e.pdf");
    make("{first_name}", "bad\xFFutf", "x", buf);
    CHECK_STR(buf, "bad_utf.pdf");
    make("{row}-{mrn}", "x", "y", buf);
    CHECK_STR(buf, "7-A1.pdf");
    /* Long names are cut at a character boundary and keep ".pdf". */
    char longname[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(longname, "é");
    make("{first_name}", longname, "x", buf);
    CHECK(strlen(buf) <= OUTNAME_MAX);
    CHECK(strcmp(buf + strlen(buf) - 4, ".pdf") == 0);
    CHECK((unsigned char)buf[strlen(buf) - 5] == 0xA9); /* ends with a whole "é" */
    /* A missing field is an error, not an empty part. */
    const char *why = make("{clinician}", "x", "y", buf);
    CHECK_STR(why, "the file name pattern uses {clinician}, and this row has no clinician");
    /* Twins. */
    strcpy(buf, "Dubois-Chloé-A9.pdf");
    outname_suffix(buf, 2);
    CHECK_STR(buf, "Dubois-Chloé-A9-2.pdf");
    memset(buf, 'x', OUTNAME_MAX - 4);
    strcpy(buf + OUTNAME_MAX - 4, ".pdf");
    outname_suffix(buf, 12);
    CHECK_INT(strlen(buf), OUTNAME_MAX);
    CHECK(strcmp(buf + OUTNAME_MAX - 7, "-12.pdf") == 0);
    /* Patterns. */
    CHECK(outname_check(OUTNAME_DEFAULT) == NULL);
    make(OUTNAME_DEFAULT, "José", "Núñez", buf); /* the default holds no name */
    CHECK_STR(buf, "7-A1.pdf");
    CHECK_STR(outname_check("a/{mrn}"), "a name pattern makes file names, not paths: no \"/\"");
    CHECK_STR(outname_check("{mrn"), "\"{\" without \"}\"");
    CHECK_STR(outname_check("{}"), "empty field {}");
    CHECK_STR(outname_check("{First}"), "field names are a-z, 0-9 and _");
    CHECK_DONE();
}
