/*
 * sysdirs.h — the installed program's own folders: the clinic's settings and
 * forms (/etc/medpacket) and the shipped forms and examples
 * (/usr/share/medpacket), where medpacket looks when a form or the clinic
 * settings are not found from the form itself (README, "Install").
 *
 * The paths are CMake's install folders, compiled in (MP_CONFDIR, MP_DATADIR),
 * and are used only by the installed program, the one at MP_BINDIR/medpacket:
 * a run from a build folder never reads /etc, so that a package installed
 * beside a checkout does not change what the checkout's tests see.
 * MEDPACKET_CONFDIR and MEDPACKET_DATADIR, when set, name the folders for any
 * program (the tests' way in); set to "", they turn the folder off.
 */
#ifndef MP_SYSDIRS_H
#define MP_SYSDIRS_H

/* The clinic's folder (clinic.yaml, forms/), or NULL when there is none to
 * read. The string is static or the environment's: do not free it. */
const char *sysdirs_conf(void);

/* The shipped data's folder (forms/, examples/), or NULL; likewise. */
const char *sysdirs_data(void);

#endif
