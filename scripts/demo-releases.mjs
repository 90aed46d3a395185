// The demo's two releases, through the API as the operator: demo 1.1.0 (announced after its gates and
// bake window) and 2.0.0-bad (its deploy's smoke step fails; the catalog's autoRollback rolls it back to
// 1.1.0). Usage: node scripts/demo-releases.mjs BASE_URL TOKENS_FILE. The token is read from the file,
// never from the command line.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

const [base, tokensFile] = process.argv.slice(2);
const token = /^OPERATOR_TOKEN=(.+)$/m.exec(readFileSync(tokensFile, 'utf8'))?.[1]?.trim();
if (!token) throw new Error(`no OPERATOR_TOKEN in ${tokensFile}`);
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

async function api(method, path, body) {
  const r = await globalThis.fetch(`${base}/api/v1${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  const j = await r.json();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${j.error?.code}: ${j.error?.message}`);
  return j;
}

async function release(version) {
  const ref = `ghcr.io/example/demo:${version}`;
  const digest = `sha256:${createHash('sha256').update(ref).digest('hex')}`;
  let r = await api('POST', '/releases', { service: 'demo', env: 'local', version, artifact: { ref, digest }, deploy: true });
  let shown = '';
  // Still moving: deploying or verifying, rolling back, or failed with an automatic rollback about to start.
  const busy = (x) =>
    ['planned', 'deploying', 'verifying'].includes(x.state) ||
    (x.rollback !== undefined && x.rollback.outcome === undefined) ||
    (x.state === 'failed' && x.rollbackProposed?.mode === 'on' && x.rollback === undefined && x.rollbackRefused === undefined) ||
    (x.rollback?.outcome !== undefined && x.postRollbackChecklist !== undefined && x.rollback.postChecks === undefined);
  for (let i = 0; i < 600 && busy(r); i++) {
    const line = `${version}: ${r.state}${r.gates
      .filter((g) => g.passed !== null)
      .map((g) => ` ${g.passed ? '✔' : '✘'}${g.name}`)
      .join('')}`;
    if (line !== shown) process.stderr.write(`   ${(shown = line)}\n`);
    await sleep(500);
    r = (await api('GET', `/releases/${r.id}`)).release;
  }
  const why = r.failure ? ` (${r.failure.gate}: ${r.failure.reason.slice(0, 120)})` : '';
  const back = r.rollback ? `; rolled back to ${r.rollback.toVersion}: ${r.rollback.outcome}${r.rollback.detail ? ` (${r.rollback.detail})` : ''}` : '';
  const post = r.rollback?.postChecks ? `; post-rollback checks ${r.rollback.postChecks.passed ? 'hold' : `do not hold: ${r.rollback.postChecks.reason}`}` : '';
  process.stderr.write(`   ${version}: ${r.state}${why}${back}${post}\n`);
  return r;
}

const good = await release('1.1.0');
if (good.state !== 'announced') process.exit(1);
const bad = await release('2.0.0-bad');
process.exit(bad.state === 'rolled_back' ? 0 : 1);
