/*
 * web_assets.c — see web_assets.h.
 */
#include "web_assets.h"

#include <string.h>

const web_asset *web_asset_find(const char *path)
{
    for (size_t i = 0; path && i < web_asset_count; i++)
        if (strcmp(web_asset_table[i].path, path) == 0)
            return &web_asset_table[i];
    return NULL;
}
