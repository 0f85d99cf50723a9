// The front desk's page for `medpacket serve`: find today's patient, preview or
// print their packet, or do the same for a walk-in. It talks only to the routes
// in docs/serve-api.md, same-origin, and inserts every piece of data with
// textContent (never innerHTML): names in a clinic's CSV are not to be trusted.
'use strict';

const POLL_MS = 10000;          // the day's CSV may be edited while the desk works
const LANG_KEY = 'medpacket.lang';

const $ = (id) => document.getElementById(id);
const ui = {
  clinic: $('clinic'), source: $('source'), loadError: $('load-error'), langs: $('langs'),
  stale: $('stale'),
  search: $('search'), rows: $('rows'), noMatch: $('no-match'), listStatus: $('list-status'),
  bad: $('bad'), badList: $('bad-list'),
  form: $('walkin'), fields: $('walkin-fields'), walkinStatus: $('walkin-status'),
  walkinPreview: $('walkin-preview'), walkinPrint: $('walkin-print'),
  dialog: $('preview'), dialogTitle: $('preview-title'), dialogMsg: $('preview-msg'),
  frame: $('preview-frame'), close: $('preview-close'),
};

const state = {
  config: null,
  lang: 'en',
  list: null,           // the last /api/patients answer
  listText: '',         // ...as text, so an unchanged list is not re-rendered
  hay: new Map(),       // row -> folded "first last mrn", the search's haystack
  busy: new Set(),      // data-key of print buttons whose request is running
  blobUrl: null,        // the PDF in the preview, revoked when replaced or closed
  opener: null,         // what opened the preview: a data-key (list rows are
                        // re-rendered by polling) or an element (walk-in)
  previewSeq: 0,        // bumps on every open/close, so a late answer is dropped
  polling: false,
};

// ---- small helpers --------------------------------------------------------

// Builds an element; strings among the children become text nodes, so data
// can never turn into markup.
function h(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  n.append(...children.filter((c) => c != null && c !== ''));
  return n;
}

// The label for key in the chosen language, then the default one, then the key
// itself (a missing label should show up as such, not as a blank).
function t(key) {
  const labels = state.config?.labels ?? {};
  return labels[state.lang]?.[key] ?? labels[state.config?.languages?.[0]]?.[key] ?? key;
}

// printf for the labels: "Sent to %s as job %d". Only %s, %d and %%.
function fmt(template, ...args) {
  let i = 0;
  return template.replace(/%([sd%])/g, (m, c) => {
    if (c === '%') return '%';
    const v = args[i++];
    return c === 'd' ? String(Math.trunc(Number(v))) : String(v ?? '');
  });
}

// Search folding: "Núñez" and "nunez", "O'Brien" and "obri" must meet. NFD
// plus dropping marks handles accents; a few letters have no decomposition.
const FOLD = { 'ł': 'l', 'ø': 'o', 'đ': 'd', 'ð': 'd', 'þ': 'th', 'ß': 'ss', 'æ': 'ae', 'œ': 'oe', 'ı': 'i' };
function fold(s) {
  return String(s ?? '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
    .replace(/[łøđðþßæœı]/g, (c) => FOLD[c])
    .replace(/[^\p{L}\p{N}\s]/gu, '')   // apostrophes, hyphens, commas
    .replace(/\s+/g, ' ').trim();
}

// The label, or English words where the server's tables have none (yet).
function tOr(key, english) { const s = t(key); return s === key ? english : s; }

function fullName(p) { return `${p.last_name ?? ''}, ${p.first_name ?? ''}`; }
// A field's label ("Clinician"); a field without one by its name, in words.
function fieldLabel(name) { return tOr(name, String(name).replace(/_/g, ' ')); }
// A language by its own name ("Español", "العربية", "繁體中文"), as the server
// has it from ICU, the way its readers look for it; the tag where none.
function langName(code) { return state.config?.language_names?.[code] ?? String(code ?? ''); }
function packetTitle(id) { return state.config.packets.find((p) => p.id === id)?.title ?? id; }

// Sets a status line; kind styles it (ok, error, busy) and '' clears it.
function say(node, text, kind = '') {
  node.textContent = text;
  node.dataset.kind = text ? kind : '';
}

// Errors are JSON {"error"}; anything else (a crash, a proxy's page) is
// reported by its HTTP status.
async function errorOf(res) {
  try {
    const j = await res.json();
    if (j && typeof j.error === 'string') return j;
  } catch { /* not JSON */ }
  return { error: `HTTP ${res.status} ${res.statusText}`.trim() };
}

function postJSON(path, body) {
  return fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    cache: 'no-store',
  });
}

