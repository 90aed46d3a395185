#!/usr/bin/env node
// The demo service that the example runbooks operate on. Dependency-free: node built-ins only.
//
// It behaves like the services in the seed runbooks, in miniature:
//   GET  /health, /healthz   liveness: {"status":"ok","version":…}; 500 when the release is broken
//   GET  /ready              readiness: named checks (database, migration_head, signing_material, worker);
//                            200 only if every check passes, 503 otherwise
//   GET  /version            {"version","started_at","pid","env"}
//   GET  /audit-dsn          whether DEMO_AUDIT_DSN is set (never its value); 503 when it is not
//   GET  /queue              {"accepting","taken","pending","failed"}: the work queue after a rollback
//   POST /work               takes a unit of work (202), or 503 once draining
//   POST /admin/drain        stop taking new work; /ready then fails `worker`
//                            (needs `Authorization: Bearer $DEMO_ADMIN_TOKEN` when that is set)
//
// State lives under $DEMO_HOME (default ./.demo): `version` (the "image"), `broken` (a flag file),
// `migration_head`, `signing.key`, `env` (KEY=VALUE lines, read at start), and the `pid`/`port` files this
// process writes. A version ending in "-bad" is a bad release: it starts, but /health and /ready fail.
// A version older than a destructive migration at or below the head (migrations.mjs) fails the
// migration_head readiness check: the old image cannot run on the new schema.
// Configuration (environment, or the `env` file):
//   DEMO_PORT (7390), DEMO_HOST (127.0.0.1), DEMO_ENV (local), DEMO_DATABASE_URL (a real TCP check of its
//   host:port when set), DEMO_EXPECTED_MIGRATION_HEAD, DEMO_SIGNING_REQUIRED (1/true),
//   DEMO_SIGNING_KEY_FILE ($DEMO_HOME/signing.key), DEMO_WORKER (on|off), DEMO_AUDIT_DSN,
//   DEMO_ADMIN_TOKEN, DEMO_PROXY_PORT (a second port that forwards to the first, like a front proxy),
//   DEMO_COMPLIANCE_MODE, DEMO_SHUTDOWN_GRACE_MS (5000).
// Built-ins are imported, not used as globals: plain JS, linted as-is by the repo's config.
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { URL } from 'node:url';
import { DEFAULT_MIGRATION_HEAD, incompatibility } from './migrations.mjs';

const HOME = resolve(process.env.DEMO_HOME || '.demo');
mkdirSync(HOME, { recursive: true });
loadEnvFile(join(HOME, 'env'));

const cfg = {
  port: Number(process.env.DEMO_PORT || readState('port') || 7390),
  host: process.env.DEMO_HOST || '127.0.0.1',
  env: process.env.DEMO_ENV || 'local',
  proxyPort: process.env.DEMO_PROXY_PORT ? Number(process.env.DEMO_PROXY_PORT) : null,
  shutdownGraceMs: Number(process.env.DEMO_SHUTDOWN_GRACE_MS || 5000),
};
const VERSION = readState('version') || '1.0.0';
const startedAt = new Date();
let draining = false;
let workTaken = 0;

function readState(name) {
  try {
    return readFileSync(join(HOME, name), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** KEY=VALUE lines; the process environment wins over the file. */
function loadEnvFile(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trim().startsWith('#') && process.env[m[1]] === undefined) process.env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
}

function log(msg) {
  process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
}

function truthy(v) {
  return /^(1|true|yes|on)$/i.test(v ?? '');
}

/** A bad release ("-bad" version) or the `broken` flag: the process runs, but is not healthy. */
function brokenReason() {
  if (VERSION.endsWith('-bad')) return `bad release ${VERSION}`;
  if (existsSync(join(HOME, 'broken'))) return 'broken flag set';
  return null;
}

function tcpReachable(host, port, timeoutMs) {
  return new Promise((done) => {
    const s = connect({ host, port });
    const finish = (err) => {
      s.destroy();
      done(err);
    };
    s.setTimeout(timeoutMs, () => finish(`timeout after ${timeoutMs}ms`));
    s.once('connect', () => finish(null));
    s.once('error', (e) => finish(e.code === 'ECONNREFUSED' ? 'connection refused' : e.code || e.message));
  });
}

async function checkDatabase() {
  const url = process.env.DEMO_DATABASE_URL;
  if (!url) return { ok: true, detail: 'embedded store (DEMO_DATABASE_URL not set)' };
  let u;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, detail: 'DEMO_DATABASE_URL is not a URL' };
  }
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || 5432);
  const err = await tcpReachable(host, port, 1000);
  return err ? { ok: false, detail: `${host}:${port}: ${err}` } : { ok: true, detail: `${host}:${port} reachable` };
}

