/*
 * web_assets.h — the front-desk page's HTML, CSS and JavaScript, compiled
 * into the binary from web/ (cmake/embed.cmake writes the table).
 *
 * Static routes are this table and nothing else: a path is served only if it
 * is one of these names exactly, so "..", encoded slashes or a symlink
 * cannot reach a file on disk.
 */
#ifndef MP_WEB_ASSETS_H
#define MP_WEB_ASSETS_H

#include <stddef.h>

typedef struct web_asset {
    const char *path; /* "/", "/app.js", ... */
    const char *type; /* Content-Type */
    const unsigned char *data;
    size_t len;
} web_asset;

extern const web_asset web_asset_table[];
extern const size_t web_asset_count;

/* The asset served at path exactly, or NULL. */
const web_asset *web_asset_find(const char *path);

#endif
