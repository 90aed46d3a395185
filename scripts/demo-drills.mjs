// The demo's drills, through the API as the operator: a restore drill (a fresh backup restored into a
// scratch directory and verified: RTO and RPO against seed 001's targets) and an escalation drill (a
// synthetic alert through the real intake and routing, mail in the built-in sink, level 2 after the
// shortened deadline). Each drill's evidence is downloaded and verified offline with the standalone
// verifier against the trust file. Usage: node scripts/demo-drills.mjs BASE_URL TOKENS_FILE TRUST_FILE.
// The token is read from the file, never from the command line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, URL } from 'node:url';

const [base, tokensFile, trust] = process.argv.slice(2);
const token = /^OPERATOR_TOKEN=(.+)$/m.exec(readFileSync(tokensFile, 'utf8'))?.[1]?.trim();
if (!token) throw new Error(`no OPERATOR_TOKEN in ${tokensFile}`);
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const VERIFY = fileURLToPath(new URL('../packages/ledger/bin/runledger-verify.js', import.meta.url));

async function api(method, path, body) {
  const r = await globalThis.fetch(`${base}/api/v1${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  const j = await r.json();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${j.error?.code}: ${j.error?.message}`);
  return j;
}

const secs = (s) => (s === undefined ? '–' : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(1)} s`);

async function drill(kind) {
  const started = await api('POST', '/drills', { kind });
  let d = await api('GET', `/drills/${started.id}`);
  let shown = 0;
  for (let i = 0; i < 600 && d.state === 'running'; i++) {
    for (const line of d.log.slice(shown)) process.stderr.write(`   ${line.replace(/^\S+ /, '')}\n`);
    shown = d.log.length;
    await sleep(500);
    d = await api('GET', `/drills/${started.id}`);
  }
  const r = d.drill;
  if (!r) throw new Error(`the ${kind} drill ${started.id} did not finish`);
  const m = r.measured;
  const figures =
    kind === 'restore'
      ? `RTO ${secs(m.rtoSeconds)} (target ${secs(r.targets.rtoSeconds)}), RPO ${secs(m.rpoSeconds)} (target ${secs(r.targets.rpoSeconds)})`
      : `delivery ${secs(m.deliverySeconds)} (target ${secs(r.targets.deliverySeconds)}), level 2 ${secs(m.escalationSeconds)} after the deadline`;
  process.stderr.write(`   ${kind} drill ${r.id}: ${r.passed ? 'passed' : `FAILED (${r.reasons.join('; ')})`}; ${figures}\n`);

  // The evidence, downloaded as the API serves it and verified offline: nothing of the server is trusted.
  const dir = mkdtempSync(join(tmpdir(), 'runledger-demo-drill-'));
  try {
    const res = await globalThis.fetch(`${base}/api/v1/drills/${r.id}/evidence`, { headers });
    if (!res.ok) throw new Error(`evidence of ${r.id}: ${res.status}`);
    writeFileSync(join(dir, 'evidence.tar'), Buffer.from(await res.arrayBuffer()));
    const x = spawnSync('tar', ['-xf', 'evidence.tar'], { cwd: dir, encoding: 'utf8' });
    if (x.status !== 0) throw new Error(`tar: ${x.stderr}`);
    const v = spawnSync(process.execPath, [VERIFY, 'evidence', join(dir, r.id), '--trust', trust, '--json'], { encoding: 'utf8' });
    const out = JSON.parse(v.stdout || '{}');
    process.stderr.write(
      `   evidence: manifest sha256 ${r.evidence.manifestSha256.slice(0, 16)}…, ledger entry ${r.evidence.index}; offline verification ${v.status === 0 && out.ok ? 'ok' : `FAILED (${out.reason ?? v.stderr})`}\n`,
    );
    return r.passed && v.status === 0 && out.ok === true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const restored = await drill('restore');
const escalated = await drill('escalation');
process.exit(restored && escalated ? 0 : 1);
