// `runledger drill` on a local data directory: a restore drill (exit 0, the API's JSON shape, the live
// log on stderr) whose bundle the standalone verifier accepts and refuses once tampered; a drill that
// misses its target (exit 1); bad input (exit 2, nothing recorded); a refused production rollback drill
// (exit 3); a chaos drill that SIGKILLs a real `runledger run` child; a rollback drill through the
// release commands' catalog and runbooks; list and show. On PostgreSQL: a restore drill into the scratch
// database of --target-database (twice, the drill empties it), refused without one (exit 2).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pgAdmin, pgFactory, tempDir } from '@runledger/testkit';
import { cliRunner, fileIn } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'rl-drill-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, 'home');
const run = cliRunner(root, home);
const VERIFY = new URL('../../ledger/bin/runledger-verify.js', import.meta.url).pathname;
const verify = (dir: string) => spawnSync(process.execPath, [VERIFY, 'evidence', dir, '--trust', join(home, 'trust.vkeys'), '--json'], { encoding: 'utf8' });

interface Result {
  id: string;
  kind: string;
  env: string | null;
  passed: boolean;
  reasons: string[];
  measured: { rtoSeconds?: number; rpoSeconds?: number; rpoEntries?: number; steps?: Record<string, number> };
  checks: { name: string; ok: boolean }[];
  evidence: { manifestSha256: string; index: number; dir: string };
}

