/*
 * journal.h — log lines as systemd's journal reads them: a "<N>" syslog
 * priority at the start of a line (sd-daemon(3)) when standard error is the
 * journal's stream, and no time of the program's own (the journal adds it).
 * The command line's messages (cli) and serve's log (serve) both use it.
 */
#ifndef MP_JOURNAL_H
#define MP_JOURNAL_H

#include <stdbool.h>

/* Whether standard error is the journal's stream: systemd sets JOURNAL_STREAM
 * to its "DEVICE:INODE" (systemd.exec(5)), and it still is our standard error
 * (not a pipe a child of the service made). Asked once. */
bool journal_stderr(void);

/* "<3>" and the like for a syslog(3) priority (LOG_ERR ...); "" for a
 * priority out of range. */
const char *journal_prefix(int priority);

#endif