// ---- language ---------------------------------------------------------------

function setLang(lang) {
  if (!state.config.languages.includes(lang)) lang = state.config.languages[0];
  state.lang = lang;
  document.documentElement.lang = lang;
  // Arabic labels read right to left: the whole page turns around.
  document.documentElement.dir = (state.config.rtl || []).includes(lang) ? 'rtl' : 'ltr';
  try { localStorage.setItem(LANG_KEY, lang); } catch { /* private mode */ }
  for (const n of document.querySelectorAll('[data-l]')) n.textContent = t(n.dataset.l);
  for (const b of ui.langs.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.value === lang));
  for (const n of ui.fields.querySelectorAll('.field-error:not([hidden])')) n.textContent = fieldErrorText(n);
  document.title = `${t('title')} · ${state.config.clinic}`;
  renderMeta();
  renderList();
}

function buildLangSwitch() {
  for (const code of state.config.languages) {
    // Each language is named in itself ("Español"), the way people look for it.
    ui.langs.append(h('button', { type: 'button', value: code, lang: code, 'aria-pressed': 'false',
      onclick: () => setLang(code) }, langName(code)));
  }
}

// ---- the day's list -----------------------------------------------------------

async function loadPatients() {
  if (state.polling) return;
  state.polling = true;
  try {
    const res = await fetch('/api/patients', { cache: 'no-store' });
    if (!res.ok) throw new Error((await errorOf(res)).error);
    const text = await res.text();
    say(ui.loadError, '');
    if (text === state.listText) return;
    state.listText = text;
    state.list = JSON.parse(text);
    state.hay = new Map(state.list.patients.map((p) => [p.row, fold(`${p.first_name} ${p.last_name} ${p.mrn}`)]));
    renderMeta();
    renderList();
  } catch (e) {
    // Keep showing the last list: the desk can still work from it.
    say(ui.loadError, e.message, 'error');
  } finally {
    state.polling = false;
  }
}

// "09:30" for an ISO time of today; with the date for another day.
function clock(iso) {
  const when = new Date(iso);
  if (isNaN(when)) return String(iso ?? '');
  const opts = { hour: '2-digit', minute: '2-digit' };
  if (when.toDateString() !== new Date().toDateString()) Object.assign(opts, { year: 'numeric', month: 'short', day: 'numeric' });
  return when.toLocaleString(state.lang, opts);
}

function renderMeta() {
  const l = state.list;
  if (!l) return;
  ui.source.replaceChildren(h('span', { class: 'file' }, String(l.source ?? '')), ' · ',
    h('time', { datetime: l.loaded_at }, clock(l.loaded_at)));
  renderStale();
}

// The server could not read the list since it changed: the rows below are
// the last list it could read. Said plainly above them, or the desk would
// print from yesterday's list believing it is today's.
function renderStale() {
  const st = state.list?.stale;
  if (!st) {
    ui.stale.hidden = true;
    ui.stale.replaceChildren();
    return;
  }
  const file = String(state.list.source ?? '');
  ui.stale.replaceChildren(
    h('strong', {}, tOr('stale_title', 'This list may be out of date.')), ' ',
    fmt(tOr('stale_text', '%s could not be read since %s (%s). The patients below are the list read at %s.'),
      file, clock(st.since), String(st.reason ?? ''), clock(state.list.loaded_at)));
  ui.stale.hidden = false;
}

