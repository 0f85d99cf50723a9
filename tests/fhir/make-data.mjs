#!/usr/bin/env node
// Writes the fixtures of tests/fhir/data/ (data/README.md says what each
// is). They are committed; this is their one source, so the day's Bundle,
// the Bulk Data folder and the server's transaction hold the same people
// and visits: change a patient here and run `node make-data.mjs`, never one
// file by hand. Each resource follows the shape of the FHIR R4
// specification's example of its type (Patient "example", Practitioner
// "example", Appointment "example", Location "1"); every person is
// fictional. Needs no node module.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dataDir = join(dirname(fileURLToPath(import.meta.url)), 'data');
const ehrBase = 'http://ehr.example/fhir';

// The clinic's record numbers: the system of the specification's Patient
// example, typed MR (HL7 v2 table 0203) as there.
const MRN_SYSTEM = 'urn:oid:1.2.36.146.595.217.0.1';
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const BCP47 = 'urn:ietf:bcp:47';

function mrn(value, system = MRN_SYSTEM, assigner = 'Riverside Family Clinic') {
  return {
    use: 'usual',
    type: { coding: [{ system: V2_0203, code: 'MR' }] },
    system,
    value,
    period: { start: '2001-05-06' },
    assigner: { display: assigner },
  };
}

// A New York driver's licence: an identifier that is not the record number,
// listed first on some patients so that "the first identifier" is wrong.
function licence(value) {
  return {
    use: 'official',
    type: { coding: [{ system: V2_0203, code: 'DL', display: "Driver's license number" }] },
    system: 'urn:oid:2.16.840.1.113883.4.3.36',
    value,
  };
}

function language(code, display, preferred) {
  const c = { language: { coding: [{ system: BCP47, code, display }], text: display } };
  if (preferred) {
    c.preferred = true;
  }
  return c;
}

const patients = [
  {
    resourceType: 'Patient',
    id: 'pt-1001',
    identifier: [licence('N12-345-678'), mrn('A1003')],
    active: true,
    name: [
      { use: 'official', family: 'Núñez', given: ['José', 'Antonio'] },
      { use: 'usual', given: ['Pepe'] },
    ],
    telecom: [{ system: 'phone', value: '(212) 555-0143', use: 'mobile', rank: 1 }],
    gender: 'male',
    birthDate: '1968-04-12',
    address: [{ use: 'home', line: ['41 Orchard St, Apt 3B'], city: 'New York', state: 'NY', postalCode: '10002' }],
    communication: [language('es', 'Spanish', true)],
  },
  {
    resourceType: 'Patient',
    id: 'pt-1002',
    identifier: [mrn('A1021')],
    active: true,
    name: [{ use: 'official', family: 'الزهراء', given: ['فاطمة'], text: 'فاطمة الزهراء' }],
    gender: 'female',
    birthDate: '1985-07-02',
    communication: [language('ar', 'Arabic', true)],
  },
  {
    resourceType: 'Patient',
    id: 'pt-1003',
    identifier: [mrn('A1034'), licence('C98-765-432')],
    active: true,
    // Family name first, as written in Chinese; text keeps that order.
    name: [{ use: 'official', family: '陳', given: ['大文'], text: '陳大文' }],
    gender: 'male',
    birthDate: '1949-11-30',
    communication: [language('zh-Hant', 'Chinese (Traditional)', true)],
  },
  {
    resourceType: 'Patient',
    id: 'pt-1004',
    identifier: [mrn('A1042')],
    active: true,
    name: [{ use: 'official', family: 'សុខ', given: ['ជា'], text: 'សុខ ជា' }],
    gender: 'female',
    birthDate: '1990-01-20',
    communication: [language('km', 'Khmer', true)],
  },
  {
    resourceType: 'Patient',
    id: 'pt-1005',
    // Two record numbers typed MR: the clinic's, and a hospital's from
    // before a merger, which only mrn_system tells apart.
    identifier: [mrn('A1057'), mrn('H-88231', 'http://hospital.example/mrn', 'Eastside Hospital')],
    active: true,
    name: [{ use: 'official', family: 'Nguyễn', given: ['Thị', 'Lan'], text: 'Nguyễn Thị Lan' }],
    gender: 'female',
    birthDate: '1972-05-09',
    // Two languages, the second preferred.
    communication: [language('en', 'English', false), language('vi', 'Vietnamese', true)],
  },
  {
    resourceType: 'Patient',
    id: 'pt-1006',
    identifier: [licence('P55-210-987'), mrn('A1066')],
    active: true,
    name: [{ use: 'official', family: 'Петров', given: ['Иван'] }],
    gender: 'male',
    birthDate: '1966-09-01',
    communication: [language('ru', 'Russian', true)],
  },
];

