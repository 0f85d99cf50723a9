// Drives the front desk's page of `medpacket serve` in Debian's chromium.
//
//   node serve.test.mjs URL [CSV]
//
// URL: the running server (http://127.0.0.1:PORT/). CSV: the list it serves,
// to count its good rows (default: tests/e2e/data/awkward.csv).
// Environment:
//   PREVIEW_PDF  where to save the previewed PDF (run.sh runs pdftotext on it);
//                without it, pdftotext is run here on a temporary file.
//   SCREENSHOT   where to save a 1280x800 screenshot of the page with the list.
//   SCREENSHOT_NARROW  likewise at 1024x640 (the walk-in form stacks below).
//   PATIENT      the name expected in the PDF (default "Siobhán O'Brien")
//   SEARCH       what is typed to find her (default "obri")
//   LIST, NEXT_LIST  the file the server reads its list from, and another
//                list (serve's own header, three rows: one without a
//                clinician, one naming a packet the server does not offer, one
//                complete) that the last steps put in its place, then break
//                (an empty file), then mend; without them those steps skip.
//   SCREENSHOT_STALE  where to save a screenshot of the page with a stale list.
// The walk-in step types the patient Walter Kinney (run.sh checks the server's
// log for that name too).
// Prints one ok/FAIL line per check; exits 1 if any failed.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const url = process.argv[2];
if (!url) {
  console.error('usage: node serve.test.mjs URL');
  process.exit(64);
}
const SEARCH = process.env.SEARCH ?? 'obri';
const PATIENT = process.env.PATIENT ?? "Siobhán O'Brien";
const TIMEOUT = 15000;

let failures = 0;
function ok(what) { console.log(`ok: ${what}`); }
function fail(what) { console.log(`FAIL: ${what}`); failures++; }
function check(cond, what, detail = '') { if (cond) ok(what); else fail(detail ? `${what}: ${detail}` : what); }
// One step's exception fails that step only; the others still run and report.
async function step(name, fn) {
  try { await fn(); } catch (e) { fail(`${name}: ${e.message.split('\n')[0]}`); }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    '--disable-background-networking', '--no-first-run'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
const page = await context.newPage();
page.setDefaultTimeout(TIMEOUT);
const consoleErrors = [];
page.on('pageerror', (e) => consoleErrors.push(e.message));
// (A 4xx answer is logged by Chromium as "Failed to load resource"; the walk-in
// step expects one, so only other errors count.)
page.on('console', (m) => {
  if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) consoleErrors.push(m.text());
});
// The page must need nothing but the server: no CDN, no font, nothing else.
const origin = new URL(url).origin;
const foreign = [];
page.on('request', (r) => {
  const u = r.url();
  // (Chromium's own PDF viewer loads chrome:// and chrome-extension:// files.)
  if (/^(https?|wss?|ftp):/.test(u) && !u.startsWith(`${origin}/`)) foreign.push(u);
});

// The focused element's data-key or id, once want(it) holds or 2 s passed.
async function focusSettles(want) {
  const now = () => page.evaluate(() => document.activeElement?.dataset.key || document.activeElement?.id);
  for (let i = 0; i < 40; i++) {
    const a = await now();
    if (want(a ?? '')) return a;
    await page.waitForTimeout(50);
  }
  return now();
}

const rows = page.locator('#patients tbody tr');
const search = page.getByRole('searchbox');

