#!/usr/bin/env node
// Control script for the demo service (ctl.sh is a thin wrapper). Dependency-free.
//
//   start                        start; wait until /health answers (any status), or fail loudly
//   stop [--force]               SIGTERM and wait for the exit; --force: SIGKILL if it outlives the wait
//   restart
//   status                       exit 0 when running, 3 when stopped (LSB)
//   upgrade VERSION [REASON]     stop, set the version ("image"), start; one line in deploy.log
//   rollback VERSION REASON      the same to an earlier version ("previous": the one before the last
//                                upgrade); the reason is required and recorded
//   break | fix                  set or clear the broken flag (/health and /ready fail while it is set)
//   drain                        POST /admin/drain: stop taking new work
//   logs [N]                     the last N lines of the service log (default 20)
//   migrate REVISION|head        apply the migrations after the head up to REVISION (migrations.mjs)
//   downgrade [--dry-run] REVISION
//                                reverse the migrations above REVISION, newest first; REVISION must be
//                                explicit (no -1, base or head); --dry-run prints what it would reverse
//   schema [head]                the head and the migration table; `head` prints only the head
//   schema check VERSION [REVISION]
//                                exit 0 if VERSION can run on REVISION (default: the head), else 1 and why
//
// Environment: DEMO_HOME (./.demo), DEMO_PORT (the last port used, else 7390), DEMO_ACTOR (else $USER),
// DEMO_START_TIMEOUT_MS (10000), DEMO_STOP_TIMEOUT_MS (10000), DEMO_ADMIN_TOKEN (for drain).
//
// deploy.log gets one line per upgrade or rollback, appended and never rewritten:
//   <time> | rollback | success | from=2.0.0-bad | to=1.1.0 | actor=alice | reason=healthz 500
// migrations.log gets one line per migration applied or reversed (the schema's history):
//   <time> | upgrade | 0005_drop_legacy | destructive | head=0005_drop_legacy | actor=alice
// Built-ins are imported, not used as globals: plain JS, linted as-is by the repo's config.
import { spawn } from 'node:child_process';
import console from 'node:console';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MIGRATION_HEAD, MIGRATIONS, incompatibility, migrationIndex } from './migrations.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const HOME = resolve(process.env.DEMO_HOME || '.demo');
const START_TIMEOUT_MS = Number(process.env.DEMO_START_TIMEOUT_MS || 10_000);
const STOP_TIMEOUT_MS = Number(process.env.DEMO_STOP_TIMEOUT_MS || 10_000);
const DEFAULT_VERSION = '1.0.0';
const VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

const state = {
  path: (name) => join(HOME, name),
  read(name) {
    try {
      return readFileSync(join(HOME, name), 'utf8').trim() || null;
    } catch {
      return null;
    }
  },
  write(name, value) {
    writeFileSync(join(HOME, name), `${value}\n`);
  },
  remove(name) {
    try {
      unlinkSync(join(HOME, name));
    } catch {
      // not there
    }
  },
};

const port = () => Number(process.env.DEMO_PORT || state.read('port') || 7390);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A failure to report: printed as `ctl: message`, and the exit code. */
class CtlError extends Error {
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}
function die(msg, code = 1) {
  throw new CtlError(msg, code);
}

/** Running, and not a zombie: an orphan's zombie lingers under an init that does not reap. */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const st = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return st !== 'Z' && st !== 'X';
  } catch {
    if (existsSync('/proc/self/stat')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid from the pid file, if that process is alive and is our server (not a recycled pid). */
function runningPid() {
  const pid = Number(state.read('pid'));
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmd.includes('server.mjs')) return null;
  } catch {
    // no /proc: trust the pid file
  }
  return pid;
}

function http(method, path, { timeoutMs = 1000, headers = {} } = {}) {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port: port(), method, path, headers, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => done({ status: null, error: e.code || e.message }));
    req.end();
  });
}

function logTail(n = 20) {
  try {
    return readFileSync(state.path('server.log'), 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

async function start() {
  mkdirSync(HOME, { recursive: true });
  const existing = runningPid();
  if (existing) {
    console.log(`already running pid=${existing} port=${port()} version=${state.read('version')}`);
    return 0;
  }
  if (!state.read('version')) state.write('version', DEFAULT_VERSION);
  const p = port();
  state.write('port', p);
  const version = state.read('version');
  const logFd = openSync(state.path('server.log'), 'a');
  // Its own session: the service outlives this script, and a runbook step's timeout (which kills the
  // step's process group) does not take the service down with it.
  const child = spawn(process.execPath, [join(HERE, 'server.mjs')], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, DEMO_HOME: HOME, DEMO_PORT: String(p) },
  });
  closeSync(logFd);
  child.unref();
  const pid = child.pid;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!alive(pid)) {
      die(`the service exited during startup (version ${version}, port ${p}). Last log lines:\n${logTail(10)}`);
    }
    const h = await http('GET', '/health', { timeoutMs: 500 });
    if (h.status !== null) {
      const note = h.status === 200 ? '' : ' (answers, but is not healthy)';
      console.log(`started pid=${pid} port=${p} version=${version} health=${h.status}${note}`);
      return 0;
    }
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // gone
  }
  die(`/health did not answer within ${START_TIMEOUT_MS}ms (version ${version}, port ${p}); stopped it. Last log lines:\n${logTail(10)}`);
}

