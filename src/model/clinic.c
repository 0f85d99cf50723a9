/*
 * clinic.c — YAML → clinic settings (see form.h): name, address, booking URL
 * and key, page size, date order, fonts, logo; and where a packet's settings
 * are found.
 */
#include "form.h"

#include "date.h"
#include "image.h"
#include "msg.h"
#include "paper.h"
#include "schema.h"
#include "secret.h"
#include "sysdirs.h"
#include "tzone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- clinic ------------------------------------------------------------ */

/* timezone: an IANA name; fhir: {mrn_system: URI}. */
static int load_fhir(const ydoc *doc, const ynode *root, clinic *out, arena *a, mp_err *err)
{
    mp_text tz = {0};
    int rc = schema_optional_text(doc, root, "timezone", &tz, a, err);
    if (rc)
        return rc;
    if (tz.s && !tz_valid(tz.s))
        return node_err(err, EX_DATAERR, doc, tz.node,
                        "timezone \"%s\" is not a time zone name; use the IANA name, such as "
                        "America/New_York or Europe/Madrid",
                        tz.s);
    out->timezone = tz.s;
    const ynode *fhir = ydoc_get(root, "fhir");
    if (!fhir)
        return 0;
    static const char *const keys[] = {"mrn_system", NULL};
    mp_text sys = {0};
    if ((rc = schema_expect_kind(doc, fhir, YNODE_MAP, "fhir", err)) ||
        (rc = schema_check_keys(doc, fhir, "fhir settings", keys, err)) ||
        (rc = schema_optional_text(doc, fhir, "mrn_system", &sys, a, err)))
        return rc;
    /* An Identifier.system is a URI (FHIR R4 2.24.0.2): an http(s) URL, or
     * urn:oid: / urn:uuid:. A bare name would never match what an EHR sends. */
    if (sys.s && strncmp(sys.s, "http://", 7) != 0 && strncmp(sys.s, "https://", 8) != 0 &&
        strncmp(sys.s, "urn:oid:", 8) != 0 && strncmp(sys.s, "urn:uuid:", 9) != 0)
        return node_err(err, EX_DATAERR, doc, sys.node,
                        "mrn_system must be the URI the EHR names its record numbers with "
                        "(http://..., https://... or urn:oid:...)");
    out->fhir_mrn_system = sys.s;
    return 0;
}

/* language_notice: FOLDER and notice_languages: [TAG, ...], given together:
 * the folder holds one notice a language; the list is the languages printed
 * after English, each once. */
static int load_notice(const ydoc *doc, const ynode *root, clinic *out, arena *a, mp_err *err)
{
    int rc = schema_optional_text(doc, root, "language_notice", &out->language_notice, a, err);
    const ynode *langs = ydoc_get(root, "notice_languages");
    if (rc || (!out->language_notice.s && !langs))
        return rc;
    if (!out->language_notice.s)
        return node_err(err, EX_DATAERR, doc, langs,
                        "notice_languages needs language_notice: the folder of the notice's "
                        "files");
    if (!langs)
        return node_err(err, EX_DATAERR, doc, out->language_notice.node,
                        "language_notice needs notice_languages: the languages the notice is "
                        "printed in besides English");
    if ((rc = schema_expect_kind(doc, langs, YNODE_SEQ, "notice_languages", err)))
        return rc;
    const char *p = out->language_notice.s;
    out->notice_dir = p[0] == '/' ? p : schema_join(a, schema_dir_of(doc->path, a), p);
    out->notice_languages = arena_array(a, langs->count ? langs->count : 1, sizeof(mp_text));
    if (!out->notice_dir || !out->notice_languages)
        return OOM(err);
    for (size_t i = 0; i < langs->count; i++) {
        mp_text *t = &out->notice_languages[i];
        if ((rc = schema_get_text(doc, langs->items[i], "a notice language", t, a, err)))
            return rc;
        if (!msg_is_language_tag(t->s) || strchr(t->s, '/'))
            return node_err(err, EX_DATAERR, doc, t->node,
                            "notice language \"%s\" is not a language tag (such as es, zh-Hant)",
                            t->s);
        if (strcmp(t->s, "en") == 0)
            return node_err(err, EX_DATAERR, doc, t->node,
                            "the notice is always printed in English first; list the other "
                            "languages");
        for (size_t k = 0; k < i; k++)
            if (strcmp(out->notice_languages[k].s, t->s) == 0)
                return node_err(err, EX_DATAERR, doc, t->node,
                                "notice language \"%s\" is listed twice", t->s);
    }
    out->nnotice_languages = langs->count;
    return 0;
}