try {
  // Baseline: how many good rows the server says there are.
  let expected = 0;
  let canPrint = true;
  await step('load', async () => {
    const [cfgRes, listRes] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/config')),
      page.waitForResponse((r) => r.url().endsWith('/api/patients')),
      page.goto(url)]);
    canPrint = (await cfgRes.json()).can_print !== false;
    const list = await listRes.json();
    expected = list.patients.length;
    check(expected > 0, 'the server lists patients', `${expected}`);
    await page.waitForFunction((n) => document.querySelectorAll('#patients tbody tr').length === n, expected);
    check(await rows.count() === expected, `the list shows all ${expected} good rows`);
    const bad = await page.locator('#bad li').count();
    check(bad === list.bad_rows.length, `bad rows listed apart (${bad})`);
    check(await page.evaluate(() => document.activeElement?.id) === 'search', 'the search box has the focus on load');
  });

  // 7 (first, while the whole list shows): the screenshot.
  await step('screenshot', async () => {
    if (process.env.SCREENSHOT) {
      await page.screenshot({ path: process.env.SCREENSHOT });
      ok(`screenshot ${process.env.SCREENSHOT}`);
    }
  });

  // 1. Typing part of a name narrows the list to that patient.
  await step('search', async () => {
    await search.fill(SEARCH);
    await page.waitForFunction(() => document.querySelectorAll('#patients tbody tr').length === 1);
    check(await rows.count() === 1, `"${SEARCH}" leaves one row`);
    const name = await rows.first().locator('th').textContent();
    const [first, last] = PATIENT.split(' ');
    check(name.includes(last) && name.includes(first), 'it is the patient', name);
    await search.fill('zzzz-nobody');
    check(await page.locator('#no-match').isVisible(), '"no match" shows when nothing matches');
    await search.fill('nunez');  // accents folded
    check(await rows.count() === 1 && (await rows.first().textContent()).includes('Núñez'), '"nunez" finds Núñez');
    await search.fill(SEARCH);
  });

  // 2. Preview: the PDF the page asked for holds the patient's name.
  await step('preview', async () => {
    const button = rows.first().getByRole('button', { name: /^Preview/ });
    const [r] = await Promise.all([page.waitForResponse((r) => r.url().includes('/api/preview')), button.click()]);
    check(r.status() === 200, 'preview answers 200', `${r.status()}`);
    check((r.headers()['content-type'] ?? '').startsWith('application/pdf'), 'preview is a PDF');
    const body = await r.body();
    let file = process.env.PREVIEW_PDF;
    let dir = null;
    if (!file) { dir = mkdtempSync(join(tmpdir(), 'mp-preview-')); file = join(dir, 'preview.pdf'); }
    writeFileSync(file, body, { mode: 0o600 });
    if (!process.env.PREVIEW_PDF) {
      const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
      check(text.includes(PATIENT), `the previewed PDF names ${PATIENT}`);
      rmSync(dir, { recursive: true, force: true });
    } else ok(`preview saved to ${file}`);
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await page.waitForFunction(() => document.querySelector('#preview-frame')?.src.startsWith('blob:'));
    ok('the dialog shows the PDF from a blob URL');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // (The dialog's close event, which puts the focus back, comes a task later.)
    const back = await focusSettles((a) => /^preview:/.test(a));
    check(/^preview:/.test(back ?? ''), 'Escape closes it and the focus is back on Preview', back);
  });

  // 3. Print: the status line says a job was sent.
  await step('print', async () => {
    if (!canPrint) {
      console.log('skip: print (the server runs with --no-print)');
      check(await rows.first().getByRole('button', { name: /^Print/ }).count() === 0, 'no Print button under --no-print');
      return;
    }
    const button = rows.first().getByRole('button', { name: /^Print/ });
    const [r] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/print')), button.click()]);
    check(r.request().headers()['content-type'] === 'application/json', 'print is sent as JSON');
    const status = page.locator('#list-status');
    await page.waitForFunction(() => /job \d+|trabajo \d+/.test(document.querySelector('#list-status').textContent)
      || document.querySelector('#list-status').dataset.kind === 'error');
    const text = await status.textContent();
    check(/job \d+|trabajo \d+/.test(text), 'the status line says a job was sent', text);
    check(await status.getAttribute('role') === 'status', 'the status line is role=status');
    check(await button.isEnabled(), 'Print is enabled again');
  });

  // 4. Walk-in with an impossible date of birth: the server's message shows
  // beside the field and nothing is printed.
  await step('walk-in', async () => {
    const form = page.locator('#walkin');
    await form.getByLabel(/^First name/).fill('Walter');
    await form.getByLabel(/^Last name/).fill('Kinney');
    await form.getByLabel(/^Record number/).fill('W0001');
    await form.getByLabel(/^Clinician/).fill('Dr. Ana Ruiz');   // the packet needs one
    const dob = form.getByLabel(/^Date of birth/);
    await dob.fill('1990-02-30');
    // (Under --no-print there is no Print button: Preview takes the same path.)
    const action = canPrint ? 'print' : 'preview';
    const [r] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/walkin')),
      form.getByRole('button', { name: canPrint ? 'Print' : 'Preview' }).click()]);
    const sent = JSON.parse(r.request().postData());
    check(sent.action === action && sent.fields.dob === '1990-02-30', 'the walk-in sends what was typed', JSON.stringify(sent.fields));
    check(r.status() === 422, 'the server refuses it (422)', `${r.status()}`);
    const err = page.locator('#walkin-dob-error');
    await err.waitFor();
    // Read once the page has shown the error: the response can arrive before
    // the page's own handler has run.
    const errId = await dob.getAttribute('aria-describedby');
    check(await err.isVisible() && (await err.textContent()).length > 0, 'the error shows beside the date of birth',
      await err.textContent());
    check((errId ?? '').split(' ').includes('walkin-dob-error'), 'aria-describedby points at it', errId);
    check(await dob.getAttribute('aria-invalid') === 'true', 'the field is aria-invalid');
    check(await page.evaluate(() => document.activeElement?.id) === 'walkin-dob', 'the focus is on the bad field');
    const st = await page.locator('#walkin-status').textContent();
    check(!/job \d+|trabajo \d+/.test(st), 'no job was sent', st);
    // The next submit clears the old errors first.
    await dob.fill('1990-02-28');
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/walkin')),
      form.getByRole('button', { name: 'Preview' }).click()]);
    check(!(await err.isVisible()) && await dob.getAttribute('aria-invalid') !== 'true', 'the error clears on the next submit');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await page.waitForFunction(() => document.querySelector('#preview-frame')?.src.startsWith('blob:'));
    ok('the walk-in preview opens');
    await dialog.getByRole('button', { name: 'Close' }).click();
    const back = await focusSettles((a) => a === 'walkin-preview');
    check(back === 'walkin-preview', 'Close returns the focus to Preview', back);
  });

  // 5. Español relabels the page; the choice sticks across a reload.
  await step('language', async () => {
    await page.getByRole('button', { name: 'Español' }).click();
    const label = await page.locator('label[for=search]').textContent();
    check(/Buscar/.test(label), 'Español relabels the search box', label);
    check(await page.evaluate(() => document.documentElement.lang) === 'es', '<html lang="es">');
    await page.reload();
    await page.waitForFunction(() => /Buscar/.test(document.querySelector('label[for=search]').textContent));
    ok('the language is remembered');
    await page.getByRole('button', { name: 'English' }).click();
  });

  // 6. "/" focuses the search from anywhere.
  await step('keyboard', async () => {
    await page.locator('#walkin-preview').focus();
    check(await page.evaluate(() => document.activeElement?.id) === 'walkin-preview', 'the focus is elsewhere');
    await page.keyboard.press('/');
    check(await page.evaluate(() => document.activeElement?.id) === 'search', '"/" focuses the search box');
  });

  await step('narrow', async () => {
    if (process.env.SCREENSHOT_NARROW) {
      await search.fill('');
      await page.setViewportSize({ width: 1024, height: 640 });
      await page.screenshot({ path: process.env.SCREENSHOT_NARROW, fullPage: true });
      ok(`screenshot ${process.env.SCREENSHOT_NARROW}`);
    }
  });

  // 8. A row that lacks a field the packet prints: marked before anyone
  // presses a button (the awkward list's row without a record number).
  await step('missing field', async () => {
    await search.fill('missing mrn');
    await page.waitForFunction(() => document.querySelectorAll('#patients tbody tr').length === 1);
    const row = rows.first();
    const preview = row.getByRole('button', { name: /^Preview/ });
    check(await preview.isDisabled(), 'a row without its record number: Preview is off');
    if (canPrint) check(await row.getByRole('button', { name: /^Print/ }).isDisabled(), '...and Print');
    const note = row.locator('.needs');
    const text = (await note.textContent()) ?? '';
    check(await note.isVisible() && text.includes('Record number is needed for this packet'),
      'the row says which field the packet needs', text);
    const described = await preview.getAttribute('aria-describedby');
    check(!!described && described === await note.getAttribute('id'), 'the buttons are described by the note', described);
    await search.fill('');
  });

  // 9. The list changes under the page: a row naming a packet the server does
  // not offer says so; then the file breaks and the page says plainly that its
  // list is stale, without a reload; mended, the warning goes.
  const LIST = process.env.LIST;
  const NEXT_LIST = process.env.NEXT_LIST;
  await step('list changes', async () => {
    if (!LIST || !NEXT_LIST) {
      console.log('skip: list changes (LIST and NEXT_LIST not given)');
      return;
    }
    const next = readFileSync(NEXT_LIST);
    writeFileSync(`${LIST}.new`, next);
    renameSync(`${LIST}.new`, LIST);
    await page.waitForTimeout(700);   // the server reads a changed file once it is 0.5 s old
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('#patients tbody tr').length === 3);
    check(await page.locator('#stale').isHidden(), 'a list read whole: no stale warning');
    const other = rows.filter({ hasText: 'Otherpacket' });
    const problem = (await other.locator('.row-problem').textContent()) ?? '';
    check(problem === 'Row 3: column packets names a packet this server does not offer (it offers tpi-packet)',
      'a packet the server does not offer: a row problem, by row and column', problem);
    check(await other.getByRole('button').count() === 0, '...and no buttons for it');
    const noClin = rows.filter({ hasText: 'Noclinician' });
    check(await noClin.getByRole('button', { name: /^Preview/ }).isDisabled(), 'a row without a clinician: Preview is off');
    const need = (await noClin.locator('.needs').textContent()) ?? '';
    check(need.includes('Clinician is needed for this packet'), '...and the row says why', need);
    check(await rows.filter({ hasText: 'Complete' }).getByRole('button', { name: /^Preview/ }).isEnabled(),
      'a complete row: Preview is on');
  });
  await step('stale list', async () => {
    if (!LIST || !NEXT_LIST) {
      console.log('skip: stale list (LIST and NEXT_LIST not given)');
      return;
    }
    const next = readFileSync(NEXT_LIST);
    writeFileSync(LIST, '');          // the export broke: the server keeps the last list
    const banner = page.locator('#stale');
    await banner.waitFor({ state: 'visible', timeout: 20000 });   // the page polls every 10 s
    const said = (await banner.textContent()) ?? '';
    check(said.includes('This list may be out of date') && said.includes('the file is empty'),
      'a list that became unreadable: the page says it is stale, and why', said);
    check(await banner.getAttribute('role') === 'alert', 'the warning is role=alert');
    check(await rows.count() === await page.evaluate(() => state.list.patients.length) && await rows.count() > 0,
      'the last list is still shown under it');
    if (process.env.SCREENSHOT_STALE) await page.screenshot({ path: process.env.SCREENSHOT_STALE });

    writeFileSync(LIST, next);        // mended
    await banner.waitFor({ state: 'hidden', timeout: 20000 });
    ok('readable again: the warning goes');
  });

  check(foreign.length === 0, 'no request leaves the server', foreign.join(' '));
  check(consoleErrors.length === 0, 'no script errors', consoleErrors.join(' | '));
} finally {
  await browser.close();
}

if (failures) {
  console.log(`${failures} check(s) failed`);
  process.exit(1);
}
console.log('all checks passed');
