/* Unit tests for fhirsource.c's URL: "today" made the clinic's date where it
 * is a search value, and nowhere else. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fhirsource.h"

/* 2025-12-01 03:00 UTC: still November 30 in New York. */
#define NOW (1764547200 + 3 * 3600)

static const char *expand(const char *url, const char *tz)
{
    static char out[1100];
    mp_err err;
    err_clear(&err);
    if (fhirsource_url(url, tz, NOW, out, sizeof out, &err) != 0)
        snprintf(out, sizeof out, "%s", err.msg);
    return out;
}

int main(void)
{
    CHECK_STR(expand("https://ehr.example/fhir/Appointment?date=today", "America/New_York"),
              "https://ehr.example/fhir/Appointment?date=2025-11-30");
    CHECK_STR(expand("https://ehr.example/fhir/Appointment?date=today", NULL),
              "https://ehr.example/fhir/Appointment?date=2025-12-01");
    /* After a search prefix, in a list of values, before more parameters. */
    CHECK_STR(expand("https://e.example/Appointment?date=getoday&date=lttoday&_count=5", "UTC"),
              "https://e.example/Appointment?date=ge2025-12-01&date=lt2025-12-01&_count=5");
    CHECK_STR(expand("https://e.example/Appointment?date=eq2025-01-01,today", "UTC"),
              "https://e.example/Appointment?date=eq2025-01-01,2025-12-01");
    /* Not a value: a path, a parameter's name, part of a longer word, after
     * a sign that is no search prefix. */
    CHECK_STR(expand("https://e.example/Appointment?date=ge-today&x=1", "UTC"),
              "https://e.example/Appointment?date=ge-today&x=1");
    CHECK_STR(expand("https://e.example/today/Appointment?today=1&note=todays&d=xtoday", "UTC"),
              "https://e.example/today/Appointment?today=1&note=todays&d=xtoday");
    char small[20];
    mp_err err;
    CHECK_INT(fhirsource_url("https://e.example/Appointment?date=today", "UTC", NOW, small,
                             sizeof small, &err),
              EX_SOFTWARE);
    CHECK_DONE();
}