int clinic_load(const char *path, arena *a, clinic *out, mp_err *err)
{
    memset(out, 0, sizeof *out);
    ydoc *doc;
    int rc = ydoc_open(path, a, &doc, err);
    if (rc)
        return rc;
    const ynode *root = doc->root;
    static const char *const keys[] = {"name",
                                       "address",
                                       "phone",
                                       "booking_url",
                                       "booking_key_file",
                                       "booking_key",
                                       "page_size",
                                       "large_print",
                                       "fonts",
                                       "logo",
                                       "date_order",
                                       "tty",
                                       "language_notice",
                                       "notice_languages",
                                       "timezone",
                                       "fhir",
                                       NULL};
    if ((rc = schema_expect_kind(doc, root, YNODE_MAP, "clinic settings", err)) ||
        (rc = schema_check_keys(doc, root, "clinic settings", keys, err)) ||
        (rc = schema_required_text(doc, root, "name", "clinic settings", &out->name, a, err)) ||
        (rc = schema_required_text(doc, root, "address", "clinic settings", &out->address, a,
                                   err)) ||
        (rc = schema_required_text(doc, root, "phone", "clinic settings", &out->phone, a, err)) ||
        (rc = schema_optional_text(doc, root, "booking_url", &out->booking_url, a, err)) ||
        (rc = schema_optional_text(doc, root, "booking_key", &out->booking_key, a, err)) ||
        (rc = schema_optional_text(doc, root, "page_size", &out->page_size, a, err)) ||
        (rc = schema_optional_text(doc, root, "tty", &out->tty, a, err)) ||
        (rc = load_notice(doc, root, out, a, err)))
        return rc;
    out->doc = doc;
    mp_text key_file = {0};
    if ((rc = schema_optional_text(doc, root, "booking_key_file", &key_file, a, err)))
        return rc;
    if (key_file.s && out->booking_key.s)
        return node_err(err, EX_DATAERR, doc, out->booking_key.node,
                        "give booking_key_file or booking_key, not both");
    if (key_file.s) {
        const char *kp =
            key_file.s[0] == '/' ? key_file.s : schema_join(a, schema_dir_of(path, a), key_file.s);
        if (!kp)
            return OOM(err);
        /* Reported where the settings name the file. A key that is not
         * there yet is a new clinic's (an installed package ships none: it
         * is the clinic's secret): say how to make it. */
        struct stat st;
        if ((rc = secret_read(kp, "booking key", "medpacket new-key FILE", a, &out->booking_key.s,
                              &out->booking_key.len, err)))
            return lstat(kp, &st) != 0
                       ? node_err(err, rc, doc, key_file.node,
                                  "booking_key_file \"%s\": %s; make the clinic's key with: "
                                  "medpacket new-key %s",
                                  key_file.s, err->msg, kp)
                       : node_err(err, rc, doc, key_file.node, "booking_key_file \"%s\": %s",
                                  key_file.s, err->msg);
        out->booking_key.node = key_file.node;
        out->booking_key_from_file = true;
    }
    mp_text fonts = {0};
    if ((rc = schema_optional_text(doc, root, "fonts", &fonts, a, err)))
        return rc;
    if (fonts.s &&
        !(out->fonts_dir =
              fonts.s[0] == '/' ? fonts.s : schema_join(a, schema_dir_of(path, a), fonts.s)))
        return OOM(err);
    mp_text logo = {0};
    if ((rc = schema_optional_text(doc, root, "logo", &logo, a, err)))
        return rc;
    if (logo.s) {
        layout_image *img = arena_alloc(a, sizeof *img);
        const char *lp_path =
            logo.s[0] == '/' ? logo.s : schema_join(a, schema_dir_of(path, a), logo.s);
        if (!img || !lp_path)
            return OOM(err);
        /* Reported where the settings name the logo. */
        if ((rc = image_load(lp_path, a, img, err)))
            return node_err(err, rc, doc, logo.node, "logo \"%s\": %s", logo.s, err->msg);
        out->logo = img;
    }
    mp_text order = {0};
    if ((rc = schema_optional_text(doc, root, "date_order", &order, a, err)))
        return rc;
    if (order.s && !date_order_parse(order.s, &out->date_order)) {
        static const char *const orders[] = {"iso", "mdy", "dmy", NULL};
        return schema_unknown_word(err, doc, order.node, "date_order", NULL, orders);
    }
    if ((rc = load_fhir(doc, root, out, a, err)))
        return rc;
    const ynode *lp = ydoc_get(root, "large_print");
    if (lp && (rc = schema_get_bool(doc, lp, "large_print", &out->large_print, err)))
        return rc;
    page_size ps;
    if (out->page_size.s && !page_size_parse(out->page_size.s, &ps)) {
        static const char *const sizes[] = {"letter", "a4", NULL};
        return schema_unknown_word(err, doc, out->page_size.node, "page_size", NULL, sizes);
    }
    if (out->booking_key.s && out->booking_key.len < 16)
        return node_err(
            err, EX_DATAERR, doc, out->booking_key.node,
            "booking_key is too short to keep references private (use 16 or more characters)");
    return 0;
}