async function stop(force) {
  const pid = runningPid();
  if (!pid) {
    state.remove('pid');
    console.log('not running');
    return 0;
  }
  const t0 = Date.now();
  process.kill(pid, 'SIGTERM');
  while (Date.now() - t0 < STOP_TIMEOUT_MS) {
    if (!alive(pid)) {
      state.remove('pid');
      console.log(`stopped pid=${pid} in ${Date.now() - t0}ms`);
      return 0;
    }
    await sleep(25);
  }
  if (!force) die(`pid ${pid} still running ${STOP_TIMEOUT_MS}ms after SIGTERM; not killing it (use \`stop --force\`)`);
  process.kill(pid, 'SIGKILL');
  while (alive(pid)) await sleep(25);
  state.remove('pid');
  console.log(`killed pid=${pid} after ${Date.now() - t0}ms`);
  return 0;
}

async function status() {
  const pid = runningPid();
  const version = state.read('version') || DEFAULT_VERSION;
  const broken = existsSync(state.path('broken')) ? ' broken=yes' : '';
  if (!pid) {
    console.log(`stopped version=${version}${broken}`);
    return 3;
  }
  const [h, r] = [await http('GET', '/health'), await http('GET', '/ready')];
  console.log(`running pid=${pid} port=${port()} version=${version} health=${h.status ?? h.error} ready=${r.status ?? r.error}${broken}`);
  return 0;
}

function clean(text) {
  // One line, and never the separator: the deploy log is read by people and by `cut -d'|'`.
  return String(text)
    .replace(/[\r\n|]+/g, ' ')
    .trim();
}

async function deploy(action, version, reason) {
  if (!VERSION_RE.test(version)) die(`not a version: ${JSON.stringify(version)}`, 2);
  mkdirSync(HOME, { recursive: true });
  const from = state.read('version') || DEFAULT_VERSION;
  const stopped = await stop(false);
  if (stopped !== 0) return stopped;
  if (action === 'upgrade') state.write('previous_version', from);
  state.write('version', version);
  let rc = 1;
  try {
    rc = await start();
  } catch (e) {
    if (!(e instanceof CtlError)) throw e;
    process.stderr.write(`ctl: ${e.message}\n`);
    rc = e.code;
  } finally {
    const actor = process.env.DEMO_ACTOR || process.env.USER || 'unknown';
    const line = [
      new Date().toISOString(),
      action,
      rc === 0 ? 'success' : 'failure',
      `from=${from}`,
      `to=${version}`,
      `actor=${clean(actor)}`,
      `reason=${clean(reason || '-')}`,
    ].join(' | ');
    appendFileSync(state.path('deploy.log'), `${line}\n`);
    console.log(line);
  }
  return rc;
}

const head = () => state.read('migration_head') || DEFAULT_MIGRATION_HEAD;

function knownRevision(rev) {
  const i = migrationIndex(rev);
  if (i < 0) die(`unknown revision ${JSON.stringify(rev)}; known: ${MIGRATIONS.map((m) => m.id).join(', ')}`, 2);
  return i;
}

function recordMigration(direction, m, newHead) {
  const actor = process.env.DEMO_ACTOR || process.env.USER || 'unknown';
  const line = [new Date().toISOString(), direction, m.id, m.kind, `head=${newHead}`, `actor=${clean(actor)}`].join(' | ');
  // The head moves with each step, so an interrupted run leaves the head and the history in agreement.
  state.write('migration_head', newHead);
  appendFileSync(state.path('migrations.log'), `${line}\n`);
  console.log(line);
}

function migrate(target) {
  mkdirSync(HOME, { recursive: true });
  const from = migrationIndex(head());
  if (from < 0) die(`the head ${head()} is not in the migration table; fix migration_head first`);
  const to = target === 'head' ? MIGRATIONS.length - 1 : knownRevision(target);
  if (to < from) die(`${target} is behind the head ${head()}: use \`downgrade ${target}\``, 2);
  if (to === from) console.log(`already at ${head()}`);
  for (let i = from + 1; i <= to; i++) recordMigration('upgrade', MIGRATIONS[i], MIGRATIONS[i].id);
  return 0;
}

