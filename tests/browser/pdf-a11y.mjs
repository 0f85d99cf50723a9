// What Chromium's PDF viewer gives a screen reader for a PDF: its headings,
// images, links and the rest of the tree it builds, read from Debian's
// chromium (headless, driven by playwright-core).
//
//   node pdf-a11y.mjs [--tags] [--tree] FILE.pdf
//
// Prints JSON: {file, mode, pages, headings: [{page, level, text}],
// images: [{page, alt}], links: [{page, text, url}]} and with --tree also
// "tree": the viewer's nodes for the PDF, one a line ("  " a level, role,
// then name/level/url when set), without the text-layout nodes.
//
// mode "heuristic" (the default of Chromium 156): the viewer does not read
// the structure tree for its roles. It guesses headings from font sizes (the
// largest text becomes a level-2 heading; an H2 in the tags may stay plain
// text), and makes paragraphs of lines; only an image's alt text comes from
// the tags (pdfium finds a Figure's /Alt by the image's MCID).
// --tags runs it with --enable-features=PdfTags (mode "tags"): the roles come
// from the structure tree (heading, paragraph, list, listItem, table, row,
// rowHeader, cell, figure, link), but headings have no level, and text is
// given to elements a text run at a time, so two table cells on one line
// land in the first.
//
// Why chrome://accessibility: the PDF's nodes live in the PDF plugin's own
// accessibility tree, which Chromium joins to the page's only in the browser
// process. The DevTools protocol (Accessibility.getFullAXTree, on the page or
// on the viewer's out-of-process frames) and Playwright's ARIA snapshots read
// Blink's tree, where the PDF is one EmbeddedObject without children. The
// chrome://accessibility page shows the browser's tree of a tab, PDF nodes
// included, once accessibility is on (--force-renderer-accessibility).
//
// Exits 0; 1 when the viewer gave no tree in time; 64 on bad usage; 77 when
// playwright-core or chromium is missing, so that a test can skip.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const files = args.filter((a) => !a.startsWith('--'));
if (files.length !== 1 || [...flags].some((f) => f !== '--tags' && f !== '--tree')) {
  console.error('usage: node pdf-a11y.mjs [--tags] [--tree] FILE.pdf');
  process.exit(64);
}
const file = resolve(files[0]);
if (!existsSync(file)) {
  console.error(`${files[0]}: no such file`);
  process.exit(1);
}
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`pdf-a11y.mjs: no chromium at ${executablePath}`);
  process.exit(77);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error(`pdf-a11y.mjs: playwright-core is not installed (npm ci in tests/browser): ${e.message}`);
  process.exit(77);
}

const TIMEOUT = Number(process.env.PDF_A11Y_TIMEOUT ?? 30000);
const url = pathToFileURL(file).href;
const browser = await chromium.launch({
  executablePath,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    '--disable-background-networking', '--no-first-run', '--force-renderer-accessibility',
    ...(flags.has('--tags') ? ['--enable-features=PdfTags'] : [])],
});

// One node a line: "++" a level, "id#=N role [flags] key=value ...".
function parseTree(text) {
  const nodes = [];
  for (const line of text.split('\n')) {
    const m = /^((?:\+\+)*)id#=-?\d+ (\w+)(.*)$/.exec(line);
    if (!m) continue;
    const rest = m[3];
    // A value is quoted with ' and not escaped: it ends at the ' that is
    // followed by the next key=, or the end of the line.
    const attr = (key) => new RegExp(` ${key}='(.*?)'(?= \\S+=| \\S+$|$)`).exec(rest)?.[1];
    nodes.push({
      depth: m[1].length / 2,
      role: m[2],
      ignored: / ignored( |$)/.test(rest),
      name: attr('name')?.replaceAll('<newline>', '\n'),
      url: attr('url'),
      level: Number(/ hierarchicalLevel=(\d+)/.exec(rest)?.[1]) || null,
    });
  }
  return nodes;
}