// Re-rendering replaces the buttons, so the focused one (if any) is found again
// by its data-key; polling must not yank the keyboard user back to the top.
function renderList() {
  if (!state.list) return;
  const focusKey = ui.rows.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  const words = fold(ui.search.value).split(' ').filter(Boolean);
  const shown = state.list.patients.filter((p) => words.every((w) => state.hay.get(p.row).includes(w)));
  ui.rows.replaceChildren(...shown.map(patientRow));
  if (focusKey) findKey(focusKey)?.focus();
  ui.noMatch.textContent = shown.length ? '' : t('no_match');

  const bad = state.list.bad_rows ?? [];
  ui.bad.hidden = bad.length === 0;
  ui.badList.replaceChildren(...bad.map((b) =>
    h('li', {}, h('span', { class: 'row-no' }, `${t('row')} ${b.row}:`), ' ', String(b.problem ?? ''))));
}

function findKey(key) {
  return key ? ui.rows.querySelector(`[data-key="${CSS.escape(key)}"]`) : null;
}

function patientRow(p) {
  const name = fullName(p);
  const appt = h('td', { class: 'appt' },
    p.appointment_time ? h('span', { class: 'time' }, p.appointment_time) : null,
    p.appointment_date ? h('span', { class: 'date' }, p.appointment_date) : null);
  // A problem with the row itself (a packet the server does not offer) is
  // said where its buttons would be, by row and column.
  const problems = (p.problems ?? []).map((msg) =>
    h('p', { class: 'row-problem' }, `${t('row')} ${p.row}: ${String(msg)}`));
  const actions = h('td', { class: 'actions' }, ...(p.packets ?? []).map((id) => packetButtons(p, id, name)),
    ...problems);
  return h('tr', {}, appt,
    // dir=auto: a name in Arabic or Hebrew sets its own direction, so that
    // "Last, First" reads in its own order beside the dates and numbers.
    h('th', { scope: 'row', class: 'name', dir: 'auto' }, name),
    h('td', { class: 'nowrap' }, p.dob ?? ''),
    h('td', { class: 'mrn' }, p.mrn ?? ''),
    h('td', {}, langName(p.language)),
    actions);
}

function packetButtons(p, id, name) {
  const title = packetTitle(id);
  const many = state.config.packets.length > 1;   // one packet: its name is noise
  // Fields the packet prints that the row leaves empty: the server would
  // refuse the packet (422), so the buttons are off and the note says why
  // before anyone presses them.
  const missing = p.missing?.[id] ?? [];
  const noteId = missing.length ? `needs-${id}-${p.row}` : null;
  const note = missing.length ? h('ul', { class: 'needs', id: noteId },
    ...missing.map((f) => h('li', {}, `${fieldLabel(f)} ${t('err_needed')}`))) : null;
  // The visible word comes first in the accessible name (WCAG 2.5.3); the
  // packet and patient tell a screen reader user which of the many it is.
  const preview = h('button', { type: 'button', 'data-key': `preview:${id}:${p.row}`,
    'aria-label': `${t('preview')}: ${title}, ${name}`, disabled: !!noteId, 'aria-describedby': noteId,
    'data-blocked': noteId ? 'true' : null,
    onclick: (ev) => previewRow(p, id, ev.currentTarget) }, t('preview'));
  const key = `print:${id}:${p.row}`;
  const print = state.config.can_print ? h('button', { type: 'button', class: 'primary', 'data-key': key,
    'aria-label': `${t('print')}: ${title}, ${name}`, disabled: !!noteId || state.busy.has(key),
    'aria-describedby': noteId, 'data-blocked': noteId ? 'true' : null,
    onclick: (ev) => printRow(p, id, ev.currentTarget) }, t('print')) : null;
  return h('div', { class: 'packet' }, many ? h('span', { class: 'packet-title' }, title) : null, preview, print, note);
}

