/*
 * shaper.h — the layout's text engine (layout/shaped.h) over a font set:
 * the Unicode stage (text.h) itemizes a paragraph by direction and script,
 * the font set picks a face for each character (the clinic's family first,
 * then a face found for the script), and HarfBuzz shapes each run.
 *
 * A shaper keeps what it shaped, keyed by the text, its style, language
 * and direction, so that a form's own wording is shaped once per run and
 * not once per patient; only the lines holding a patient's values are
 * shaped again. The cache is emptied between documents when it passes its
 * budget (SHAPER_CACHE_BYTES), never during one, so what a document's
 * layout holds stays valid.
 *
 * A shaper is used by one thread at a time; a pool lends one to each
 * document (batch renders rows on several threads).
 */
#ifndef MP_SHAPER_H
#define MP_SHAPER_H

#include "fontset.h"
#include "shaped.h"

#define SHAPER_CACHE_BYTES (2u << 20)

typedef struct shaper shaper;
typedef struct shaper_pool shaper_pool;

/* NULL when out of memory. The font set must outlive the pool. */
shaper_pool *shaper_pool_new(fontset *fs);
void shaper_pool_free(shaper_pool *p);

/* A shaper for one document, or NULL when out of memory; give it back
 * when the document is done. Taking one starts a document (see above). */
shaper *shaper_take(shaper_pool *p);
void shaper_give(shaper_pool *p, shaper *s);

/* The shaper as the layout calls it. */
layout_shaper shaper_iface(shaper *s);

#endif