// The nodes under the viewer's pdfRoot, once it says it has loaded the PDF
// and has a region for every page it counts ("PDF document containing N
// pages"); null until then.
function pdfNodes(nodes) {
  const at = nodes.findIndex((n) => n.role === 'pdfRoot');
  if (at < 0) return null;
  const root = nodes[at];
  const sub = [];
  for (let i = at + 1; i < nodes.length && nodes[i].depth > root.depth; i++) sub.push(nodes[i]);
  const pages = Number(/containing (\d+) page/.exec(root.name ?? '')?.[1]);
  const regions = sub.filter((n) => n.role === 'region' && /^Page \d+$/.test(n.name ?? '')).length;
  const loaded = sub.some((n) => n.name === 'Finished loading PDF');
  if (!pages || regions < pages || !loaded) return null;
  return { pages, root, sub };
}

let out = null;
let lastError = '';
try {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(url, { timeout: TIMEOUT });
  const ui = await context.newPage();
  await ui.goto('chrome://accessibility/', { timeout: TIMEOUT });
  const deadline = Date.now() + TIMEOUT;
  while (Date.now() < deadline && !out) {
    const row = await ui.evaluate((u) => [...document.querySelectorAll('#pages .row')]
      .find((r) => r.querySelector('.url')?.textContent.trim() === u)?.id, url);
    if (row) {
      // "Show accessibility tree", then "Refresh accessibility tree": the
      // same button asks the browser for the tab's tree as it is now.
      await ui.click(`#${row}-showOrRefreshTree`);
      await ui.waitForTimeout(300);
      const text = await ui.evaluate((id) => document.getElementById(id)?.innerText ?? '', row);
      out = pdfNodes(parseTree(text));
      if (!out) lastError = /pdfRoot/.test(text) ? 'the PDF is still loading' : 'no pdfRoot in the tab\'s tree';
    } else {
      lastError = 'chrome://accessibility does not list the PDF\'s tab';
    }
    if (!out) await ui.waitForTimeout(500);
  }
} catch (e) {
  lastError = e.message.split('\n')[0];
} finally {
  await browser.close();
}
if (!out) {
  console.error(`${files[0]}: Chromium's PDF viewer gave no accessibility tree in ${TIMEOUT} ms: ${lastError}`);
  process.exit(1);
}

// A node's text: its name, else its descendants' static text.
const { pages, sub } = out;
const textOf = (i) => {
  if (sub[i].name && sub[i].role !== 'region') return sub[i].name;
  const parts = [];
  for (let j = i + 1; j < sub.length && sub[j].depth > sub[i].depth; j++) {
    if (sub[j].role === 'staticText' && sub[j].name) parts.push(sub[j].name);
  }
  return parts.join('');
};
const squash = (s) => s.replace(/\s+/g, ' ').trim();
const result = { file: files[0], mode: flags.has('--tags') ? 'tags' : 'heuristic', pages, headings: [], images: [], links: [] };
const tree = [];
const kept = []; // the depths of the printed ancestors of the node at hand
let pageNo = 0;
sub.forEach((n, i) => {
  while (kept.length && kept[kept.length - 1] >= n.depth) kept.pop();
  if (n.role === 'region' && /^Page \d+$/.test(n.name ?? '')) pageNo = Number(n.name.slice(5));
  if (n.role === 'heading') result.headings.push({ page: pageNo, level: n.level, text: squash(textOf(i)) });
  if (n.role === 'image') result.images.push({ page: pageNo, alt: n.name ?? null });
  if (n.role === 'link') result.links.push({ page: pageNo, text: squash(textOf(i)), url: n.url ?? null });
  if (!n.ignored && !['inlineTextBox', 'genericContainer', 'none'].includes(n.role)) {
    let line = '  '.repeat(kept.length) + n.role;
    kept.push(n.depth);
    if (n.name !== undefined) line += ` ${JSON.stringify(n.name)}`;
    if (n.level) line += ` level=${n.level}`;
    if (n.url) line += ` url=${JSON.stringify(n.url)}`;
    tree.push(line);
  }
});
if (flags.has('--tree')) result.tree = tree;
console.log(JSON.stringify(result, null, 2));
