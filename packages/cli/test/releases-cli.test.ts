// `runledger release` on a local data directory with small shell runbooks: a good release announced
// (exit 0); a bad one that fails its smoke gate, shows the step's output, never announces and is rolled
// back automatically (exit 1) with seed 003's line in `release log`; a production rollback that waits for
// someone else's approval (exit 4), refused to its asker and approved by another (exit 0); bad input
// (exit 2); a rollback refused because the stored ledger does not verify (exit 3) and an admin's
// override; an evidence bundle the standalone verifier accepts; --json in the API's shape.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { cliRunner, fileIn } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'rl-release-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, 'home');
const run = cliRunner(root, home);
const state = join(root, 'state');
mkdirSync(state);
mkdirSync(join(root, 'rb'));

function runbook(id: string, script: string, inputs: string[] = []): string {
  const decl = inputs.length ? `inputs:\n${inputs.map((n) => `  ${n}: {type: string, default: ''}`).join('\n')}\n` : '';
  return `---\nid: ${id}\ntitle: ${id}\n${decl}environments: [staging, production]\n---\n\n# ${id}\n\n## Steps\n\n\`\`\`sh {#main}\n${script}\n\`\`\`\n`;
}
fileIn(root, 'rb/deploy.md', runbook('deploy', `echo "{{ inputs.version }}" > ${state}/version`, ['version']));
fileIn(root, 'rb/smoke.md', runbook('smoke', `test ! -e ${state}/broken || { echo "healthz 500 on /healthz" >&2; exit 1; }`));
fileIn(root, 'rb/rollback.md', runbook('rollback', `echo "{{ inputs.to }}" > ${state}/version`, ['to', 'reason']));
fileIn(
  root,
  'catalog.yaml',
  'services:\n  - name: shop\n    runbooks: { deploy: deploy, verify: smoke, rollback: rollback }\n    release: { bake: 0s, autoRollback: on }\n',
);
const FLAGS = ['--catalog', 'catalog.yaml', '--runbooks', 'rb'];
const digest = (c: string): string => `sha256:${c.repeat(64)}`;
const create = (version: string, env = 'staging', extra: string[] = []) =>
  run({}, 'release', 'create', 'shop', version, '--env', env, '--artifact', `shop:${version}`, '--digest', digest('a'), '--deploy', ...FLAGS, ...extra);