function previewRow(p, id, button) {
  openPreview(`${packetTitle(id)} · ${fullName(p)}`, button.dataset.key);
  const seq = state.previewSeq;
  // The record number goes along: if the list changed since it was shown
  // and row N is now someone else, the server answers 409, not their packet.
  const q = new URLSearchParams({ packet: id, row: String(p.row), mrn: p.mrn ?? '' });
  fetch(`/api/preview?${q}`, { cache: 'no-store' }).then((res) => {
    if (res.status === 409) loadPatients();
    return showPdf(res, seq);
  })
    .catch((e) => seq === state.previewSeq && say(ui.dialogMsg, e.message, 'error'));
}

async function printRow(p, id, button) {
  const key = button.dataset.key;
  const who = fullName(p);
  state.busy.add(key);
  button.disabled = true;
  say(ui.listStatus, `${who}: ${t('printing')}`, 'busy');
  try {
    const res = await postJSON('/api/print', { packet: id, row: p.row, mrn: p.mrn ?? '' });
    if (res.status === 409) loadPatients();
    await printResult(res, ui.listStatus, who);
  } catch (e) {
    say(ui.listStatus, `${who}: ${failText(e.message)}`, 'error');
  } finally {
    state.busy.delete(key);
    // The list may have been re-rendered meanwhile: enable the current button.
    const b = findKey(key);
    if (b) {
      b.disabled = b.dataset.blocked === 'true';   // the list may say the row lacks a field now
      // A disabled button loses focus; give it back if nothing else took it.
      if (document.activeElement === document.body || document.activeElement === null) b.focus();
    }
  }
}

function failText(msg) {
  const tmpl = t('print_failed');
  return tmpl.includes('%s') ? fmt(tmpl, msg) : `${tmpl}: ${msg}`;
}

// Shows a print answer ({"job","printer"} or {"error"}); returns the error body.
async function printResult(res, node, who) {
  if (res.ok) {
    const j = await res.json();
    say(node, `${who}: ${fmt(t('printed'), j.printer ?? state.config.printer ?? '', j.job)}`, 'ok');
    return null;
  }
  const e = await errorOf(res);
  say(node, `${who}: ${failText(e.error)}`, 'error');
  return e;
}

// ---- the preview dialog ---------------------------------------------------------

function dropBlob() {
  ui.frame.hidden = true;
  ui.frame.removeAttribute('src');
  if (state.blobUrl) URL.revokeObjectURL(state.blobUrl);
  state.blobUrl = null;
}

// Opens the dialog in its loading state; the caller fetches and calls showPdf.
function openPreview(title, opener) {
  state.previewSeq++;
  state.opener = opener;
  dropBlob();
  ui.dialogTitle.textContent = title;
  ui.frame.title = title;
  say(ui.dialogMsg, t('loading'), 'busy');
  if (!ui.dialog.open) ui.dialog.showModal();
  ui.close.focus();
}

// Puts a PDF answer in the dialog, or its error. seq: the preview it is for;
// a user who closed or reopened meanwhile must not see a stale document.
async function showPdf(res, seq) {
  try {
    if (!res.ok) throw new Error((await errorOf(res)).error);
    // arrayBuffer, not blob(): Chromium streams a blob() body past DevTools,
    // which then cannot show it (nor the browser test save it).
    const bytes = await res.arrayBuffer();
    if (seq !== state.previewSeq) return;
    dropBlob();
    state.blobUrl = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
    ui.frame.src = state.blobUrl;
    ui.frame.hidden = false;
    say(ui.dialogMsg, '');
  } catch (e) {
    if (seq === state.previewSeq) say(ui.dialogMsg, e.message, 'error');
  }
}

