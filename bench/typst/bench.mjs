// Compiles consent.typ once per row of a patient CSV (the one medpacket batch reads:
// first_name,last_name,dob,mrn,appointment_date,clinician) in one process, writing
// each PDF to OUTDIR. Prints: rows seconds bytes_total pages_of_first
// Usage: TYPST_TS_DIR=dir-with-node_modules node bench.mjs CSV OUTDIR [qr 1|0]
// TYPST_EVICT=n calls evictCache(n) after each PDF (default 10, as typst-ts suggests
// for non-watch tools; -1: never). TYPST_PDF_TAGS=0 writes an untagged PDF (default:
// tagged, as Typst does by default; medpacket's PDFs are untagged).
import { createRequire } from 'node:module';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
const require = createRequire(process.env.TYPST_TS_DIR + '/');
const { NodeCompiler } = require('@myriaddreamin/typst-ts-node-compiler');

const [csv, outDir, qr = '1'] = process.argv.slice(2);
const evict = Number(process.env.TYPST_EVICT ?? 10);
const pdfTags = (process.env.TYPST_PDF_TAGS ?? '1') !== '0';
const field = /("((?:[^"]|"")*)"|[^,]*)(,|$)/g; // one CSV line, quoted fields allowed
const parse = (l) => [...l.matchAll(field)].slice(0, -1).map((m) => m[2] !== undefined ? m[2].replace(/""/g, '"') : m[1]);
const [head, ...rows] = readFileSync(csv, 'utf8').split('\n').filter((l) => l.trim()).map(parse);
const n = rows.length;
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..'); // the repo: image("/forms/logo.png")
mkdirSync(outDir, { recursive: true });

const t0 = process.hrtime.bigint();
const c = NodeCompiler.create({
  workspace: root,
  fontArgs: [{ fontPaths: ['/usr/share/fonts/truetype/dejavu'] }],
});
let bytes = 0, pages = 0;
for (let i = 0; i < n; i++) {
  const inputs = { qr };
  head.forEach((k, j) => { inputs[k] = rows[i][j]; });
  const res = c.compile({ mainFilePath: resolve(here, 'consent.typ'), inputs });
  const doc = res.result;
  if (!doc || res.hasError()) { res.printErrors(); process.exit(1); }
  if (i === 0) pages = doc.numOfPages;
  const pdf = c.pdf(doc, { pdfTags });
  writeFileSync(`${outDir}/${String(i).padStart(5, '0')}.pdf`, pdf);
  bytes += pdf.length;
  if (evict >= 0) c.evictCache(evict);
}
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(n, s.toFixed(4), bytes, pages);
