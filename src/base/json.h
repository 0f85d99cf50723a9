/*
 * json.h — the JSON medpacket writes (batch --json, check --json, the serve
 * API): strings escaped one way everywhere.
 */
#ifndef MP_JSON_H
#define MP_JSON_H

#include <stdio.h>

/* Writes s as a JSON string (quotes, escapes; UTF-8 passes through). NULL
 * writes "". */
void json_string(FILE *f, const char *s);

#endif