// Escape (the dialog's cancel) and the Close button both end here.
function onDialogClose() {
  state.previewSeq++;
  dropBlob();
  const o = state.opener;
  state.opener = null;
  const target = typeof o === 'string' ? findKey(o) : o;
  (target?.isConnected ? target : ui.search).focus();
}

// ---- the walk-in form -------------------------------------------------------------

function buildWalkin() {
  const cfg = state.config;
  const langs = [...new Set(cfg.packets.flatMap((p) => p.languages ?? []))];
  for (const f of cfg.walkin_fields) {
    const id = `walkin-${f.name}`;
    const label = h('label', { for: id }, h('span', { 'data-l': f.name }, t(f.name)),
      ...(f.required ? [' ', h('span', { class: 'req', 'data-l': 'required' }, t('required'))] : []));
    let input;
    const hintId = `${id}-hint`;
    let hint = null;
    if (f.type === 'language') {
      input = h('select', { id, name: f.name },
        // Named in itself whatever the page's language (lang: for its font
        // and voice), so that the patient finds it.
        ...langs.map((code) => h('option', { value: code, lang: code }, langName(code))));
    } else {
      // Dates are text, not type=date: Chromium turns an impossible date
      // (1990-02-30) into "" before script sees it, and the server, which does
      // the validation, could then only say "is required".
      const date = f.type === 'date';
      if (date) hint = h('span', { class: 'hint', id: hintId, 'data-l': 'date_hint' }, t('date_hint'));
      input = h('input', { id, name: f.name, type: 'text', required: !!f.required, spellcheck: 'false',
        autocomplete: f.name === 'dob' ? 'bday' : 'off', inputmode: date ? 'numeric' : null,
        'aria-describedby': date ? hintId : null });
    }
    input.dataset.hint = hint ? hintId : '';
    const err = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
    ui.fields.append(h('div', { class: 'field' }, label, input, hint, err));
  }
  if (cfg.packets.length > 1) {
    ui.fields.append(h('div', { class: 'field' },
      h('label', { for: 'walkin-packet', 'data-l': 'packets' }, t('packets')),
      h('select', { id: 'walkin-packet', name: 'packet' },
        ...cfg.packets.map((p) => h('option', { value: p.id }, p.title)))));
  }
  ui.walkinPrint.hidden = !cfg.can_print;
  ui.walkinPreview.disabled = ui.walkinPrint.disabled = cfg.packets.length === 0;
  ui.form.addEventListener('submit', submitWalkin);
}

// "Date of birth is not a date that exists (...)": the server's message names
// no field, so the label is put in front of it.
function fieldErrorText(node) { return `${t(node.dataset.field)} ${node.dataset.msg}`; }

function clearFieldErrors() {
  for (const n of ui.fields.querySelectorAll('.field-error')) {
    n.hidden = true;
    n.textContent = '';
    const input = $(`walkin-${n.dataset.field}`);
    if (input) {
      input.removeAttribute('aria-invalid');
      if (input.dataset.hint) input.setAttribute('aria-describedby', input.dataset.hint);
      else input.removeAttribute('aria-describedby');
    }
  }
}

// Shows each {"fields": {name: message}} beside its field; returns the
// messages that have no field on the form (they go to the status line).
function showFieldErrors(fields) {
  const rest = [];
  let first = null;
  for (const f of state.config.walkin_fields) {
    const msg = fields[f.name];
    if (msg == null) continue;
    const input = $(`walkin-${f.name}`);
    const err = $(`walkin-${f.name}-error`);
    err.dataset.field = f.name;
    err.dataset.msg = String(msg);
    err.textContent = fieldErrorText(err);
    err.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', [input.dataset.hint, err.id].filter(Boolean).join(' '));
    if (!first) first = input;
  }
  for (const [name, msg] of Object.entries(fields)) {
    if (!state.config.walkin_fields.some((f) => f.name === name)) rest.push(`${name}: ${msg}`);
  }
  first?.focus();
  return rest;
}

