// Run commands through the CLI: lint and plan, run with documented exit codes (0 succeeded, 1 failed
// or rolled back, 2 invalid, 3 denied, 4 waiting for approval), JSON event lines, approval from
// another user, freeze.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliRunner, fileIn } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'runledger-runcli-'));
after(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, 'data');

const rl = cliRunner(root, home);

const file = (name: string, text: string): string => fileIn(root, name, text);

const GOOD = file(
  'good.md',
  '---\nid: good\ntitle: Good\ninputs:\n  n:\n    type: integer\n    min: 1\n    max: 5\n    default: 2\n---\n\n# Good\n\n## Procedure\n\n```sh {#count}\nseq 1 {{ inputs.n }}\n```\n',
);
const BAD = file('bad.md', '---\nid: bad\ntitle: Bad\n---\n\n# Bad\n\n## Procedure\n\n```sh {#x timeout=soon}\ntrue\n```\n');
const FAILS = file(
  'fails.md',
  '---\nid: fails\ntitle: Fails\n---\n\n# Fails\n\n## Procedure\n\n```sh {#boom}\nexit 1\n```\n\n## Rollback\n\n```sh {#undo}\necho undo\n```\n',
);
const ENVS = file(
  'envs.md',
  '---\nid: envs\ntitle: Envs\nenvironments: [staging, production]\n---\n\n# Envs\n\n## Procedure\n\n```sh {#where}\necho "in {{ env }}"\n```\n',
);
const ONE_ENV = file(
  'one-env.md',
  '---\nid: one-env\ntitle: One env\nenvironments: [staging]\n---\n\n# One\n\n## Procedure\n\n```sh {#where}\necho "in {{ env }}"\n```\n',
);
const GATED = file(
  'gated.md',
  '---\nid: gated\ntitle: Gated\n---\n\n# Gated\n\n## Procedure\n\n```approve {#ok-to-go}\nShip it?\n```\n\n```sh {#ship}\necho shipped\n```\n',
);

const ASKS = file(
  'asks.md',
  '---\nid: asks\ntitle: Asks\ninputs:\n  version:\n    type: string\n---\n\n# Asks\n\n## Procedure\n\n```approve {#announce-gate}\nAll checks passed for **{{ inputs.version }}** in {{ env }}.\nApprove to announce.\n```\n',
);

