/* Unit tests for tzone.c: FHIR instants read strictly, and turned into the
 * clinic's local date across offsets, daylight saving and midnight. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "tzone.h"

static const char *parse(const char *s, int64_t *ms, int *off)
{
    return tz_parse_instant(s, strlen(s), ms, off);
}

static void check_local(tz_local l, int y, int mo, int d, int h, int mi)
{
    CHECK_INT(l.year, y);
    CHECK_INT(l.month, mo);
    CHECK_INT(l.day, d);
    CHECK_INT(l.hour, h);
    CHECK_INT(l.minute, mi);
}

static void test_parse(void)
{
    int64_t ms;
    int off;
    CHECK(parse("2026-12-01T09:30:00-05:00", &ms, &off) == NULL);
    CHECK_INT(off, -300);
    CHECK_INT(ms, 1796135400000LL);
    CHECK(parse("2026-12-01T14:30:00Z", &ms, &off) == NULL);
    CHECK_INT(ms, 1796135400000LL);
    CHECK_INT(off, 0);
    CHECK(parse("2026-12-01T14:30:00.25+00:00", &ms, &off) == NULL);
    CHECK_INT(ms, 1796135400250LL);
    CHECK(parse("1969-12-31T23:59:59Z", &ms, &off) == NULL);
    CHECK_INT(ms, -1000);
    CHECK(parse("2024-02-29T00:00:00+14:00", &ms, &off) == NULL);
    /* A dateTime without offset is not an instant: the day depends on it. */
    CHECK_STR(parse("2026-12-01T09:00:00", &ms, &off),
              "has no time zone offset (FHIR instants end in Z or +hh:mm)");
    const char *bad[] = {"2026-12-01",
                         "2026-12-01 09:00:00Z",
                         "2026-13-01T09:00:00Z",
                         "2026-02-29T09:00:00Z",
                         "2026-12-01T24:00:00Z",
                         "2026-12-01T09:00:00+5",
                         "2026-12-01T09:00:00z",
                         "2026-12-01T09:00:00.Z",
                         "2026-12-01T09:00:00+15:00",
                         "",
                         "2026-12-01T09:00:00-05:00x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = parse(bad[i], &ms, &off);
        if (!why)
            fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
        CHECK(why != NULL);
    }
}

static void test_local(void)
{
    int64_t ms;
    int off;
    tz_local l;
    /* 03:15 UTC on the 2nd is still the evening of the 1st in New York. */
    CHECK(parse("2026-12-02T03:15:00Z", &ms, &off) == NULL);
    CHECK(tz_to_local("America/New_York", ms, &l));
    check_local(l, 2026, 12, 1, 22, 15);
    tz_to_offset(ms, off, &l);
    check_local(l, 2026, 12, 2, 3, 15);
    /* Summer time: -04:00 in July. */
    CHECK(parse("2026-07-01T12:00:00Z", &ms, &off) == NULL);
    CHECK(tz_to_local("America/New_York", ms, &l));
    check_local(l, 2026, 7, 1, 8, 0);
    /* Across the date line, and a half-hour zone. */
    CHECK(tz_to_local("Pacific/Kiritimati", ms, &l));
    check_local(l, 2026, 7, 2, 2, 0);
    CHECK(tz_to_local("Asia/Kolkata", ms, &l));
    check_local(l, 2026, 7, 1, 17, 30);
    CHECK(parse("2026-12-01T23:30:00-05:00", &ms, &off) == NULL);
    tz_to_offset(ms, off, &l);
    check_local(l, 2026, 12, 1, 23, 30);
    CHECK(parse("1969-12-31T23:59:00Z", &ms, &off) == NULL);
    tz_to_offset(ms, -60, &l);
    check_local(l, 1969, 12, 31, 22, 59);
}

static void test_zones(void)
{
    CHECK(tz_valid("America/New_York"));
    CHECK(tz_valid("Europe/Madrid"));
    CHECK(tz_valid("UTC"));
    CHECK(!tz_valid("Eastern"));
    CHECK(!tz_valid("America/Nowhere"));
    CHECK(!tz_valid(""));
    char day[11];
    CHECK(tz_today("Asia/Tokyo", 1764547200 + 15 * 3600, day)); /* 2025-12-01 15:00 UTC */
    CHECK_STR(day, "2025-12-02");
    CHECK(tz_today(NULL, 1764547200 + 15 * 3600, day));
    CHECK_STR(day, "2025-12-01");
}

int main(void)
{
    test_parse();
    test_local();
    test_zones();
    CHECK_DONE();
}