/* The key the shipped example clinic once held in its settings, published
 * with the source: every reference made with it can be reversed. */
static const char published_example_key[] = "WE2HBmK2ivf5VJtmHTRSfVYTrTZA3bKW";

const char *clinic_key_problem(const clinic *c)
{
    if (!c->booking_key.s)
        return NULL;
    if (c->booking_key.len == sizeof published_example_key - 1 &&
        memcmp(c->booking_key.s, published_example_key, c->booking_key.len) == 0)
        return "the booking key is the published example's: anyone can turn its references back "
               "into record numbers (make your own with medpacket new-key FILE)";
    if (!c->booking_key_from_file)
        return "booking_key is written in the clinic settings, where everyone who reads the forms "
               "reads it: put it in a file of its own (medpacket new-key FILE) and name that "
               "file with booking_key_file:";
    return NULL; /* a file's key was checked for strength as it was read */
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *clinic_find(const packet *p, const char *packet_path, arena *a, mp_err *err)
{
    /* Where packet_load found the file, which may be a folder of forms
     * (packet_find) rather than the path named. */
    if (p->doc)
        packet_path = p->doc->path;
    else if (p->nentries)
        packet_path = p->entries[0].path;
    /* An explicit `clinic:` wins: the packet's, else its first form's. */
    const mp_text *named = NULL;
    const char *base = packet_path;
    if (p->clinic.s) {
        named = &p->clinic;
    } else if (p->nentries && p->entries[0].form->clinic.s) {
        named = &p->entries[0].form->clinic;
        base = p->entries[0].path;
    }
    if (named) {
        const char *dir = schema_dir_of(base, a);
        const char *path =
            named->s[0] == '/' ? arena_strdup(a, named->s) : schema_join(a, dir, named->s);
        if (!path) {
            OOM(err);
            return NULL;
        }
        if (!is_file(path)) {
            node_err(err, EX_CONFIG, named->doc, named->node, "clinic settings \"%s\" not found",
                     named->s);
            return NULL;
        }
        return path;
    }
    /* Otherwise the nearest clinic.yaml upwards, as git finds .git. */
    char *dir = arena_strdup(a, schema_dir_of(packet_path, a));
    for (int depth = 0; dir && depth < 32; depth++) {
        const char *cand = arena_printf(a, "%s/clinic.yaml", dir);
        if (cand && is_file(cand))
            return cand;
        if (strcmp(dir, "/") == 0)
            break;
        const char *up = arena_printf(a, "%s/..", dir);
        char real[4096];
        if (!up || !realpath(up, real))
            break;
        dir = arena_strdup(a, real);
    }
    /* Then the installed program's settings, the clinic's file in /etc. */
    const char *conf = sysdirs_conf();
    const char *sys = conf ? arena_printf(a, "%s/clinic.yaml", conf) : NULL;
    if (sys && is_file(sys))
        return sys;
    err_set(err, EX_CONFIG, packet_path, 0, 0,
            "no clinic settings: add \"clinic: PATH\" to the form, put a clinic.yaml beside it, "
            "or pass --clinic FILE");
    return NULL;
}
