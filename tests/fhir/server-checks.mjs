#!/usr/bin/env node
// The checks that tests/fhir/harness.sh runs against a running server.mjs,
// as a FHIR client would make them (Node's fetch, nothing of Medplum's):
//
//   node server-checks.mjs core|include-paging BASE TOKEN
//
// core: the token, the transaction load, the day's search (paged with
// _offset), conditional create by header and in a transaction, a
// DocumentReference created, found by patient and subject, updated and
// deleted, and errors as OperationOutcomes. Two checks pin quirks of
// Medplum's router that a FHIR client must not rely on (the date of a date
// search is a UTC day; a bare id in a reference search finds nothing), so an
// upgrade that changes them is noticed.
// include-paging: the day's search with _include and _count, following
// Bundle.link next to the end. Medplum 4.5.2's in-memory router does neither:
// it says "skip:" and why, and exits 77.
//
// Prints "ok: ..." a check; exits 1 at the first that fails, with what was
// expected and what came.
import { readFileSync } from 'node:fs';

const [group, base, token] = process.argv.slice(2);
if (!['core', 'include-paging'].includes(group) || !base || !token) {
  process.stderr.write('usage: node server-checks.mjs core|include-paging BASE TOKEN\n');
  process.exit(2);
}

const readData = (name) => JSON.parse(readFileSync(new URL(`./data/${name}`, import.meta.url), 'utf8'));
const MRN_SYSTEM = 'urn:oid:1.2.36.146.595.217.0.1';
// 2026-12-01 in New York (UTC-05:00 in December) as instants: what a client
// that knows the clinic's time zone searches for.
const NY_DAY = 'date=ge2026-12-01T00:00:00-05:00&date=lt2026-12-02T00:00:00-05:00';

class CheckFailed extends Error {}

function ok(message) {
  console.log(`ok: ${message}`);
}

function expect(condition, message) {
  if (!condition) {
    throw new CheckFailed(message);
  }
}

function expectEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  expect(a === e, `${what}: expected ${e}, got ${a}`);
}

