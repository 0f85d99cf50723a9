#!/usr/bin/env node
// Writes N fictional Patients as NDJSON (a Bulk Data Patient.ndjson), for
// measuring the FHIR reader's time and memory on a large export:
//
//   node make-ndjson.mjs N OUT
//
// Each has a record number (MR, the clinic's system), a birth date and a
// preferred language, and a name from one of several scripts; every tenth
// has a driver's licence listed before the record number, and every seventh
// two languages, the second preferred, as in tests/fhir/data. The output is
// the same for the same N (no randomness), so runs compare. Needs no node
// module; 100000 lines (50 MB) take about two seconds.
import { closeSync, openSync, writeSync } from 'node:fs';

const [countArg, out] = process.argv.slice(2);
const count = Number(countArg);
if (!out || !Number.isInteger(count) || count < 0) {
  process.stderr.write('usage: node make-ndjson.mjs N OUT\n');
  process.exit(2);
}

// [language, display, family names, given names]
const peoples = [
  ['es', 'Spanish', ['Núñez', 'García', 'Fernández', 'Peña'], ['José', 'Lucía', 'Íñigo', 'María José']],
  ['ar', 'Arabic', ['الزهراء', 'الحسيني', 'منصور'], ['فاطمة', 'محمد', 'ليلى']],
  ['zh-Hant', 'Chinese (Traditional)', ['陳', '林', '黃', '張'], ['大文', '美玲', '志明']],
  ['km', 'Khmer', ['សុខ', 'ចាន់', 'កែវ'], ['ជា', 'ស្រីមុំ', 'វណ្ណា']],
  ['vi', 'Vietnamese', ['Nguyễn', 'Trần', 'Lê', 'Phạm'], ['Thị Lan', 'Văn Hùng', 'Ngọc Ánh']],
  ['ru', 'Russian', ['Петров', 'Смирнова', 'Иванов'], ['Иван', 'Ольга', 'Дмитрий']],
  ['en', 'English', ['Okafor', 'Chen', "O'Brien", 'Smith-Jones'], ['Samuel', 'Margaret', 'Zoë']],
  ['hi', 'Hindi', ['शर्मा', 'वर्मा'], ['अनीता', 'राजेश']],
];

const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const pad = (n, w) => String(n).padStart(w, '0');

function patient(i) {
  const [lang, display, families, givens] = peoples[i % peoples.length];
  const k = Math.floor(i / peoples.length);
  const family = families[k % families.length];
  const given = givens[Math.floor(k / families.length) % givens.length].split(' ');
  const identifier = [
    {
      use: 'usual',
      type: { coding: [{ system: V2_0203, code: 'MR' }] },
      system: 'urn:oid:1.2.36.146.595.217.0.1',
      value: `B${pad(i + 1, 7)}`,
    },
  ];
  if (i % 10 === 3) {
    identifier.unshift({
      type: { coding: [{ system: V2_0203, code: 'DL' }] },
      system: 'urn:oid:2.16.840.1.113883.4.3.36',
      value: `D${pad(i, 3)}-${pad((i * 7919) % 1000, 3)}`,
    });
  }
  const communication = [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: lang, display }] }, preferred: true }];
  if (i % 7 === 5 && lang !== 'en') {
    communication.unshift({ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en', display: 'English' }] } });
  }
  return {
    resourceType: 'Patient',
    id: `bench-${i + 1}`,
    identifier,
    active: true,
    name: [{ use: 'official', family, given }],
    gender: ['female', 'male', 'other', 'unknown'][i % 4],
    birthDate: `${1930 + (i % 80)}-${pad(1 + (i % 12), 2)}-${pad(1 + (i % 28), 2)}`,
    communication,
  };
}

// Lines are joined a thousand at a time: one write call per line is what
// would make 100000 lines slow.
const fd = openSync(out, 'w');
const batch = 1000;
for (let start = 0; start < count; start += batch) {
  let chunk = '';
  for (let i = start; i < Math.min(count, start + batch); i++) {
    chunk += JSON.stringify(patient(i)) + '\n';
  }
  writeSync(fd, chunk);
}
closeSync(fd);