// patient.json: the first patient with all that the specification's Patient
// example carries (several names, contact, the birth time as an extension
// on birthDate, a managing organization).
const fullPatient = {
  ...patients[0],
  text: {
    status: 'generated',
    div: '<div xmlns="http://www.w3.org/1999/xhtml">José Antonio Núñez, born 1968-04-12, MRN A1003</div>',
  },
  name: [
    { use: 'official', family: 'Núñez', given: ['José', 'Antonio'] },
    { use: 'usual', given: ['Pepe'] },
    { use: 'maiden', family: 'Núñez', given: ['José', 'Antonio'], period: { end: '1990-01-01' } },
  ],
  _birthDate: {
    extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1968-04-12T14:35:45-05:00' }],
  },
  deceasedBoolean: false,
  contact: [
    {
      relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'N' }] }],
      name: { family: 'Núñez', given: ['Rosa'] },
      telecom: [{ system: 'phone', value: '(212) 555-0178' }],
      gender: 'female',
    },
  ],
  managingOrganization: { reference: 'Organization/org-1', display: 'Riverside Family Clinic' },
};

const practitioners = [
  {
    resourceType: 'Practitioner',
    id: 'pr-201',
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }],
    active: true,
    name: [{ family: 'Ruiz', given: ['Ana'], prefix: ['Dr.'] }],
    qualification: [
      {
        code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0360', code: 'MD', display: 'Doctor of Medicine' }] },
      },
    ],
  },
  {
    resourceType: 'Practitioner',
    id: 'pr-202',
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1245319599' }],
    active: true,
    name: [{ family: 'Ortiz', given: ['Ben'], prefix: ['Dr.'] }],
  },
];

const locations = [
  {
    resourceType: 'Location',
    id: 'loc-1',
    status: 'active',
    name: 'Riverside Family Clinic, room 2',
    mode: 'instance',
  },
];

// An appointment as the specification's example has it: the patient, the
// attending practitioner (type ATND) and, on the first, the room.
function appointment(id, status, start, end, patient, practitioner, { display = false, location = false } = {}) {
  const participant = [
    { actor: { reference: `Patient/${patient}` }, required: 'required', status: 'accepted' },
    {
      type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'ATND' }] }],
      actor: display
        ? { reference: `Practitioner/${practitioner}`, display: 'Dr. Ana Ruiz' }
        : { reference: `Practitioner/${practitioner}` },
      required: 'required',
      status: 'accepted',
    },
  ];
  if (location) {
    participant.push({ actor: { reference: 'Location/loc-1', display: 'Room 2' }, required: 'required', status: 'accepted' });
  }
  const a = {
    resourceType: 'Appointment',
    id,
    status,
    serviceCategory: [{ coding: [{ system: 'http://example.org/service-category', code: 'gp', display: 'General Practice' }] }],
    appointmentType: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'FOLLOWUP', display: 'A follow up visit from a previous appointment' }],
    },
    description: 'Trigger point injection',
    start,
    end,
    minutesDuration: Math.round((Date.parse(end) - Date.parse(start)) / 60000),
    created: '2026-11-15',
    participant,
  };
  if (status === 'cancelled') {
    a.cancelationReason = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason', code: 'pat' }], text: 'Patient' };
    participant[0].status = 'declined';
  }
  return a;
}

// 2026-12-01 in New York (UTC-05:00 in December), in the order of their
// instants: ap-5008, given in UTC, is 22:15 there and so before ap-5007
// (23:30), though its text sorts after.
const day = [
  appointment('ap-5001', 'booked', '2026-12-01T08:30:00-05:00', '2026-12-01T08:50:00-05:00', 'pt-1001', 'pr-201', { display: true, location: true }),
  appointment('ap-5002', 'arrived', '2026-12-01T09:00:00-05:00', '2026-12-01T09:20:00-05:00', 'pt-1002', 'pr-202'),
  appointment('ap-5003', 'pending', '2026-12-01T10:15:00-05:00', '2026-12-01T10:45:00-05:00', 'pt-1003', 'pr-201', { display: true }),
  appointment('ap-5004', 'cancelled', '2026-12-01T13:30:00-05:00', '2026-12-01T13:50:00-05:00', 'pt-1006', 'pr-202'),
  appointment('ap-5005', 'noshow', '2026-12-01T14:00:00-05:00', '2026-12-01T14:20:00-05:00', 'pt-1002', 'pr-201', { display: true }),
  appointment('ap-5006', 'entered-in-error', '2026-12-01T15:00:00-05:00', '2026-12-01T15:20:00-05:00', 'pt-1001', 'pr-201', { display: true }),
  appointment('ap-5008', 'booked', '2026-12-02T03:15:00Z', '2026-12-02T03:35:00Z', 'pt-1005', 'pr-202'),
  appointment('ap-5007', 'booked', '2026-12-01T23:30:00-05:00', '2026-12-01T23:50:00-05:00', 'pt-1004', 'pr-201'),
];