async function submitWalkin(ev) {
  ev.preventDefault();
  const submitter = ev.submitter ?? ui.walkinPreview;   // Enter in a field: preview
  const action = submitter.value === 'print' ? 'print' : 'preview';
  clearFieldErrors();
  const fields = {};
  // Exactly what was typed; an empty field is left out (= not given).
  for (const f of state.config.walkin_fields) {
    const v = ui.form.elements[f.name].value;
    if (v !== '') fields[f.name] = v;
  }
  const packet = ui.form.elements.packet?.value ?? state.config.packets[0]?.id;
  const who = fields.last_name || fields.first_name
    ? `${fields.last_name ?? ''}, ${fields.first_name ?? ''}` : t('walkin');
  ui.walkinPreview.disabled = ui.walkinPrint.disabled = true;
  say(ui.walkinStatus, action === 'print' ? t('printing') : t('loading'), 'busy');
  try {
    // lang: the server words the field messages in the page's language.
    const res = await postJSON('/api/walkin', { packet, action, fields, lang: state.lang });
    if (res.status === 422) {
      const e = await errorOf(res);
      const rest = e.fields ? showFieldErrors(e.fields) : [];
      // Nothing was printed: say why, in the words of the server.
      say(ui.walkinStatus, [e.error, ...rest].filter(Boolean).join(' · '), 'error');
    } else if (action === 'print') {
      await printResult(res, ui.walkinStatus, who);
    } else if (!res.ok) {
      say(ui.walkinStatus, (await errorOf(res)).error, 'error');
    } else {
      say(ui.walkinStatus, '');
      openPreview(`${packetTitle(packet)} · ${who}`, submitter);
      await showPdf(res, state.previewSeq);
    }
  } catch (e) {
    say(ui.walkinStatus, e.message, 'error');
  } finally {
    ui.walkinPreview.disabled = ui.walkinPrint.disabled = false;
    // Submit buttons were disabled under the focus; bring it back.
    if (!ui.dialog.open && (document.activeElement === document.body || !document.activeElement)) submitter.focus();
  }
}

// ---- start --------------------------------------------------------------------

// "/" jumps to the search from anywhere, except while typing in a text field
// (where it is a character) or while the preview is open (the page behind is
// inert).
const TEXT_INPUT = /^(text|search|email|tel|url|password|number|date|datetime-local|month|week|time)$/;
document.addEventListener('keydown', (ev) => {
  if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey || ui.dialog.open) return;
  const a = document.activeElement;
  if (a && (a.isContentEditable || a.tagName === 'TEXTAREA' || (a.tagName === 'INPUT' && TEXT_INPUT.test(a.type)))) return;
  ev.preventDefault();
  ui.search.focus();
  ui.search.select();
});

async function start() {
  ui.search.addEventListener('input', renderList);
  ui.close.addEventListener('click', () => ui.dialog.close());
  ui.dialog.addEventListener('close', onDialogClose);
  try {
    const res = await fetch('/api/config', { cache: 'no-store' });
    if (!res.ok) throw new Error((await errorOf(res)).error);
    state.config = await res.json();
  } catch (e) {
    say(ui.loadError, e.message, 'error');
    ui.noMatch.textContent = '';
    return;
  }
  const cfg = state.config;
  ui.clinic.textContent = cfg.clinic;
  let saved = null;
  try { saved = localStorage.getItem(LANG_KEY); } catch { /* private mode */ }
  buildLangSwitch();
  buildWalkin();
  setLang(saved ?? cfg.languages[0]);
  ui.noMatch.textContent = t('loading');
  await loadPatients();
  // A chain of timeouts, not setInterval: a slow answer never overlaps the next.
  const poll = () => setTimeout(async () => { await loadPatients(); poll(); }, POLL_MS);
  poll();
}

start();
