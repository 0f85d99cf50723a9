#!/usr/bin/env node
// Validates FHIR R4 resources against the specification's own
// StructureDefinitions, with Medplum's validator (@medplum/core
// validateResource), so that the fixtures of tests/fhir/data and what
// medpacket writes (DocumentReference) are checked by software no one here
// wrote.
//
//   node validate.mjs [--warnings] FILE...   (FILE "-" reads standard input)
//
// A FILE ending in .ndjson holds one resource a line (FHIR Bulk Data); any
// other FILE holds one JSON resource, a Bundle being validated as a whole,
// entries included. Standard input is read as one JSON resource if it parses
// as one, else as NDJSON.
//
// Prints "FILE: entry N: EXPRESSION: problem" for each problem (N counts the
// file's resources from 1: its line in NDJSON, 1 in a JSON file; the
// expression says where inside, Bundle.entry[k] for a Bundle's entry) and
// exits 1 when there is any; otherwise "ok: FILE: N resources valid", N
// counting each resource, a Bundle and each resource in it alike.
// Exits 2 on a usage error. Medplum's warnings (not problems) are printed
// only with --warnings: it warns of every urn:uuid reference in a
// transaction Bundle, which FHIR allows there.
//
// One check is ours, not Medplum's: Medplum's validator does not check codes
// against their required ValueSet (Appointment.status "bogus" passes it), so
// a code whose element has a required binding is looked up in the ValueSet's
// expansion from the specification's terminology (definitions.mjs). ValueSets
// that cannot be expanded offline (MIME types, languages) are not checked.
import { readFileSync } from 'node:fs';
import { arrayify, crawlTypedValue, toTypedValue, validateResource } from '@medplum/core';
import { expandValueSet, loadR4Definitions } from './definitions.mjs';

const args = process.argv.slice(2);
const showWarnings = args[0] === '--warnings';
const files = showWarnings ? args.slice(1) : args;
if (files.length === 0 || files.some((f) => f.startsWith('-') && f !== '-')) {
  process.stderr.write('usage: node validate.mjs [--warnings] FILE... (FILE "-" reads standard input)\n');
  process.exit(2);
}

loadR4Definitions();

// Codes of elements bound to a required ValueSet that are not in it.
function bindingIssues(resource) {
  const issues = [];
  crawlTypedValue(toTypedValue(resource), {
    visitProperty(_parent, key, _path, propertyValues, schema) {
      const binding = schema.elements[key]?.binding;
      if (binding?.strength !== 'required' || !binding.valueSet) {
        return;
      }
      for (const value of propertyValues.flatMap((v) => arrayify(v) ?? [])) {
        if (value?.type !== 'code' || typeof value.value !== 'string') {
          continue;
        }
        const codes = expandValueSet(binding.valueSet);
        if (codes && !codes.has(value.value)) {
          issues.push({
            severity: 'error',
            expression: [value.path],
            text: `code "${value.value}" is not in the required ValueSet ${binding.valueSet.split('|')[0]}`,
          });
        }
      }
    },
  });
  return issues;
}

function issuesOf(resource) {
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
    return [{ severity: 'error', text: 'not a JSON object' }];
  }
  if (typeof resource.resourceType !== 'string') {
    return [{ severity: 'error', text: 'no resourceType' }];
  }
  let issues;
  try {
    issues = validateResource(resource).map(fromOutcomeIssue);
  } catch (err) {
    if (!err.outcome) {
      // e.g. an unknown resourceType: getDataType throws before validating
      return [{ severity: 'error', text: err.message }];
    }
    issues = err.outcome.issue.map(fromOutcomeIssue);
  }
  try {
    issues.push(...bindingIssues(resource));
  } catch {
    // A structure too broken to crawl has errors from validateResource already.
  }
  return issues;
}

function fromOutcomeIssue(issue) {
  return {
    severity: issue.severity,
    expression: issue.expression,
    text: issue.details?.text ?? issue.diagnostics ?? issue.code,
  };
}

function countResources(resource) {
  let n = 1;
  if (resource?.resourceType === 'Bundle') {
    for (const entry of arrayify(resource.entry) ?? []) {
      if (entry?.resource) {
        n += countResources(entry.resource);
      }
    }
  }
  return n;
}

// The file's resources as [{n, text}], one a line for NDJSON.
function splitEntries(name, text) {
  const ndjsonLines = () =>
    text
      .split('\n')
      .map((line, i) => ({ n: i + 1, text: line }))
      // The newline that ends the last line makes no line of its own.
      .filter((e, i, all) => !(i === all.length - 1 && e.text === ''));
  if (name.endsWith('.ndjson')) {
    return ndjsonLines();
  }
  if (name === '-') {
    try {
      JSON.parse(text);
    } catch {
      if (text.trim().includes('\n')) {
        return ndjsonLines();
      }
    }
  }
  return [{ n: 1, text }];
}

let failed = false;
for (const file of files) {
  const label = file === '-' ? 'stdin' : file;
  let text;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    console.log(`${label}: ${err.message}`);
    failed = true;
    continue;
  }
  let count = 0;
  let fileFailed = false;
  for (const entry of splitEntries(file, text)) {
    let resource;
    try {
      resource = JSON.parse(entry.text);
    } catch (err) {
      console.log(`${label}: entry ${entry.n}: not JSON: ${err.message}`);
      fileFailed = true;
      continue;
    }
    for (const issue of issuesOf(resource)) {
      const where = issue.expression?.length ? `${issue.expression.join(', ')}: ` : '';
      const severity = issue.severity === 'error' || issue.severity === 'fatal' ? '' : `${issue.severity}: `;
      if (severity && !showWarnings) {
        continue;
      }
      console.log(`${label}: entry ${entry.n}: ${severity}${where}${issue.text}`);
      if (!severity) {
        fileFailed = true;
      }
    }
    count += countResources(resource);
  }
  if (fileFailed) {
    failed = true;
  } else {
    console.log(`ok: ${label}: ${count} resources valid`);
  }
}
process.exit(failed ? 1 : 0);