async function request(method, path, { body, headers = {}, auth = token } = {}) {
  const url = /^https?:/.test(path) ? path : path === '' ? base : `${base}/${path}`;
  const sent = { Accept: 'application/fhir+json', ...headers };
  if (auth) {
    sent.Authorization = `Bearer ${auth}`;
  }
  if (body !== undefined) {
    sent['Content-Type'] = 'application/fhir+json';
  }
  const res = await fetch(url, {
    method,
    headers: sent,
    body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const what = `${method} ${url.slice(base.length)}`;
  expect(
    (res.headers.get('content-type') ?? '').startsWith('application/fhir+json'),
    `${what}: Content-Type ${res.headers.get('content-type')}, not application/fhir+json`
  );
  return { status: res.status, headers: res.headers, json, what };
}

function expectStatus(res, status) {
  const issue = res.json?.resourceType === 'OperationOutcome' ? ` (${JSON.stringify(res.json.issue)})` : '';
  expect(res.status === status, `${res.what}: status ${res.status}, expected ${status}${issue}`);
}

function expectOutcome(res, status, code) {
  expectStatus(res, status);
  expectEqual(res.json?.resourceType, 'OperationOutcome', `${res.what}: the body's resourceType`);
  expectEqual(res.json.issue?.[0]?.code, code, `${res.what}: the issue's code`);
}

const mrnOf = (patient) =>
  patient.identifier?.find((id) => id.system === MRN_SYSTEM && id.type?.coding?.some((c) => c.code === 'MR'))?.value;
const actorOf = (appointment, type) =>
  appointment.participant?.map((p) => p.actor?.reference).find((ref) => ref?.startsWith(`${type}/`));

// The day as tests/fhir/data/day-searchset.json has it: "start status MRN"
// for each appointment, sorted. Server ids differ from the fixture's; the
// record number says which patient is which.
function expectedDay() {
  const day = readData('day-searchset.json');
  const patients = new Map(
    day.entry.filter((e) => e.resource.resourceType === 'Patient').map((e) => [`Patient/${e.resource.id}`, e.resource])
  );
  return day.entry
    .filter((e) => e.search?.mode === 'match')
    .map((e) => `${e.resource.start} ${e.resource.status} ${mrnOf(patients.get(actorOf(e.resource, 'Patient')))}`)
    .sort();
}

// Loads tests/fhir/data/transaction-load.json; returns the server's
// references by the record number (patients) and start (appointments).
async function load() {
  const bundle = readData('transaction-load.json');
  const res = await request('POST', '', { body: bundle });
  expectStatus(res, 200);
  expectEqual(res.json?.type, 'transaction-response', 'the response Bundle.type');
  expectEqual(res.json.entry?.length, bundle.entry.length, 'entries in the transaction-response');
  const byMrn = new Map();
  const mrnByRef = new Map();
  const appointmentByStart = new Map();
  const created = new Set();
  res.json.entry.forEach((e, i) => {
    expectEqual(e.response?.status, '201', `entry ${i}'s response.status`);
    const ref = `${e.resource.resourceType}/${e.resource.id}`;
    expectEqual(e.response.location, ref, `entry ${i}'s response.location`);
    created.add(ref);
    if (e.resource.resourceType === 'Patient') {
      byMrn.set(mrnOf(e.resource), ref);
      mrnByRef.set(ref, mrnOf(e.resource));
    } else if (e.resource.resourceType === 'Appointment') {
      appointmentByStart.set(e.resource.start, ref);
    }
  });
  // References between entries were urn:uuid; the server rewrote them.
  for (const e of res.json.entry.filter((x) => x.resource.resourceType === 'Appointment')) {
    for (const p of e.resource.participant) {
      expect(created.has(p.actor.reference), `Appointment/${e.resource.id}: actor ${p.actor.reference} is not a resource the transaction made`);
    }
  }
  ok(`transaction-load.json: ${created.size} resources created in one transaction, urn:uuid references rewritten to the server's ids`);
  return { byMrn, mrnByRef, appointmentByStart };
}

async function core() {
  const unauthenticated = await request('GET', 'Patient', { auth: '' });
  expectOutcome(unauthenticated, 401, 'login');
  expect(/^Bearer/.test(unauthenticated.headers.get('www-authenticate') ?? ''), 'a 401 without WWW-Authenticate: Bearer');
  expectOutcome(await request('GET', 'Patient', { auth: `${token}x` }), 401, 'login');
  ok('without the token, and with a wrong one: 401 and an OperationOutcome (login)');

  const { byMrn, mrnByRef, appointmentByStart } = await load();

  // The day, three at a time. The router gives no next link (see
  // include-paging), so the pages are asked for by _offset, which it honours.
  const rows = [];
  let pages = 0;
  for (let offset = 0; pages < 10; offset += 3) {
    const res = await request('GET', `Appointment?${NY_DAY}&_count=3&_offset=${offset}`);
    expectStatus(res, 200);
    expectEqual(res.json.type, 'searchset', 'Bundle.type');
    expectEqual(res.json.total, 8, `Bundle.total of the page at _offset=${offset}`);
    const entries = res.json.entry ?? [];
    expect(entries.length <= 3, `_count=3 gave a page of ${entries.length}`);
    pages++;
    for (const e of entries) {
      rows.push(`${e.resource.start} ${e.resource.status} ${mrnByRef.get(actorOf(e.resource, 'Patient'))}`);
    }
    if (entries.length < 3) {
      break;
    }
  }
  expectEqual(rows.sort(), expectedDay(), 'the day\'s appointments, as "start status MRN"');
  ok(`Appointment?${NY_DAY}&_count=3, paged by _offset: the 8 appointments of 2026-12-01 in New York with their patients (${pages} pages), 22:15 given in UTC and 23:30 among them`);

  const utcDay = await request('GET', 'Appointment?date=2026-12-01');
  expectStatus(utcDay, 200);
  const utcStarts = (utcDay.json.entry ?? []).map((e) => e.resource.start).sort();
  expectEqual(utcStarts.length, 7, 'appointments for date=2026-12-01');
  expect(utcStarts.includes('2026-12-01T04:30:00Z') && !utcStarts.includes('2026-12-01T23:30:00-05:00'), `date=2026-12-01 found ${utcStarts.join(', ')}`);
  ok("Appointment?date=2026-12-01 is the UTC day in Medplum's router (7 appointments, one of them on November 30 in New York, and not the two late ones): a client searches by ge/lt instants with the clinic's offset");

  const nunez = byMrn.get('A1003');
  const read = await request('GET', nunez);
  expectStatus(read, 200);
  expectEqual(mrnOf(read.json), 'A1003', `${nunez}'s record number`);
  expect(/^W\/"/.test(read.headers.get('etag') ?? ''), `GET ${nunez}: no weak ETag`);
  ok(`GET ${nunez.split('/')[0]}/id: 200 with the resource and its ETag`);

  // Conditional create, by header: the second POST finds the first.
  const walkIn = (mrn) => ({
    resourceType: 'Patient',
    identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: MRN_SYSTEM, value: mrn }],
    name: [{ family: 'Walk-in', given: ['Test'] }],
  });
  const ifNoneExist = (mrn) => `identifier=${encodeURIComponent(`${MRN_SYSTEM}|${mrn}`)}`;
  const first = await request('POST', 'Patient', { body: walkIn('C0001'), headers: { 'If-None-Exist': ifNoneExist('C0001') } });
  expectStatus(first, 201);
  expect(/\/Patient\/[^/]+\/_history\/[^/]+$/.test(first.headers.get('location') ?? ''), `201 with Location ${first.headers.get('location')}`);
  const second = await request('POST', 'Patient', { body: walkIn('C0001'), headers: { 'If-None-Exist': ifNoneExist('C0001') } });
  expectStatus(second, 200);
  expectEqual(second.json.id, first.json.id, 'the id the second conditional create answers with');
  const found = await request('GET', `Patient?${ifNoneExist('C0001')}`);
  expectEqual(found.json.total, 1, 'Patients with record number C0001');
  ok('POST Patient with If-None-Exist, twice: 201 then 200 with the same Patient, and one Patient');

  // Conditional create in a transaction entry (request.ifNoneExist).
  const tx = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:3f0c2d7e-5b1a-4c8e-9a6f-0d2b7e4c1a90',
        resource: walkIn('C0002'),
        request: { method: 'POST', url: 'Patient', ifNoneExist: ifNoneExist('C0002') },
      },
    ],
  };
  const tx1 = await request('POST', '', { body: tx });
  expectStatus(tx1, 200);
  expectEqual(tx1.json.entry?.[0]?.response?.status, '201', 'the first transaction\'s entry status');
  const tx2 = await request('POST', '', { body: tx });
  expectStatus(tx2, 200);
  expectEqual(tx2.json.entry?.[0]?.response?.status, '200', 'the second transaction\'s entry status');
  expectEqual(tx2.json.entry[0].response.location, tx1.json.entry[0].response.location, 'the second entry\'s location');
  const found2 = await request('GET', `Patient?${ifNoneExist('C0002')}`);
  expectEqual(found2.json.total, 1, 'Patients with record number C0002');
  ok('a transaction entry with request.ifNoneExist, twice: 201 then 200 with the same Patient, and one Patient');

  // The DocumentReference medpacket files back, for José Núñez's visit.
  const doc = readData('document-reference.json');
  doc.subject.reference = nunez;
  doc.context.related[0].reference = appointmentByStart.get('2026-12-01T08:30:00-05:00');
  const posted = await request('POST', 'DocumentReference', { body: doc });
  expectStatus(posted, 201);
  const docRef = `DocumentReference/${posted.json.id}`;
  expect((posted.headers.get('location') ?? '').includes(`/${docRef}/_history/`), `Location ${posted.headers.get('location')}`);
  ok('POST DocumentReference (data/document-reference.json, for a loaded patient): 201 with Location');

  const other = byMrn.get('A1021');
  for (const [query, want] of [
    [`patient=${nunez}`, [posted.json.id]],
    [`subject=${nunez}`, [posted.json.id]],
    [`patient=${other}`, []],
    [`subject=${other}`, []],
  ]) {
    const res = await request('GET', `DocumentReference?${query}`);
    expectStatus(res, 200);
    expectEqual((res.json.entry ?? []).map((e) => e.resource.id), want, `DocumentReference?${query.replace(/=.*/, '=')}...`);
  }
  ok('DocumentReference?patient=Patient/id and ?subject=Patient/id find it, and nothing for another patient');

  const bare = await request('GET', `DocumentReference?patient=${nunez.split('/')[1]}`);
  expectEqual(bare.json.total, 0, 'DocumentReference?patient=<bare id> in Medplum\'s router');
  ok("DocumentReference?patient=<id> without \"Patient/\" finds nothing in Medplum's router (FHIR allows it): a client writes Patient/id");

  const superseded = { ...posted.json, status: 'superseded' };
  const put = await request('PUT', docRef, { body: superseded });
  expectStatus(put, 200);
  expectEqual(put.json.status, 'superseded', 'status after PUT');
  expect(put.json.meta?.versionId !== posted.json.meta?.versionId, 'PUT kept the versionId');
  expectStatus(await request('DELETE', docRef), 200);
  expectOutcome(await request('GET', docRef), 404, 'not-found');
  ok('PUT DocumentReference/id: 200 with a new version; DELETE: 200; GET after it: 404');

  expectOutcome(await request('GET', 'Patient/no-such-patient'), 404, 'not-found');
  expectOutcome(await request('POST', 'Patient', { body: { resourceType: 'Observation', status: 'final' } }), 400, 'invalid');
  expectOutcome(await request('POST', 'Patient', { body: '{"resourceType": "Patient",' }), 400, 'invalid');
  ok('errors are OperationOutcomes with their status: 404 for an unknown id, 400 for a resource of the wrong type and for a body that is not JSON');
}