describe('runledger run commands', () => {
  it('init', async () => {
    assert.equal((await rl({}, 'init', '--origin', 'runcli.test/x')).code, 0);
  });

  it('lint: errors as file:line:col and exit 2; a clean file exits 0', async () => {
    const bad = await rl({}, 'lint', BAD);
    assert.equal(bad.code, 2);
    assert.match(bad.out, /bad\.md:10:\d+: error RB_\w+: .*timeout/);
    const good = await rl({}, 'lint', GOOD);
    assert.equal(good.code, 0, good.out + good.err);
  });

  it('an invalid runbook is RUNBOOK_INVALID (exit 2) from lint, plan and run', async () => {
    for (const cmd of ['lint', 'plan', 'run']) {
      const r = await rl({}, cmd, BAD);
      assert.equal(r.code, 2, cmd);
      assert.match(r.err, /runledger: RUNBOOK_INVALID: /, cmd);
    }
  });

  it('lint: a YAML error in the front matter is reported once, not again at each input reference', async () => {
    const uses = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => `echo {{ inputs.${n} }}`).join('\n');
    const broken = file('broken.md', `---\nid: broken\ninputs: {a: {type: string}\n---\n\n## Procedure\n\n\`\`\`sh {#x}\n${uses}\n\`\`\`\n`);
    const r = await rl({}, 'lint', broken);
    assert.equal(r.code, 2);
    const codes = r.out
      .trim()
      .split('\n')
      .map((l) => /error (\w+):/.exec(l)?.[1]);
    assert.ok(codes.length > 0 && codes.every((c) => c === 'RB_YAML_SYNTAX'), r.out);
  });

  it('plan and run need --env when the runbook declares several environments; one is the default', async () => {
    for (const cmd of ['plan', 'run']) {
      const r = await rl({}, cmd, ENVS);
      assert.equal(r.code, 2, cmd);
      assert.match(r.err, /runledger: ENV_REQUIRED: .*staging, production/, cmd);
    }
    const chosen = await rl({}, 'plan', ENVS, '--env', 'staging');
    assert.equal(chosen.code, 0, chosen.err);
    assert.match(chosen.out, /environment staging;/);
    const single = await rl({}, 'plan', ONE_ENV);
    assert.equal(single.code, 0, single.err);
    assert.match(single.out, /environment staging;/);
  });

  it('plan shows the rendered steps and the policy verdicts without running anything', async () => {
    const p = await rl({}, 'plan', GOOD, '--input', 'n=3');
    assert.equal(p.code, 0, p.err);
    assert.match(p.out, /start: ALLOW/);
    assert.match(p.out, /count \[sh\]\s+allow/);
    assert.match(p.out, /seq 1 3/);
    const r = await rl({}, 'runs', '--json');
    assert.equal(r.out, '', 'plan started no run');
  });

  it('run: exit 0 and plain lines off a terminal; invalid input exits 2 naming the input', async () => {
    const r = await rl({}, 'run', GOOD, '--input', 'n=3');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /▶ count/);
    assert.match(r.err, /✓ count/);
    assert.match(r.out, /succeeded/);
    const bad = await rl({}, 'run', GOOD, '--input', 'n=9');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /n/);
    assert.equal((await rl({}, 'run', BAD)).code, 2);
  });

  it('run --json prints one JSON event a line', async () => {
    const r = await rl({}, 'run', GOOD, '--json');
    assert.equal(r.code, 0);
    const events = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; state: string; failures?: unknown[] });
    assert.deepEqual(
      events.map((e) => e.type),
      ['run.created', 'step.started', 'step.finished', 'run.summary'],
    );
    assert.equal(events.at(-2)!.state, 'succeeded');
    assert.deepEqual(events.at(-1), { type: 'run.summary', runId: (events[0] as unknown as { runId: string }).runId, state: 'succeeded', failures: [] });
  });

  it('a failure rolls back and exits 1', async () => {
    const r = await rl({}, 'run', FAILS);
    assert.equal(r.code, 1);
    assert.match(r.out, /rolled_back/);
  });

  it('an approval gate exits 4; another user approves from the CLI and the run finishes', async () => {
    const r = await rl({}, 'run', GATED);
    assert.equal(r.code, 4);
    const id = /run (\S+) waiting_approval/.exec(r.out)![1]!;
    const self = await rl({}, 'approve', id, '--comment', 'mine');
    assert.equal(self.code, 3);
    assert.match(self.err, /APPROVAL_SELF/);
    const none = await rl({ RUNLEDGER_ACTOR: 'bob' }, 'approve', id);
    assert.equal(none.code, 2, 'the comment is required');
    const ok = await rl({ RUNLEDGER_ACTOR: 'bob' }, 'approve', id, '--comment', 'checked the dashboards');
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /succeeded/);
    const show = await rl({}, 'show', id);
    assert.match(show.out, /approved by bob .*checked the dashboards/);
    // RUNLEDGER_ACTOR is a claim: the OS account that ran the CLI is recorded beside it.
    const entries = (await rl({}, 'ledger', 'show', '--json')).out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; actor: { id: string }; data: Record<string, unknown> });
    const granted = entries.filter((e) => e.type === 'run.approval.granted');
    assert.equal(granted.length, 1);
    assert.equal(granted[0]!.actor.id, 'bob');
    assert.equal(granted[0]!.data.osUser, userInfo().username);
  });

  it("the gate's text, with the run's values in place: printed when run stops at it and by show (and show --json)", async () => {
    const r = await rl({}, 'run', ASKS, '--input', 'version=2.0.1');
    assert.equal(r.code, 4, r.err);
    assert.match(r.out, /announce-gate asks:\n {4}All checks passed for \*\*2\.0\.1\*\* in default\.\n {4}Approve to announce\.\n/);
    const id = /run (\S+) waiting_approval/.exec(r.out)![1]!;
    const show = await rl({}, 'show', id);
    assert.match(show.out, /announce-gate +waiting_approval.*\n {4}All checks passed for \*\*2\.0\.1\*\* in default\./);
    const json = JSON.parse((await rl({}, 'show', id, '--json')).out) as { gates: { step: string; text: string }[] };
    assert.deepEqual(
      json.gates.map((g) => [g.step, g.text]),
      [['announce-gate', 'All checks passed for **2.0.1** in default.\nApprove to announce.']],
    );
    // A gate already decided is still shown with what it asked.
    assert.equal((await rl({ RUNLEDGER_ACTOR: 'bob' }, 'approve', id, '--comment', 'ok')).code, 0);
    assert.match((await rl({}, 'show', id)).out, /announce-gate +succeeded.*\n {4}All checks passed/);
  });

  it('freeze on refuses runs with exit 3; off lets them run', async () => {
    assert.equal((await rl({}, 'freeze', 'on')).code, 2, '--reason is required');
    assert.equal((await rl({}, 'freeze', 'on', '--reason', 'incident 12')).code, 0);
    const r = await rl({}, 'run', GOOD);
    assert.equal(r.code, 3);
    assert.match(r.err, /POLICY_DENIED.*incident 12/);
    assert.match((await rl({}, 'freeze', 'status')).out, /frozen since .* by alice: incident 12/);
    assert.equal((await rl({}, 'freeze', 'off', '--reason', 'resolved')).code, 0);
    assert.equal((await rl({}, 'run', GOOD)).code, 0);
  });

  it('runs lists them newest first; show names what to do next', async () => {
    const r = await rl({}, 'runs');
    assert.equal(r.code, 0);
    const lines = r.out.trim().split('\n');
    assert.ok(lines.length >= 5);
    assert.match(lines[0]!, /succeeded\s+good/);
    const missing = await rl({}, 'show', 'nope-nope');
    assert.equal(missing.code, 5);
  });

  it('a step still running after its driver was killed: retry exits 6 naming the group; orphan needs --wait or --kill; retry --kill-orphan runs one copy', async () => {
    const marks = join(root, 'orphan-marks');
    const rb = file(
      'orphan.md',
      `---\nid: orphan\ntitle: Orphan\n---\n\n# Orphan\n\n## Procedure\n\n\`\`\`sh {#slow}\necho "$$" >> ${marks}\nif [ "$(wc -l < ${marks})" -ge 2 ]; then exit 0; fi\nsleep 60\n\`\`\`\n`,
    );
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(import.meta.dirname, '..', '..', 'runtime', 'test', 'fixtures', 'run-child.ts'), rb, home],
      { env: { ...process.env, RUNLEDGER_HOME: home }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const runId = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /STARTED (\S+) slow/.exec(buf);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`child exited early: ${code}`)));
    });
    const count = (): number => (existsSync(marks) ? readFileSync(marks, 'utf8').split('\n').filter(Boolean).length : 0);
    for (let i = 0; i < 200 && count() === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const pgid = Number(readFileSync(marks, 'utf8').trim());
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    try {
      const refused = await rl({}, 'retry', runId);
      assert.equal(refused.code, 6, refused.err);
      assert.match(refused.err, new RegExp(`ORPHAN_ALIVE.*process group ${pgid}.*--kill-orphan`));
      assert.equal((await rl({}, 'orphan', runId)).code, 2, 'one of --wait and --kill is required');
      assert.match((await rl({}, 'show', runId)).out, new RegExp(`process group ${pgid} since .*\\nnext: runledger orphan ${runId} --wait\\|--kill`));
      assert.equal(count(), 1);
      const done = await rl({ RUNLEDGER_ACTOR: 'bob' }, 'retry', runId, '--kill-orphan');
      assert.equal(done.code, 0, done.err);
      assert.equal(count(), 2, 'the retry ran exactly one copy');
    } finally {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already ended
      }
    }
  });
});
