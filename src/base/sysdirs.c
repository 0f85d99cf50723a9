/*
 * sysdirs.c — see sysdirs.h.
 */
#include "sysdirs.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifndef MP_CONFDIR
#define MP_CONFDIR "/etc/medpacket"
#endif
#ifndef MP_DATADIR
#define MP_DATADIR "/usr/share/medpacket"
#endif
#ifndef MP_BINDIR
#define MP_BINDIR "/usr/bin"
#endif

/* Is this process the installed medpacket? /proc/self/exe is the binary the
 * kernel ran, whatever name or symlink started it. Read on every call: no
 * state kept, and it is two system calls beside a YAML parse. */
static bool installed(void)
{
    char exe[PATH_MAX], want[PATH_MAX];
    if (!realpath("/proc/self/exe", exe))
        return false;
    /* The install folder may itself be a symlink (/bin -> usr/bin). */
    if (!realpath(MP_BINDIR "/medpacket", want))
        return false;
    return strcmp(exe, want) == 0;
}

static const char *pick(const char *env_name, const char *compiled)
{
    const char *env = getenv(env_name);
    if (env)
        return *env ? env : NULL;
    return installed() ? compiled : NULL;
}

const char *sysdirs_conf(void)
{
    return pick("MEDPACKET_CONFDIR", MP_CONFDIR);
}

const char *sysdirs_data(void)
{
    return pick("MEDPACKET_DATADIR", MP_DATADIR);
}
