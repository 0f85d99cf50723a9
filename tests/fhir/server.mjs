#!/usr/bin/env node
// A FHIR R4 server for tests: Medplum's FhirRouter over its in-memory
// repository (MemoryRepository, @medplum/fhir-router), behind Node's http.
// This file is glue only: HTTP in (path, query, headers, JSON body) and HTTP
// out (status, headers, JSON); every FHIR behaviour (search, create,
// conditional create, batch and transaction Bundles, the OperationOutcome of
// an error) is the router's, so a test that passes here passes against
// software that no one here wrote. What the router lacks is not made up
// here: tests/fhir/README.md ("Test server") lists it.
//
//   node server.mjs [--port N] [--token TOKEN] [--base /fhir/R4]
//
// Listens on 127.0.0.1 (port 0, the default, takes any free one), prints
// "listening http://127.0.0.1:PORT/fhir/R4" on stdout once ready, and logs one
// line a request on stderr: method, path, the names of the query's
// parameters (not their values, which may be identifiers), status.
// With --token, a request without "Authorization: Bearer TOKEN" gets 401.
// Stops on SIGTERM or SIGINT.
import http from 'node:http';
import { badRequest, getStatus, normalizeOperationOutcome, notFound, unauthorized } from '@medplum/core';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import { loadR4Definitions } from './definitions.mjs';

const usage = 'usage: node server.mjs [--port N] [--token TOKEN] [--base /fhir/R4]\n';
const options = { port: 0, token: undefined, base: '/fhir/R4' };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const name = args[i];
  const value = args[i + 1];
  if (!['--port', '--token', '--base'].includes(name) || value === undefined) {
    process.stderr.write(usage);
    process.exit(2);
  }
  i++;
  if (name === '--port') {
    options.port = Number(value);
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
      process.stderr.write(`server.mjs: --port ${value}: not a port number\n`);
      process.exit(2);
    }
  } else if (name === '--token') {
    options.token = value;
  } else {
    // "/fhir/R4/" and "fhir/R4" name the same base; "/" is the root.
    options.base = ('/' + value).replace(/\/+/g, '/').replace(/\/$/, '');
  }
}

// A request body larger than this is refused (413) rather than held in
// memory: the largest the tests send is a 10 MB narrative.
const maxBodyBytes = 64 * 1024 * 1024;

loadR4Definitions();
const router = new FhirRouter();
const repo = new MemoryRepository();

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/fhir+json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
  return status;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// The headers a FHIR client reads after a write (FHIR http.html#create):
// where the new version is, and its version for If-Match.
function versionHeaders(origin, resource) {
  const headers = {};
  const vid = resource?.meta?.versionId;
  if (resource?.id && vid) {
    headers.ETag = `W/"${vid}"`;
    headers.Location = `${origin}${options.base}/${resource.resourceType}/${resource.id}/_history/${vid}`;
  }
  if (resource?.meta?.lastUpdated) {
    headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  }
  return headers;
}

async function handle(req, res) {
  if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
    req.resume();
    return send(res, 401, unauthorized, { 'WWW-Authenticate': 'Bearer realm="medpacket-fhir-test"' });
  }
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  if (path !== options.base && !path.startsWith(options.base + '/')) {
    req.resume();
    return send(res, 404, notFound);
  }
  // The router takes the URL relative to the base: "Appointment?date=...".
  const routerUrl = url.slice(options.base.length).replace(/^\/+/, '');

  let body;
  const text = await readBody(req);
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch (err) {
      return send(res, 400, badRequest(`Request body is not JSON: ${err.message}`));
    }
  }

  const [outcome, resource] = await router.handleRequest(
    {
      method: req.method,
      url: routerUrl,
      pathname: '',
      body,
      params: {},
      query: {},
      headers: req.headers,
      // Without this the router runs a transaction Bundle as a batch
      // (BatchProcessor.isTransaction), answering it entry by entry.
      config: { transactions: true },
    },
    repo
  );
  const status = getStatus(outcome);
  const origin = `http://${req.headers.host ?? `127.0.0.1:${server.address().port}`}`;
  const headers = status === 200 || status === 201 ? versionHeaders(origin, resource) : {};
  if (status !== 201) {
    delete headers.Location;
  }
  return send(res, status, resource ?? outcome, headers);
}

function queryNames(url) {
  const queryAt = (url ?? '').indexOf('?');
  if (queryAt < 0) {
    return '';
  }
  return '?' + [...new URLSearchParams(url.slice(queryAt + 1)).keys()].join(',');
}

const server = http.createServer((req, res) => {
  handle(req, res)
    .catch((err) => {
      if (res.headersSent) {
        return res.statusCode;
      }
      if (err.status === 413) {
        return send(res, 413, badRequest(err.message));
      }
      const outcome = normalizeOperationOutcome(err);
      return send(res, getStatus(outcome), outcome);
    })
    .then((status) => {
      const path = (req.url ?? '').split('?')[0];
      process.stderr.write(`${req.method} ${path}${queryNames(req.url)} ${status}\n`);
    });
});

server.listen(options.port, '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${server.address().port}${options.base}\n`);
});
server.on('error', (err) => {
  process.stderr.write(`server.mjs: ${err.message}\n`);
  process.exit(1);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    // close() waits for idle keep-alive connections; a test ends now.
    server.closeAllConnections();
  });
}
