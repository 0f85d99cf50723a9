/*
 * notice.h — the clinic's notice of free language help and auxiliary aids
 * (the 2024 Section 1557 rule, 45 CFR 92.11: with consent forms and procedure
 * instructions, in English and the state's 15 most common other languages;
 * one notice may serve all the documents handed over together).
 *
 * The clinic settings name a folder (language_notice:) with one notice file
 * a language, each a form of kind notice with the approval rules of any form,
 * and the languages to print besides English (notice_languages:). A packet
 * that says `language_notice: first` (or last) prints them all, English
 * first, on a page of their own (render.c, layout_notice).
 */
#ifndef MP_NOTICE_H
#define MP_NOTICE_H

#include "form.h"

/* How many languages besides English the rule asks for. */
#define NOTICE_MIN_LANGUAGES 15

/* The clinic's notice files in print order (English, then each of
 * notice_languages), each loaded as a packet entry, into *out (n entries;
 * memory in a). Each must be a notice in the language it is filed under; a
 * missing file is reported where the settings list its language. Returns 0
 * or a sysexits code; EX_CONFIG when c names no notice folder (asked for
 * by p, reported where p asks). */
int notice_load(const clinic *c, const packet *p, arena *a, packet_entry **out, size_t *n,
                mp_err *err);

/* Adds the notice's entries to p's, first or last as p asks (nothing when
 * it does not). Returns 0, or EX_OSERR. */
int notice_attach(packet *p, const packet_entry *notice, size_t n, arena *a, mp_err *err);

#endif
