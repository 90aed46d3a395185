// What the CLI shows when things go wrong: a failed step's output tail (run, show, --json), `logs`,
// exit codes of operator actions, one error-line shape, and a closed stdout that must not kill a run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { cliRunner, fileIn } from './helpers.js';
import { main } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'runledger-logscli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, 'data');

const rl = cliRunner(root, home);

const file = (name: string, text: string): string => fileIn(root, name, text);

// The failing step prints 30 numbered lines to stdout and a reason to stderr, then exits 3.
const FAILS = file(
  'fails.md',
  '---\nid: fails\ntitle: Fails\n---\n\n# Fails\n\n## Procedure\n\n```sh {#prepare}\necho prepared\n```\n\n```sh {#migrate}\nfor i in $(seq 1 30); do echo "line $i"; done\necho "relation users is locked" >&2\nexit 3\n```\n',
);
const GATED = file(
  'gated.md',
  '---\nid: gated\ntitle: Gated\n---\n\n# Gated\n\n## Procedure\n\n```approve {#go}\nShip it?\n```\n\n```sh {#ship}\necho shipped\n```\n',
);
const CHATTY = file(
  'chatty.md',
  '---\nid: chatty\ntitle: Chatty\n---\n\n# Chatty\n\n## Procedure\n\n```sh {#one}\necho one\n```\n\n```sh {#two}\necho two\n```\n\n```sh {#three}\nsleep 0.3; echo three\n```\n',
);

describe('runledger: output on failure, logs, action exits, error lines', () => {
  it('init', async () => {
    assert.equal((await rl({}, 'init', '--origin', 'logscli.test/x')).code, 0);
  });

  let failedRun = '';
  it('run: a failed step shows the tail of its output (stderr and stdout), not only its exit code', async () => {
    const r = await rl({}, 'run', FAILS);
    assert.equal(r.code, 1);
    failedRun = /run (\S+) failed/.exec(r.out)![1]!;
    assert.match(r.err, /✗ migrate \(attempt 1\): exit 3/);
    assert.match(r.err, /! relation users is locked/);
    assert.match(r.err, /\| line 30\n/);
    assert.match(r.err, /\| line 11\n/, 'the last 20 lines');
    assert.doesNotMatch(r.err, /\| line 10\n/, 'only the tail');
    assert.match(r.err, new RegExp(`runledger logs ${failedRun} migrate`));
  });

  it('show and show --json carry the same tail', async () => {
    const s = await rl({}, 'show', failedRun);
    assert.equal(s.code, 0);
    assert.match(s.out, /! relation users is locked/);
    const j = JSON.parse((await rl({}, 'show', failedRun, '--json')).out) as { failures: Array<{ stepId: string; lines: string[] }> };
    assert.equal(j.failures.length, 1);
    assert.equal(j.failures[0]!.stepId, 'migrate');
    assert.ok(j.failures[0]!.lines.includes('! relation users is locked'));
    assert.ok(j.failures[0]!.lines.includes('| line 30'));
  });

  it('logs prints every step in order; a step alone; an unknown step names the ones that have output', async () => {
    const all = await rl({}, 'logs', failedRun);
    assert.equal(all.code, 0, all.err);
    assert.ok(all.out.indexOf('── migrate · attempt 1 · stderr') > all.out.indexOf('prepared'), all.out);
    assert.match(all.out, /line 1\nline 2\n/);
    const one = await rl({}, 'logs', failedRun, 'prepare');
    assert.match(one.out, /── prepare · attempt 1 · stdout ──\nprepared\n/);
    assert.doesNotMatch(one.out, /migrate/);
    const none = await rl({}, 'logs', failedRun, 'nope');
    assert.equal(none.code, 2);
    assert.match(none.err, /^runledger: INPUT_INVALID: .*nope.*\(steps with output: .*migrate/m);
    const j = (await rl({}, 'logs', failedRun, '--json')).out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: string; stream: string; text: string });
    assert.ok(j.some((b) => b.step === 'migrate' && b.stream === 'stderr' && b.text === 'relation users is locked\n'));
  });

  it('logs --follow on a finished run prints everything and stops', async () => {
    const r = await rl({}, 'logs', failedRun, '--follow');
    assert.equal(r.code, 0);
    assert.match(r.out, /relation users is locked/);
    assert.match(r.err, /is failed/);
  });

  it('abort exits 0 when it aborted the run; reject exits 0 when the gate is rejected', async () => {
    const a = await rl({}, 'run', GATED);
    assert.equal(a.code, 4);
    const id = /run (\S+) waiting_approval/.exec(a.out)![1]!;
    const ab = await rl({}, 'abort', id, '--reason', 'wrong window');
    assert.equal(ab.code, 0, ab.out + ab.err);
    assert.match(ab.out, /aborted/);
    const again = await rl({}, 'abort', id, '--reason', 'twice');
    assert.notEqual(again.code, 0, 'aborting a finished run is refused');
    const b = await rl({}, 'run', GATED);
    const id2 = /run (\S+) waiting_approval/.exec(b.out)![1]!;
    const rj = await rl({ RUNLEDGER_ACTOR: 'bob' }, 'reject', id2, '--comment', 'not today');
    assert.equal(rj.code, 0, rj.out + rj.err);
    assert.match(rj.out, /failed|rolled_back/);
  });

  it('every error line has one shape: runledger: CODE: message', async () => {
    const unknown = await rl({}, 'runs', '--bogus');
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /^runledger: USAGE: unknown option '--bogus'/);
    const missingArg = await rl({}, 'logs');
    assert.match(missingArg.err, /^runledger: USAGE: missing required argument 'run'/);
    const notFound = await rl({}, 'show', 'no-such-run');
    assert.match(notFound.err, /^runledger: RUN_NOT_FOUND: /);
    const fresh = await main(['ledger', 'head'], {
      out: () => undefined,
      err: (s) => assert.match(s, /^runledger: [A-Z_]+: /),
      env: { RUNLEDGER_HOME: join(root, 'empty') },
      cwd: root,
      tty: false,
    });
    assert.notEqual(fresh, 0);
  });

  it('a closed stdout (| head -1) does not kill the run: it finishes and is recorded as succeeded', () => {
    const child = fileURLToPath(new URL('./fixtures/cli-child.ts', import.meta.url));
    const cmd = `node --conditions=source --import tsx ${JSON.stringify(child)} run ${JSON.stringify(CHATTY)} --json | head -1; echo "status=\${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', cmd], { env: { ...process.env, RUNLEDGER_HOME: home, RUNLEDGER_ACTOR: 'alice' }, encoding: 'utf8', timeout: 60_000 });
    assert.match(r.stdout, /"type":"run.created"/);
    assert.match(r.stdout, /status=0\n$/, r.stdout + r.stderr);
    const runId = /"runId":"([^"]+)"/.exec(r.stdout)![1]!;
    return rl({}, 'show', runId, '--json').then((s) => {
      const m = JSON.parse(s.out) as { state: string; steps: Array<{ id: string; status: string }> };
      assert.equal(m.state, 'succeeded');
      assert.deepEqual(
        m.steps.map((x) => x.status),
        ['succeeded', 'succeeded', 'succeeded'],
      );
    });
  });
});