describe('runledger drill', () => {
  let restored: Result;

  it('runs a restore drill (exit 0): the JSON result names kind, passed, RTO/RPO and the evidence; the log goes to stderr', async () => {
    assert.equal((await run({}, 'init')).code, 0);
    const r = await run({}, 'drill', 'run', 'restore', '--json');
    assert.equal(r.code, 0, r.err);
    restored = JSON.parse(r.out) as Result;
    assert.equal(restored.kind, 'restore');
    assert.equal(restored.passed, true);
    assert.equal(typeof restored.measured.rtoSeconds, 'number');
    assert.equal(typeof restored.measured.rpoSeconds, 'number');
    assert.match(restored.evidence.manifestSha256, /^[0-9a-f]{64}$/);
    assert.equal(restored.evidence.dir, join(`${home}-drills`, restored.id), 'beside the data directory by default');
    assert.ok(Number.isInteger(restored.evidence.index));
    assert.match(r.err, /taking a fresh backup into .*home-backups/);
    assert.match(r.err, /^PASSED$/m);
  });

  it('its evidence verifies offline with runledger-verify; a tampered bundle is refused', () => {
    const ok = verify(restored.evidence.dir);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { manifestSha256: string }).manifestSha256, restored.evidence.manifestSha256);
    const log = join(restored.evidence.dir, 'log.txt');
    const was = readFileSync(log, 'utf8');
    writeFileSync(log, was.replace('PASSED', 'PASSED!'));
    try {
      const bad = verify(restored.evidence.dir);
      assert.equal(bad.status, 1);
      assert.deepEqual(JSON.parse(bad.stdout), {
        ok: false,
        reason: 'FILE_MISMATCH',
        detail: (JSON.parse(bad.stdout) as { detail: string }).detail,
        path: 'log.txt',
      });
    } finally {
      writeFileSync(log, was);
    }
  });

  it('a drill over its target ran and failed (exit 1), naming why; the text form says where the evidence is', async () => {
    const r = await run({}, 'drill', 'run', 'restore', '--backup', 'newest', '--target-rpo', '0.000001');
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /restore FAILED/);
    assert.match(r.out, /✘ RPO [\d.]+ s is over the target 1e-6 s|✘ RPO [\d.]+ s is over the target 0\.000001 s/);
    assert.match(r.out, /check it offline: runledger-verify evidence .* --trust .*trust\.vkeys/);
  });

  it('bad input is exit 2 and records nothing; a production rollback drill is refused (exit 3)', async () => {
    const before = (await run({}, 'ledger', 'head', '--json')).out;
    const cases: Array<[string[], RegExp, number]> = [
      [['drill', 'run', 'fire'], /DRILL_INVALID: no drill kind "fire"/, 2],
      [['drill', 'run', 'escalation', '--option', 'deadline=3'], /DRILL_INVALID: the escalation drill has no option "deadline"/, 2],
      [['drill', 'run', 'restore', '--backup', 'nope'], /DRILL_INVALID: no backup "nope"/, 2],
      [['drill', 'run', 'restore', '--option', 'speed=fast'], /DRILL_INVALID: the restore drill has no option "speed"/, 2],
      [['drill', 'run', 'restore', '--target-rto', '-1'], /USAGE: --target-rto "-1"/, 2],
      [['drill', 'run', 'restore', '--target-database', 'scratch'], /DRILL_INVALID: option targetDatabase \(--target-database\): this store is SQLite/, 2],
      [['drill', 'run', 'chaos', '--scenario', 'db-pause'], /DRILL_NOT_AVAILABLE: chaos db-pause pauses PostgreSQL/, 2],
      [['drill', 'run', 'rollback', '--service', 'shop'], /DRILL_INVALID: .*--release-version/, 2],
      [['drill', 'run', 'rollback', '--service', 'shop', '--release-version', '9.9.9', '--env', 'production'], /DRILL_REFUSED: .*--allow-production/, 3],
      [['drill', 'show', 'drill-20261207T000000Z-000000'], /DRILL_NOT_FOUND: no drill drill-20261207T000000Z-000000/, 5],
    ];
    for (const [args, re, code] of cases) {
      const r = await run({}, ...args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
    }
    assert.equal((await run({}, 'ledger', 'head', '--json')).out, before, 'nothing was appended');
  });

  it('a chaos drill kills a real `runledger run` mid-step and checks its recovery (exit 0)', async () => {
    const r = await run({}, 'drill', 'run', 'chaos', '--scenario', 'kill-run', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as Result;
    assert.equal(j.passed, true, j.reasons.join('; '));
    assert.ok(j.checks.every((c) => c.ok));
    assert.match(r.err, /killed the run's driver \(pid \d+\) mid-step/);
    assert.equal(verify(j.evidence.dir).status, 0);
    const runs = await run({}, 'runs');
    assert.match(runs.out, /succeeded\s+drill-chaos-kill-run/);
  });

  it('a rollback drill deploys and rolls back a catalog service in staging, timing each step', async () => {
    const state = join(root, 'state');
    mkdirSync(state);
    mkdirSync(join(root, 'rb'));
    const runbook = (id: string, script: string, inputs: string[] = []): string => {
      const decl = inputs.length ? `inputs:\n${inputs.map((n) => `  ${n}: {type: string, default: ''}`).join('\n')}\n` : '';
      return `---\nid: ${id}\ntitle: ${id}\n${decl}environments: [staging, production]\n---\n\n# ${id}\n\n## Steps\n\n\`\`\`sh {#main}\n${script}\n\`\`\`\n`;
    };
    fileIn(root, 'rb/deploy.md', runbook('deploy', `echo "{{ inputs.version }}" > ${state}/version`, ['version']));
    fileIn(root, 'rb/smoke.md', runbook('smoke', 'true'));
    fileIn(root, 'rb/rollback.md', runbook('rollback', `echo "{{ inputs.to }}" > ${state}/version`, ['to', 'reason']));
    fileIn(root, 'catalog.yaml', 'services:\n  - name: shop\n    runbooks: { deploy: deploy, verify: smoke, rollback: rollback }\n    release: { bake: 0s }\n');
    const FLAGS = ['--catalog', 'catalog.yaml', '--runbooks', 'rb'];
    const none = await run({}, 'drill', 'run', 'rollback', '--service', 'shop', '--release-version', '2.0.0', ...FLAGS);
    assert.equal(none.code, 2);
    assert.match(none.err, /no release of shop in staging to roll back to/);
    const base = await run(
      {},
      'release',
      'create',
      'shop',
      '1.0.0',
      '--env',
      'staging',
      '--artifact',
      'shop:1.0.0',
      '--digest',
      `sha256:${'a'.repeat(64)}`,
      '--deploy',
      ...FLAGS,
    );
    assert.equal(base.code, 0, base.err);

    const r = await run({}, 'drill', 'run', 'rollback', '--service', 'shop', '--release-version', '2.0.0', '--json', ...FLAGS);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as Result;
    assert.equal(j.env, 'staging');
    assert.equal(j.passed, true, j.reasons.join('; '));
    assert.deepEqual(Object.keys(j.measured.steps!), ['deploy', 'gates', 'rollback']);
    assert.equal(j.measured.rtoSeconds, j.measured.steps!['rollback']);
    assert.equal(readFileSync(join(state, 'version'), 'utf8').trim(), '1.0.0');
    const log = await run({}, 'release', 'log', ...FLAGS);
    assert.match(log.out, new RegExp(`\\| rollback \\| success \\| from=2\\.0\\.0 \\| to=1\\.0\\.0 \\| actor=alice \\| reason=rollback drill ${j.id}$`, 'm'));
    assert.equal(verify(j.evidence.dir).status, 0);
  });

  it('lists drills newest first and shows one with its checks', async () => {
    const l = await run({}, 'drill', 'list', '--json');
    assert.equal(l.code, 0, l.err);
    const drills = (JSON.parse(l.out) as { drills: { id: string; kind: string; passed: boolean; evidence: { index: number } }[] }).drills;
    assert.deepEqual(
      drills.map((d) => [d.kind, d.passed]),
      [
        ['rollback', true],
        ['chaos', true],
        ['restore', false],
        ['restore', true],
      ],
    );
    assert.ok(drills[0]!.evidence.index > drills[1]!.evidence.index);
    const text = await run({}, 'drill', 'list', '--kind', 'restore');
    assert.equal(text.out.trim().split('\n').length, 2);
    const s = await run({}, 'drill', 'show', restored.id, '--json');
    assert.equal(s.code, 0, s.err);
    const shown = JSON.parse(s.out) as { drill: { id: string }; summary: { checks: unknown[] }; evidenceDir: string };
    assert.equal(shown.drill.id, restored.id);
    assert.ok(shown.summary.checks.length >= 4);
    assert.equal(shown.evidenceDir, restored.evidence.dir);
    assert.match((await run({}, 'drill', 'show', restored.id)).out, /✔ ledger: \d+ entries re-derived/);
  });
});

describe('runledger drill run restore (PostgreSQL)', () => {
  const pg = pgFactory();
  after(() => pg.teardown());

  it('restores into the scratch database of --target-database twice in a row (exit 0), emptied each time; without one, exit 2', async () => {
    await pg.setup();
    const u = pg.urls(await pg.createDatabase());
    const env = { RUNLEDGER_DATABASE_URL: u.main, RUNLEDGER_LEDGER_DATABASE_URL: u.writer };
    const pgRoot = tempDir('runledger-drill-cli-pg-');
    const pgRun = cliRunner(pgRoot, join(pgRoot, 'data'));
    assert.equal((await pgRun(env, 'init', '--origin', 'ops.test/drill-cli-pg')).code, 0);

    const none = await pgRun(env, 'drill', 'run', 'restore');
    assert.equal(none.code, 2, none.err);
    assert.match(none.err, /DRILL_INVALID: a restore drill on PostgreSQL restores into a scratch database: .*--target-database NAME/);

    const scratch = await pg.createDatabase();
    for (let i = 0; i < 2; i++) {
      const r = await pgRun(env, 'drill', 'run', 'restore', '--target-database', scratch, '--json');
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out) as Result;
      assert.equal(j.passed, true, j.reasons.join('; '));
      assert.ok(j.checks.some((c) => c.name === 'scratch database' && c.ok));
      const left = await pgAdmin(
        scratch,
        `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('runledger', 'runledger_ledger')`,
      );
      assert.equal(left[0]!.n, 0, `empty after drill ${i + 1}`);
    }
  });
});