function checkMigrationHead() {
  const actual = readState('migration_head') || DEFAULT_MIGRATION_HEAD;
  // Read on every request, like the schema itself: a destructive migration applied under a running old
  // version makes it not ready at once, and so does an image-only rollback onto that schema.
  const incompatible = incompatibility(actual, VERSION);
  if (incompatible) return { ok: false, detail: incompatible };
  const expected = process.env.DEMO_EXPECTED_MIGRATION_HEAD;
  if (!expected) return { ok: true, detail: `head ${actual} (no expected head configured)` };
  return actual === expected ? { ok: true, detail: `head ${actual} matches` } : { ok: false, detail: `head ${actual}, expected ${expected}` };
}

function checkSigningMaterial() {
  const required = truthy(process.env.DEMO_SIGNING_REQUIRED);
  const file = process.env.DEMO_SIGNING_KEY_FILE || join(HOME, 'signing.key');
  let key = null;
  try {
    key = readFileSync(file);
  } catch {
    // absent
  }
  // The fingerprint, never the key: lets a rotation runbook see that the key changed.
  const fp = key && key.length > 0 ? `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 16)}` : null;
  if (!required) return { ok: true, detail: fp ? `not required (key ${fp})` : 'not required' };
  return fp ? { ok: true, detail: `key present, fingerprint ${fp}` } : { ok: false, detail: `required but missing: ${file}` };
}

function checkWorker() {
  const configured = (process.env.DEMO_WORKER || 'on').toLowerCase() !== 'off';
  const broken = brokenReason();
  const state = broken ? `crash-looping (${broken})` : draining ? 'stopped (draining)' : configured ? 'running' : 'stopped';
  const running = state === 'running';
  return { ok: running === configured, detail: `${state}, configured ${configured ? 'on' : 'off'}` };
}

