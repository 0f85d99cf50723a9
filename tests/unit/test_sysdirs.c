/* Unit tests for the installed program's lookup (sysdirs.c, packet_find,
 * clinic_find): where a form named on the command line and the clinic
 * settings are found, in the order README's "Install" section gives:
 *
 *   a form:   the path as given (absolute, or relative to the current
 *             folder), then CONFDIR/forms/PATH, then DATADIR/forms/PATH;
 *   a clinic: --clinic (the front ends'), the form's clinic: key, the nearest
 *             clinic.yaml upward from where the form was found, then
 *             CONFDIR/clinic.yaml.
 *
 * CONFDIR and DATADIR are /etc/medpacket and /usr/share/medpacket for the
 * installed program; here MEDPACKET_CONFDIR and MEDPACKET_DATADIR point at
 * folders in a temporary tree, which is also the current folder. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "form.h"
#include "sysdirs.h"
#include "tmptree.h"

static arena *A;
#define FORM(id, clinic_line)                                                                      \
    "kind: handout\nid: " id                                                                       \
    "\ntitle: F\nversion: \"1\"\nlanguage: en\nstatus: draft\n" clinic_line                        \
    "blocks:\n  - heading: H\n"

static const char clinic_text[] = "name: N\naddress: A\nphone: P\n";

/* The form's id as loaded through path (which of the copies was read), or
 * NULL when it did not load. */
static const char *loaded_id(const char *path, packet *p)
{
    mp_err e;
    err_clear(&e);
    if (packet_load(path, A, p, &e) != 0) {
        fprintf(stderr, "  %s: %s\n", e.file, e.msg);
        return NULL;
    }
    return p->id.s;
}

static void test_dirs(void)
{
    /* A test binary is not the installed program: no folder unless named. */
    unsetenv("MEDPACKET_CONFDIR");
    unsetenv("MEDPACKET_DATADIR");
    CHECK(sysdirs_conf() == NULL);
    CHECK(sysdirs_data() == NULL);
    setenv("MEDPACKET_CONFDIR", "/somewhere/etc", 1);
    setenv("MEDPACKET_DATADIR", "/somewhere/share", 1);
    CHECK_STR(sysdirs_conf(), "/somewhere/etc");
    CHECK_STR(sysdirs_data(), "/somewhere/share");
    /* Set but empty: turned off. */
    setenv("MEDPACKET_CONFDIR", "", 1);
    setenv("MEDPACKET_DATADIR", "", 1);
    CHECK(sysdirs_conf() == NULL);
    CHECK(sysdirs_data() == NULL);
}

static void test_form_order(void)
{
    /* etc/forms and share/forms each hold a pkg/form.yaml (ids etc, share);
     * share/forms alone holds only-shipped.yaml; the current folder, here,
     * holds its own pkg/form.yaml once the last case writes it. */
    mkdir_rel("etc");
    mkdir_rel("etc/forms");
    mkdir_rel("etc/forms/pkg");
    mkdir_rel("share");
    mkdir_rel("share/forms");
    mkdir_rel("share/forms/pkg");
    put("etc/forms/pkg/form.yaml", FORM("etc", ""));
    put("share/forms/pkg/form.yaml", FORM("share", ""));
    put("share/forms/only-shipped.yaml", FORM("shipped", ""));
    setenv("MEDPACKET_CONFDIR", at("etc"), 1);
    setenv("MEDPACKET_DATADIR", at("share"), 1);
    packet p;

    /* The clinic's copy wins over the shipped one. */
    CHECK_STR(packet_find("pkg/form.yaml", A), at("etc/forms/pkg/form.yaml"));
    CHECK_STR(loaded_id("pkg/form.yaml", &p), "etc");
    CHECK_STR(p.entries[0].path, at("etc/forms/pkg/form.yaml"));
    /* A form only the package ships. */
    CHECK_STR(packet_find("only-shipped.yaml", A), at("share/forms/only-shipped.yaml"));
    CHECK_STR(loaded_id("only-shipped.yaml", &p), "shipped");
    /* Without the clinic's folder, the shipped one. */
    setenv("MEDPACKET_CONFDIR", "", 1);
    CHECK_STR(packet_find("pkg/form.yaml", A), at("share/forms/pkg/form.yaml"));
    setenv("MEDPACKET_CONFDIR", at("etc"), 1);
    /* Nowhere: the name as given, which then fails to open as it did. */
    CHECK_STR(packet_find("pkg/none.yaml", A), "pkg/none.yaml");
    mp_err e;
    err_clear(&e);
    CHECK_INT(packet_load("pkg/none.yaml", A, &p, &e), EX_NOINPUT);
    CHECK_STR(e.file, "pkg/none.yaml");
    /* An absolute path is never looked for elsewhere. */
    CHECK_STR(packet_find("/nonexistent/pkg/form.yaml", A), "/nonexistent/pkg/form.yaml");
    /* A file in the current folder is the one meant, whatever the folders hold. */
    mkdir_rel("pkg");
    put("pkg/form.yaml", FORM("here", ""));
    CHECK_STR(packet_find("pkg/form.yaml", A), "pkg/form.yaml");
    CHECK_STR(loaded_id("pkg/form.yaml", &p), "here");
}