// Not on the day in New York, though ap-5009's UTC date is 2026-12-01: in
// the export and the server's load, so that a reader or a search has to
// leave them out.
const otherDays = [
  appointment('ap-5009', 'booked', '2026-12-01T04:30:00Z', '2026-12-01T04:50:00Z', 'pt-1006', 'pr-202'),
  appointment('ap-5010', 'booked', '2026-12-02T14:00:00-05:00', '2026-12-02T14:20:00-05:00', 'pt-1003', 'pr-201', { display: true }),
];

function write(name, text) {
  const path = join(dataDir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

const json = (v) => JSON.stringify(v, null, 2) + '\n';
const ndjson = (list) => list.map((r) => JSON.stringify(r) + '\n').join('');
const fullUrl = (r) => `${ehrBase}/${r.resourceType}/${r.id}`;

write(
  'day-searchset.json',
  json({
    resourceType: 'Bundle',
    id: 'day-2026-12-01',
    meta: { lastUpdated: '2026-12-01T06:00:00-05:00' },
    type: 'searchset',
    total: day.length,
    link: [
      {
        relation: 'self',
        url: `${ehrBase}/Appointment?date=2026-12-01&_include=Appointment:patient&_include=Appointment:actor`,
      },
    ],
    entry: [
      ...day.map((r) => ({ fullUrl: fullUrl(r), resource: r, search: { mode: 'match' } })),
      ...[...patients, ...practitioners, ...locations].map((r) => ({ fullUrl: fullUrl(r), resource: r, search: { mode: 'include' } })),
    ],
  })
);

write(
  'collection.json',
  json({
    resourceType: 'Bundle',
    id: 'three-patients',
    type: 'collection',
    timestamp: '2026-12-01T06:00:00-05:00',
    entry: patients.slice(0, 3).map((r) => ({ fullUrl: fullUrl(r), resource: r })),
  })
);

write('patient.json', json(fullPatient));
write('patients.ndjson', ndjson(patients));

// A Bulk Data export ($export) folder: one file a resource type, named by it.
write('bulk/Appointment.ndjson', ndjson([...day, ...otherDays]));
write('bulk/Patient.ndjson', ndjson(patients));
write('bulk/Practitioner.ndjson', ndjson(practitioners));
write('bulk/Location.ndjson', ndjson(locations));

// The same people and visits as a transaction for tests/fhir/server.mjs:
// the server assigns the ids, so entries name each other by urn:uuid, which
// the transaction rewrites to the new ids (FHIR http.html#trules).
const uuidOf = new Map();
let n = 0;
for (const r of [...patients, ...practitioners, ...locations, ...day, ...otherDays]) {
  n++;
  uuidOf.set(`${r.resourceType}/${r.id}`, `urn:uuid:6f1b8a52-0c4e-4d7a-9b1e-${String(n).padStart(12, '0')}`);
}
function forLoad(r) {
  const copy = JSON.parse(JSON.stringify(r));
  delete copy.id;
  for (const p of copy.participant ?? []) {
    p.actor.reference = uuidOf.get(p.actor.reference);
  }
  return copy;
}
write(
  'transaction-load.json',
  json({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [...patients, ...practitioners, ...locations, ...day, ...otherDays].map((r) => ({
      fullUrl: uuidOf.get(`${r.resourceType}/${r.id}`),
      resource: forLoad(r),
      request: { method: 'POST', url: r.resourceType },
    })),
  })
);

// What medpacket files back after printing (issue 20): the signed consent as
// a DocumentReference naming the patient (subject) and the visit
// (context.related: R4's context.encounter takes no Appointment). The
// attachment's bytes stand in for a PDF; size and hash (SHA-1, base64) are
// theirs, as FHIR's Attachment defines them.
const pdf = Buffer.from('%PDF-1.7\n% medpacket test fixture: stands in for the consent PDF\n%%EOF\n');
write(
  'document-reference.json',
  json({
    resourceType: 'DocumentReference',
    identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:0b7c3a55-6a8e-4f0e-9d55-2f4c1c9e8a01' }],
    status: 'current',
    docStatus: 'final',
    type: { coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Consent Document' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Consent Document' }] }],
    subject: { reference: 'Patient/pt-1001' },
    date: '2026-12-01T08:41:07-05:00',
    author: [{ display: 'Riverside Family Clinic' }],
    description: 'Trigger point injection consent, signed',
    content: [
      {
        attachment: {
          contentType: 'application/pdf',
          language: 'es',
          data: pdf.toString('base64'),
          size: pdf.length,
          hash: createHash('sha1').update(pdf).digest('base64'),
          title: 'Consentimiento: inyección en puntos gatillo',
          creation: '2026-12-01T08:41:07-05:00',
        },
      },
    ],
    context: { related: [{ reference: 'Appointment/ap-5001' }] },
  })
);