function downgrade(target, dryRun) {
  // Seed 000: a schema rollback names the revision it returns to; a relative step could overshoot.
  if (!target || ['-1', 'base', 'head'].includes(target)) die('usage: downgrade [--dry-run] REVISION (an explicit revision, such as 0004_add_column)', 2);
  mkdirSync(HOME, { recursive: true });
  const to = knownRevision(target);
  const from = migrationIndex(head());
  if (from < 0) die(`the head ${head()} is not in the migration table; fix migration_head first`);
  if (to > from) die(`${target} is ahead of the head ${head()}: use \`migrate ${target}\``, 2);
  const steps = MIGRATIONS.slice(to + 1, from + 1).reverse();
  if (steps.length === 0) console.log(`already at ${head()}`);
  for (const m of steps) {
    if (dryRun) {
      console.log(`would reverse ${m.id} (${m.kind}: ${m.summary})`);
      continue;
    }
    recordMigration('downgrade', m, MIGRATIONS[migrationIndex(m.id) - 1].id);
  }
  if (steps.some((m) => m.kind === 'destructive')) console.log('note: data a destructive migration dropped is not restored by its downgrade');
  return 0;
}

function schema(args) {
  if (args[0] === 'head') {
    console.log(head());
    return 0;
  }
  if (args[0] === 'check') {
    if (!args[1]) die('usage: schema check VERSION [REVISION]', 2);
    const rev = args[2] || head();
    if (args[2]) knownRevision(rev);
    const why = incompatibility(rev, args[1]);
    if (why) {
      process.stderr.write(`ctl: ${why}\n`);
      return 1;
    }
    console.log(`version ${args[1]} can run on schema ${rev}`);
    return 0;
  }
  console.log(`head=${head()}`);
  const at = migrationIndex(head());
  MIGRATIONS.forEach((m, i) => console.log(`${i <= at ? '*' : ' '} ${m.id} ${m.kind}${m.minVersion ? ` (needs ${m.minVersion}+)` : ''}: ${m.summary}`));
  return 0;
}

async function main(argv) {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'start':
      return start();
    case 'stop':
      return stop(args.includes('--force'));
    case 'restart': {
      const rc = await stop(false);
      return rc === 0 ? start() : rc;
    }
    case 'status':
      return status();
    case 'upgrade':
      if (!args[0]) die('usage: upgrade VERSION [REASON]', 2);
      return deploy('upgrade', args[0], args.slice(1).join(' '));
    case 'rollback': {
      if (!args[0] || !args[1]) die('usage: rollback VERSION|previous REASON (the reason is recorded)', 2);
      const to = args[0] === 'previous' ? state.read('previous_version') : args[0];
      if (!to) die('no previous version recorded; name the version to roll back to', 2);
      return deploy('rollback', to, args.slice(1).join(' '));
    }
    case 'break':
      mkdirSync(HOME, { recursive: true });
      state.write('broken', new Date().toISOString());
      console.log('broken: /health and /ready now fail');
      return 0;
    case 'fix':
      state.remove('broken');
      console.log('fixed: broken flag cleared');
      return 0;
    case 'drain': {
      const token = process.env.DEMO_ADMIN_TOKEN;
      const r = await http('POST', '/admin/drain', { headers: token ? { authorization: `Bearer ${token}` } : {} });
      if (r.status !== 200) die(`drain failed: ${r.status ?? r.error} ${r.body ?? ''}`.trim());
      console.log('draining: no new work accepted');
      return 0;
    }
    case 'logs':
      console.log(logTail(Number(args[0] || 20)));
      return 0;
    case 'migrate':
      if (!args[0]) die('usage: migrate REVISION|head', 2);
      return migrate(args[0]);
    case 'downgrade': {
      const dryRun = args.includes('--dry-run');
      return downgrade(args.filter((a) => a !== '--dry-run')[0], dryRun);
    }
    case 'schema':
      return schema(args);
    default:
      die(
        'usage: ctl.sh start|stop [--force]|restart|status|upgrade VERSION [REASON]|rollback VERSION|previous REASON|break|fix|drain|logs [N]|migrate REVISION|downgrade [--dry-run] REVISION|schema [head|check VERSION [REVISION]]',
        2,
      );
  }
}

main(process.argv.slice(2)).then(
  (rc) => process.exit(rc ?? 0),
  (err) => {
    process.stderr.write(`ctl: ${err instanceof CtlError ? err.message : err && err.stack ? err.stack : String(err)}\n`);
    process.exit(err instanceof CtlError ? err.code : 1);
  },
);