async function readiness() {
  const checks = {
    database: await checkDatabase(),
    migration_head: checkMigrationHead(),
    signing_material: checkSigningMaterial(),
    worker: checkWorker(),
  };
  return { ready: Object.values(checks).every((c) => c.ok), checks };
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const inbox = [];

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function handle(req, res) {
  const path = new URL(req.url || '/', 'http://demo').pathname;
  const route = `${req.method} ${path}`;
  switch (route) {
    case 'GET /health':
    case 'GET /healthz': {
      const broken = brokenReason();
      const body = {
        status: broken ? 'broken' : 'ok',
        version: VERSION,
        uptime_s: Math.round((Date.now() - startedAt.getTime()) / 1000),
        compliance_mode: truthy(process.env.DEMO_COMPLIANCE_MODE),
      };
      return send(res, broken ? 500 : 200, broken ? { ...body, reason: broken } : body);
    }
    case 'GET /ready': {
      const r = await readiness();
      return send(res, r.ready ? 200 : 503, r);
    }
    case 'GET /version':
      return send(res, 200, { version: VERSION, started_at: startedAt.toISOString(), pid: process.pid, env: cfg.env });
    case 'GET /audit-dsn': {
      const set = Boolean(process.env.DEMO_AUDIT_DSN);
      return send(res, set ? 200 : 503, { audit_dsn: set ? 'set' : 'missing' });
    }
    case 'GET /queue':
      // Work is done as it is taken, so nothing waits or is stuck; `accepting` is what a rollback can break.
      return send(res, 200, { accepting: !draining, taken: workTaken, pending: 0, failed: 0 });
    case 'POST /work':
      if (draining) return send(res, 503, { accepted: false, reason: 'draining' });
      workTaken++;
      return send(res, 202, { accepted: true, id: workTaken });
    case 'POST /admin/drain': {
      const token = process.env.DEMO_ADMIN_TOKEN;
      if (token && req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'admin token required' });
      draining = true;
      log('draining: no new work accepted');
      return send(res, 200, { draining: true });
    }
    case 'POST /notifications': {
      // A pager inbox for the demo: Runledger's signed webhooks land here (kept in memory, last 100).
      let body = '';
      for await (const chunk of req) body += chunk;
      inbox.push({
        at: new Date().toISOString(),
        id: req.headers['webhook-id'] || null,
        signed: Boolean(req.headers['webhook-signature']),
        body: safeJson(body),
      });
      if (inbox.length > 100) inbox.shift();
      log(`notification received: ${req.headers['webhook-id'] || '(no id)'}`);
      return send(res, 200, { ok: true });
    }
    case 'GET /notifications':
      return send(res, 200, { notifications: inbox });
    default:
      return send(res, 404, { error: `no route ${route}` });
  }
}

const server = createServer((req, res) => {
  const t0 = performance.now();
  res.on('finish', () => log(`${req.method} ${req.url} ${res.statusCode} ${(performance.now() - t0).toFixed(1)}ms`));
  handle(req, res).catch((err) => {
    log(`error: ${err && err.stack ? err.stack : err}`);
    if (!res.headersSent) send(res, 500, { error: 'internal error' });
  });
});

// The optional front proxy: a second port forwarding to the first (the seed's "public /healthz through
// the proxy" check has something to reach).
const proxy =
  cfg.proxyPort &&
  createServer((req, res) => {
    const up = request({ host: cfg.host, port: cfg.port, method: req.method, path: req.url, headers: { ...req.headers, via: '1.1 demo-proxy' } }, (upRes) => {
      res.writeHead(upRes.statusCode || 502, { ...upRes.headers, via: '1.1 demo-proxy' });
      upRes.pipe(res);
    });
    up.on('error', (e) => send(res, 502, { error: `upstream: ${e.code || e.message}` }));
    req.pipe(up);
  });

function fail(err) {
  log(`fatal: ${err && err.code ? `${err.code} ` : ''}${err && err.message ? err.message : err}`);
  process.exit(1);
}

server.on('error', fail);
server.listen(cfg.port, cfg.host, () => {
  writeFileSync(join(HOME, 'pid'), `${process.pid}\n`);
  writeFileSync(join(HOME, 'port'), `${cfg.port}\n`);
  log(`started version=${VERSION} env=${cfg.env} migration_head=${readState('migration_head') || DEFAULT_MIGRATION_HEAD} port=${cfg.port} pid=${process.pid}`);
  if (proxy) {
    proxy.on('error', fail);
    proxy.listen(cfg.proxyPort, cfg.host, () => log(`proxy listening port=${cfg.proxyPort}`));
  }
});

let stopping = false;
function shutdown(sig) {
  if (stopping) return;
  stopping = true;
  draining = true;
  log(`${sig}: stopping, finishing in-flight requests`);
  const force = setTimeout(() => {
    log(`still busy after ${cfg.shutdownGraceMs}ms, exiting anyway`);
    process.exit(1);
  }, cfg.shutdownGraceMs);
  force.unref();
  if (proxy) proxy.close();
  server.close(() => {
    // Only remove the pid file if it is still ours (a newer instance may have replaced it).
    if (readState('pid') === String(process.pid)) {
      try {
        unlinkSync(join(HOME, 'pid'));
      } catch {
        // already gone
      }
    }
    log('stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
