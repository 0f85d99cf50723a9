/*
 * paper.c — see paper.h.
 */
#include "paper.h"

#include <stddef.h>
#include <strings.h>

bool page_size_parse(const char *s, page_size *out)
{
    if (s && strcasecmp(s, "letter") == 0)
        return *out = PAGE_LETTER, true;
    if (s && strcasecmp(s, "a4") == 0)
        return *out = PAGE_A4, true;
    return false;
}
