// A PDF's structure tree as Mozilla's pdf.js (Firefox's PDF viewer) reads it:
// what a screen reader in Firefox is given for our tagged PDFs.
//
//   node structtree.mjs FILE.pdf          JSON (below)
//   node structtree.mjs --text FILE.pdf   the tree in reading order, one line
//                                         an element or a marked-content text
//
// JSON: the document's title (Info /Title, and XMP dc:title), language
// (catalog /Lang), whether it says it is tagged (/MarkInfo /Marked), and
// whether the viewer shows the title (/DisplayDocTitle); then for each page
// its structure tree as page.getStructTree() gives it, simplified:
//   element:   {role, alt?, lang?, children: [...]}   (role after the RoleMap)
//   content:   the text of that marked-content sequence (MCID), found by
//              matching getTextContent({includeMarkedContent: true})'s
//              marked-content ids to the tree's content ids ("" when it
//              draws no text: a bullet, an image)
//   object:    {object: "6R"}, and for an annotation (a Link's OBJR) also its
//              subtype and alt text
// and the page's annotations with their alt text (a widget's /TU, else the
// annotation's /Contents), and "untagged": the page's text that is neither in
// a marked-content sequence with an MCID nor an /Artifact (PDF/UA wants none).
//
// --text mirrors poppler's `pdfinfo -struct-text FILE` (without its attribute
// lines and (block)/(inline) notes) so that a test can compare the two:
//   Document
//     H1
//       "Intake packet"
//     Figure alt="Clinic logo"
//       ""
// Two spaces of indentation a level; a content line is a JSON string; an
// element's alt and lang follow its role as alt=JSON lang=JSON; an object
// (annotation) is [object 6R Link]. pdf.js gives each page the part of the
// tree with content on that page, so an element across pages appears once
// a page (each page starts with a "# page N" line).
//
// Exits 0; 1 when the file cannot be read; 64 on bad usage; 77 when
// pdfjs-dist is not installed (run `npm ci` in tests/browser), so that a test
// can skip.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const textMode = args[0] === '--text';
if (textMode) args.shift();
if (args.length !== 1) {
  console.error('usage: node structtree.mjs [--text] FILE.pdf');
  process.exit(64);
}
const file = args[0];

let pdfjs;
try {
  pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
} catch (e) {
  console.error(`structtree.mjs: pdfjs-dist is not installed (npm ci in tests/browser): ${e.message}`);
  process.exit(77);
}

let data;
try {
  data = new Uint8Array(readFileSync(file));
} catch (e) {
  console.error(`${file}: ${e.message}`);
  process.exit(1);
}

// verbosity 0: pdf.js's warnings (a missing standard font's data, which text
// extraction does not need) would go to standard output with the JSON.
const doc = await pdfjs.getDocument({
  data,
  verbosity: pdfjs.VerbosityLevel.ERRORS,
  isEvalSupported: false,
  disableFontFace: true,
  useSystemFonts: false,
}).promise.catch((e) => {
  console.error(`${file}: pdf.js cannot read it: ${e.message}`);
  process.exit(1);
});

// Whitespace as a reader hears it: runs made one space, none at either end.
const squash = (s) => s.replace(/\s+/g, ' ').trim();

// The text of each marked-content id on a page, and the text in no
// sequence with an id that is not an artifact. A sequence without an MCID
// (a BMC /Span inside a BDC with one) gives its text to the one around it.
async function markedText(page) {
  const content = await page.getTextContent({ includeMarkedContent: true });
  const byId = new Map();
  const untagged = [];
  const stack = []; // for each open sequence: {id, artifact}
  for (const item of content.items) {
    if (item.type === 'beginMarkedContent' || item.type === 'beginMarkedContentProps') {
      const outer = stack[stack.length - 1];
      stack.push({
        id: item.id ?? outer?.id ?? null,
        artifact: item.tag === 'Artifact' || !!outer?.artifact,
      });
      if (item.id != null && !byId.has(item.id)) byId.set(item.id, '');
      continue;
    }
    if (item.type === 'endMarkedContent') {
      stack.pop();
      continue;
    }
    const str = (item.str ?? '') + (item.hasEOL ? '\n' : '');
    const top = stack[stack.length - 1];
    if (top?.id != null) byId.set(top.id, byId.get(top.id) + str);
    else if (!top?.artifact && squash(str)) untagged.push(squash(str));
  }
  for (const [id, s] of byId) byId.set(id, squash(s));
  return { byId, untagged };
}

function annotationInfo(a) {
  const out = { id: a.id, subtype: a.subtype };
  const alt = a.alternativeText || a.contentsObj?.str || '';
  if (alt) out.alt = alt;
  if (a.url) out.url = a.url;
  if (a.structParent >= 0) out.structParent = a.structParent;
  return out;
}

function simplify(node, text, annots) {
  if (node.type === 'content') return text.get(node.id) ?? '';
  if (node.type === 'object' || node.type === 'annotation') {
    // (pdf.js names an annotation it found through the parent tree
    // "pdfjs_internal_id_6R", and one named by an OBJR "6R".)
    const id = String(node.id).replace(/^pdfjs_internal_id_/, '');
    const a = annots.get(id);
    return a ? { object: id, subtype: a.subtype, ...(a.alt ? { alt: a.alt } : {}) } : { object: id };
  }
  const out = { role: node.role };
  if (node.alt !== undefined) out.alt = node.alt;
  if (node.lang !== undefined) out.lang = node.lang;
  out.children = (node.children ?? []).map((c) => simplify(c, text, annots));
  return out;
}

const meta = await doc.getMetadata().catch(() => ({ info: {}, metadata: null }));
const markInfo = await doc.getMarkInfo().catch(() => null);
const prefs = await doc.getViewerPreferences().catch(() => null);
const result = {
  file,
  title: meta.info?.Title ?? null,
  dcTitle: meta.metadata?.get('dc:title') ?? null,
  lang: meta.info?.Language ?? null,
  marked: markInfo?.Marked ?? false,
  displayDocTitle: prefs?.DisplayDocTitle ?? false,
  pages: [],
};
for (let n = 1; n <= doc.numPages; n++) {
  const page = await doc.getPage(n);
  // The annotations first: pdf.js learns their struct parents as it reads them.
  const annotations = (await page.getAnnotations()).map(annotationInfo);
  const annots = new Map(annotations.map((a) => [a.id, a]));
  const { byId, untagged } = await markedText(page);
  const tree = await page.getStructTree();
  // pdf.js's own "Root" holds the StructTreeRoot's kids (Document, usually).
  const structTree = (tree?.children ?? []).map((c) => simplify(c, byId, annots));
  result.pages.push({ page: n, structTree, annotations, untagged });
  page.cleanup();
}
await doc.destroy();

if (!textMode) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const lines = [];
  const walk = (node, depth) => {
    const pad = '  '.repeat(depth);
    if (typeof node === 'string') {
      lines.push(pad + JSON.stringify(node));
    } else if ('object' in node) {
      lines.push(`${pad}[object ${node.object}${node.subtype ? ` ${node.subtype}` : ''}]`);
    } else {
      let line = pad + node.role;
      if (node.alt !== undefined) line += ` alt=${JSON.stringify(node.alt)}`;
      if (node.lang !== undefined) line += ` lang=${JSON.stringify(node.lang)}`;
      lines.push(line);
      for (const c of node.children) walk(c, depth + 1);
    }
  };
  for (const p of result.pages) {
    lines.push(`# page ${p.page}`);
    for (const node of p.structTree) walk(node, 0);
  }
  console.log(lines.join('\n'));
}
