/*
 * routes.h — the route handlers of `medpacket serve` (docs/serve-api.md),
 * called by serve.c's dispatch once a request has passed its checks (Host,
 * Origin, token, method, body size) and arrived whole: the day's list, a
 * preview, a print, the walk-in form, the page's configuration and its
 * files. Each answers through serve_internal.h's replies.
 */
#ifndef MP_ROUTES_H
#define MP_ROUTES_H

#include "serve_internal.h"

/* What the handlers compute once, at start-up: which fields each packet
 * needs (walkin_probe), the walk-in form's required fields, and the
 * /api/config answer. 0, or -1 when out of memory (routes_free frees what
 * was made). */
int routes_prepare(server *s);

/* Frees what routes_prepare made. */
void routes_free(server *s);

/* GET of one of the page's files (web_assets.h); opened as /?token=T, the
 * token goes into a cookie and the browser is sent to /. */
enum MHD_Result routes_static(server *s, struct MHD_Connection *c, const char *url, const char *m,
                              request *r);
/* GET /api/config */
enum MHD_Result routes_config(server *s, struct MHD_Connection *c, const char *m, request *r);
/* GET /api/patients */
enum MHD_Result routes_patients(server *s, struct MHD_Connection *c, const char *m, request *r);
/* GET /api/preview?packet=ID&row=N[&mrn=M] */
enum MHD_Result routes_preview(server *s, struct MHD_Connection *c, const char *m, request *r);
/* POST /api/print {"packet", "row"[, "mrn"]} */
enum MHD_Result routes_print(server *s, struct MHD_Connection *c, const char *m, request *r);
/* POST /api/walkin {"packet", "action", "fields"[, "lang"]} */
enum MHD_Result routes_walkin(server *s, struct MHD_Connection *c, const char *m, request *r);

#endif