describe('runledger release', () => {
  it('announces a good release (exit 0) and prints it as the API does with --json', async () => {
    assert.equal((await run({}, 'init')).code, 0);
    const r = await create('1.0.0', 'staging', ['--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { state: string; gates: { name: string; passed: boolean }[]; version: string; id: string; env: string; service: string };
    assert.equal(j.state, 'announced');
    assert.deepEqual(
      j.gates.map((g) => [g.name, g.passed]),
      [
        ['smoke', true],
        ['bake', true],
      ],
    );
    assert.match(r.err, /shop 1\.0\.0: announced/, 'progress on stderr');
  });

  it('a failed smoke gate never announces, shows the step’s output, rolls back (exit 1), and the log prints seed 003’s line', async () => {
    writeFileSync(join(state, 'broken'), '1');
    const r = await create('2.0.0');
    rmSync(join(state, 'broken'));
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /FAILED at smoke: .*healthz 500 on \/healthz/);
    assert.match(r.out, /rollback 2\.0\.0 → 1\.0\.0 \(image-only\) by system: success/);
    const log = await run({}, 'release', 'log', ...FLAGS);
    assert.equal(log.code, 0);
    assert.match(log.out, /^\d{4}-\d\d-\d\dT[\d:.]+Z \| rollback \| success \| from=2\.0\.0 \| to=1\.0\.0 \| actor=system \| reason=gate smoke failed: .*$/m);
    const list = await run({}, 'release', 'list', '--json', ...FLAGS);
    const states = (JSON.parse(list.out) as { releases: { version: string; state: string }[] }).releases.map((x) => `${x.version}:${x.state}`);
    assert.deepEqual(states, ['2.0.0:rolled_back', '1.0.0:announced']);
  });

  it('refuses bad input with exit 2, naming the field', async () => {
    const r = await run({}, 'release', 'create', 'shop', '3.0.0', '--env', 'staging', '--artifact', 'shop:3', '--digest', 'md5:abc', ...FLAGS);
    assert.equal(r.code, 2);
    assert.match(r.err, /RELEASE_INVALID: artifact digest "md5:abc" is not sha256:/);
    const s = await run({}, 'release', 'rollback', 'shop', '--env', 'staging', '--reason', ' ', ...FLAGS);
    assert.equal(s.code, 2);
    assert.match(s.err, /ROLLBACK_REASON_REQUIRED/);
  });

  it('a production rollback waits for someone else’s approval (exit 4), then runs (exit 0)', async () => {
    assert.equal((await create('1.0.0', 'production')).code, 0);
    assert.equal((await create('1.1.0', 'production')).code, 0);
    const asked = await run({}, 'release', 'rollback', 'shop', '--env', 'production', '--reason', 'checkout errors after 1.1.0', ...FLAGS);
    assert.equal(asked.code, 4, asked.err);
    assert.match(asked.err, /waiting for an approval: rollbacks in production need an approval/);
    const id = /\((rel-[^)]+)\)/.exec(asked.out)![1]!;
    const self = await run({}, 'release', 'approve', id, ...FLAGS);
    assert.equal(self.code, 3);
    assert.match(self.err, /ROLLBACK_NEEDS_APPROVAL: alice asked for this rollback/);
    const ok = await run({ RUNLEDGER_ACTOR: 'bob', RUNLEDGER_ROLES: 'approver' }, 'release', 'approve', id, ...FLAGS);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /rollback 1\.1\.0 → 1\.0\.0 \(image-only\) by alice, approved by bob: success/);
    const status = await run({}, 'release', 'status', 'shop', '--env', 'production', '--json', ...FLAGS);
    const t = JSON.parse(status.out) as { targets: { current: { version: string } }[] };
    assert.equal(t.targets[0]!.current.version, '1.0.0', 'the release in place is the rollback’s target');
  });

  it('writes an evidence bundle that the standalone verifier accepts', async () => {
    const list = JSON.parse((await run({}, 'release', 'list', '--json', '--env', 'staging', ...FLAGS)).out) as { releases: { id: string; state: string }[] };
    const bad = list.releases.find((x) => x.state === 'rolled_back')!;
    const out = join(root, 'evidence');
    const r = await run({}, 'release', 'evidence', bad.id, '--out', out, '--json', ...FLAGS);
    assert.equal(r.code, 0, r.err);
    const w = JSON.parse(r.out) as { files: number; manifestSha256: string };
    assert.ok(w.files > 8, 'the record, timeline, runs, incidents, SLO, drills, hand-offs, artifacts and cited entries');
    const bin = new URL('../../ledger/bin/runledger-verify.js', import.meta.url).pathname;
    const text = execFileSync(process.execPath, [bin, 'evidence', out, '--trust', join(home, 'trust.vkeys')], { encoding: 'utf8' });
    assert.match(text, new RegExp(w.manifestSha256.slice(0, 16)));
  });

  it('refuses a rollback when the stored ledger does not verify (exit 3), and records an admin’s override', async () => {
    assert.equal((await create('1.2.0')).code, 0, 'a release to roll back from');
    // Edit one stored entry's bytes (the triggers refuse it, so they go first): the verifier finds it.
    const db = new Database(join(home, 'runledger.db'));
    const triggers = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ledger_entries'`).all() as { name: string }[];
    for (const t of triggers) db.exec(`DROP TRIGGER ${t.name}`);
    db.prepare(
      `UPDATE ledger_entries SET bytes = replace(bytes, 'shop', 'shoq') WHERE seq = (SELECT max(seq) FROM ledger_entries WHERE type = 'release.created')`,
    ).run();
    db.close();
    const refused = await run({}, 'release', 'rollback', 'shop', '--env', 'staging', '--reason', 'p99 doubled', ...FLAGS);
    assert.equal(refused.code, 3, refused.err);
    assert.match(refused.err, /ROLLBACK_LEDGER_UNVERIFIED: the ledger did not verify: .*investigate audit anomalies before rolling back/);
    const notAdmin = await run(
      {},
      'release',
      'rollback',
      'shop',
      '--env',
      'staging',
      '--reason',
      'p99 doubled',
      '--override-reason',
      'service first',
      ...FLAGS,
    );
    assert.equal(notAdmin.code, 3);
    assert.match(notAdmin.err, /ROLLBACK_OVERRIDE_FORBIDDEN/);
    const admin = await run(
      { RUNLEDGER_ROLES: 'admin' },
      'release',
      'rollback',
      'shop',
      '--env',
      'staging',
      '--reason',
      'p99 doubled',
      '--override-reason',
      'restore service first; ticket SEC-7',
      '--json',
      ...FLAGS,
    );
    assert.equal(admin.code, 0, admin.err);
    const rolled = JSON.parse(admin.out) as { id: string; state: string; rollback: { toVersion: string } };
    assert.equal(rolled.state, 'rolled_back');
    assert.equal(rolled.rollback.toVersion, '1.0.0');
    const facts = new Database(join(home, 'runledger.db'), { readonly: true })
      .prepare(`SELECT fact FROM release_facts WHERE release_id = ? AND type = 'ledger.override'`)
      .all(rolled.id) as { fact: string }[];
    assert.equal(facts.length, 1, 'the override is recorded with the release');
    assert.match(facts[0]!.fact, /restore service first; ticket SEC-7/);
  });
});