async function includePaging() {
  const { mrnByRef } = await load();
  const origin = new URL(base).origin;
  let url = `Appointment?${NY_DAY}&_include=Appointment:patient&_include=Appointment:actor&_count=3`;
  const matches = [];
  const included = new Map();
  let total;
  let pages = 0;
  let firstPageHadNext = false;
  while (url && pages < 10) {
    const res = await request('GET', url);
    expectStatus(res, 200);
    total ??= res.json.total;
    pages++;
    for (const e of res.json.entry ?? []) {
      if (e.search?.mode === 'include') {
        included.set(`${e.resource.resourceType}/${e.resource.id}`, e.resource);
      } else {
        matches.push(e.resource);
      }
    }
    url = res.json.link?.find((l) => l.relation === 'next')?.url;
    if (pages === 1) {
      firstPageHadNext = Boolean(url);
    }
    if (url) {
      expect(url.startsWith(`${origin}/`), `Bundle.link next ${url} is not an absolute URL of this server`);
    }
  }
  const missing = [];
  if (!firstPageHadNext && matches.length < (total ?? Infinity)) {
    missing.push(
      `Medplum's in-memory router (@medplum/fhir-router MemoryRepository.search) gives no Bundle.link next: the first page of _count=3 had ${matches.length} of ${total} appointments and no link to the rest`
    );
  }
  if (included.size === 0) {
    missing.push(
      "Medplum's in-memory router 4.5.2 ignores _include (MemoryRepository.search has no include step; fhir-router 5.2 has one, on Node 22): the Bundle held no Patient or Practitioner"
    );
  }
  if (missing.length) {
    for (const why of missing) {
      console.log(`skip: ${why}`);
    }
    process.exit(77);
  }
  expectEqual(matches.length, 8, 'appointments over all pages');
  const rows = matches
    .map((a) => {
      const ref = actorOf(a, 'Patient');
      expect(included.has(ref), `Appointment/${a.id}'s patient ${ref} was not included`);
      expect(included.has(actorOf(a, 'Practitioner')), `Appointment/${a.id}'s practitioner was not included`);
      return `${a.start} ${a.status} ${mrnByRef.get(ref)}`;
    })
    .sort();
  expectEqual(rows, expectedDay(), 'the day\'s appointments, as "start status MRN"');
  ok(`the day with _include and _count=3: 8 appointments over ${pages} pages by Bundle.link next, each page including its patients and practitioners`);
}

try {
  await (group === 'core' ? core() : includePaging());
} catch (err) {
  console.log(`FAIL: ${err instanceof CheckFailed ? err.message : err.stack}`);
  process.exit(1);
}