static const char *clinic_for(const char *path)
{
    packet p;
    mp_err e;
    err_clear(&e);
    if (packet_load(path, A, &p, &e) != 0) {
        fprintf(stderr, "  %s: %s\n", e.file, e.msg);
        check_failures++;
        return NULL;
    }
    const char *got = clinic_find(&p, path, A, &e);
    if (!got)
        fprintf(stderr, "  clinic_find(%s): %s\n", path, e.msg);
    return got;
}

/* Whether a folder above tmp holds a clinic.yaml of its own, which the
 * upward search would find before CONFDIR's. */
static bool clinic_above_tmp(void)
{
    char d[4096];
    if (!realpath(tmptree_dir, d))
        return true;
    for (char *slash; (slash = strrchr(d, '/'));) {
        *slash = '\0';
        char cand[4200];
        snprintf(cand, sizeof cand, "%s/clinic.yaml", d);
        struct stat st;
        if (stat(cand, &st) == 0)
            return true;
    }
    return false;
}

static void test_clinic_order(void)
{
    /* CONFDIR's clinic.yaml, and shipped forms: one naming its clinic,
     * one beside a clinic.yaml (the package's link to CONFDIR's), one
     * with neither. */
    put("etc/clinic.yaml", clinic_text);
    mkdir_rel("share/forms/named");
    put("share/forms/named/clinic-of-its-own.yaml", clinic_text);
    put("share/forms/named/form.yaml", FORM("named", "clinic: clinic-of-its-own.yaml\n"));
    mkdir_rel("share/forms/beside");
    put("share/forms/beside/clinic.yaml", clinic_text);
    put("share/forms/beside/form.yaml", FORM("beside", ""));
    mkdir_rel("share/forms/alone");
    put("share/forms/alone/form.yaml", FORM("alone", ""));
    setenv("MEDPACKET_CONFDIR", at("etc"), 1);
    setenv("MEDPACKET_DATADIR", at("share"), 1);

    /* 1. The form's clinic: key, beside where the form was found (not
     *    beside the name given, which is the current folder's). */
    CHECK_STR(clinic_for("named/form.yaml"), at("share/forms/named/clinic-of-its-own.yaml"));
    /* 2. The nearest clinic.yaml upward from where it was found. */
    CHECK_STR(clinic_for("beside/form.yaml"), at("share/forms/beside/clinic.yaml"));
    /* 3. Then CONFDIR's. */
    if (clinic_above_tmp()) {
        fprintf(stderr, "note: a clinic.yaml above %s; CONFDIR's case is skipped\n", tmptree_dir);
        return;
    }
    CHECK_STR(clinic_for("alone/form.yaml"), at("etc/clinic.yaml"));
    /* 4. No CONFDIR: the error the build folder's program gives. */
    setenv("MEDPACKET_CONFDIR", "", 1);
    packet p;
    mp_err e;
    err_clear(&e);
    CHECK_INT(packet_load("alone/form.yaml", A, &p, &e), 0);
    CHECK(clinic_find(&p, "alone/form.yaml", A, &e) == NULL);
    CHECK_INT(e.code, EX_CONFIG);
    CHECK_STR(e.msg, "no clinic settings: add \"clinic: PATH\" to the form, put a clinic.yaml "
                     "beside it, or pass --clinic FILE");
}

int main(void)
{
    A = arena_new();
    if (!A || !tmptree_open("sysdirs", A) || chdir(tmptree_dir) != 0) {
        fprintf(stderr, "cannot set up the test\n");
        return 1;
    }
    test_dirs();
    test_form_order();
    test_clinic_order();
    if (chdir("/") != 0)
        perror("/");
    tmptree_close();
    arena_free(A);
    CHECK_DONE();
}
