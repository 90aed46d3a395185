// The engine end to end on both dialects: runs, ledger intent/result, redaction of a secret the
// command prints itself, rollback, policy denials, the kill switch, approvals across processes,
// locks, a kill -9 in the middle of a step, and timeouts that kill the whole process group.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseRunbook, type RunEvent, type Runbook, type StepProcess } from '@runledger/core';
import { LedgerReader, type Env } from '@runledger/store';
import { pgFactory, sqliteFactory, tempDir, type Fixture, type FixtureFactory } from '@runledger/testkit';
import { groupAlive, processAlive } from '../src/shell/index.js';
import { EngineError, initLedger, openEngine, parseOrThrow, type EngineContext, type LedgerLocation, type Who } from '../src/index.js';

const alice: Who = { actor: { kind: 'user', id: 'alice' }, roles: ['operator'] };
const bob: Who = { actor: { kind: 'user', id: 'bob' }, roles: ['approver'] };
const carol: Who = { actor: { kind: 'user', id: 'carol' }, roles: ['approver'] };

function rb(body: string, front = ''): { runbook: Runbook; source: string } {
  const source = `---\nid: test-rb\ntitle: Test runbook\n${front}---\n\n# Test\n\n${body}`;
  const r = parseRunbook(source, 'test.md');
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  return { runbook: r.runbook, source };
}

function locOf(f: Fixture): LedgerLocation {
  const env: Env =
    f.config.kind === 'postgres'
      ? { RUNLEDGER_DATABASE_URL: f.config.url, RUNLEDGER_LEDGER_DATABASE_URL: f.config.ledgerWriterUrl }
      : { RUNLEDGER_DATABASE_URL: `sqlite:${f.config.file}` };
  return { env, home: f.home };
}

async function ledgerTypes(ctx: EngineContext): Promise<Array<{ type: string; data: Record<string, unknown>; bytes: string }>> {
  const r = new LedgerReader(ctx.ledger.store);
  const rows = await r.entries(0, 10_000);
  return rows.map((e) => ({ type: e.entry.type, data: e.entry.data as Record<string, unknown>, bytes: Buffer.from(e.bytes).toString('utf8') }));
}

function suite(factory: FixtureFactory): void {
  describe(`engine on ${factory.name}`, () => {
    before(() => factory.setup());
    after(() => factory.teardown());

    async function fresh(policy?: string): Promise<{ f: Fixture; loc: LedgerLocation }> {
      const f = await factory.create();
      const loc = locOf(f);
      await initLedger(loc, { origin: 'engine.test/ledger', actor: alice.actor });
      if (policy) writeFileSync(join(f.home, 'policy.yaml'), policy);
      return { f, loc };
    }

    async function withEngine<T>(loc: LedgerLocation, fn: (ctx: EngineContext) => Promise<T>): Promise<T> {
      const ctx = await openEngine(loc, { cwd: tempDir('runledger-cwd-') });
      try {
        return await fn(ctx);
      } finally {
        await ctx.close();
      }
    }

    it('runs steps in order, writes intent and result of each to the ledger, stores output with its digest', async () => {
      const { loc } = await fresh();
      const { runbook, source } = rb('## Procedure\n\n```sh {#one capture}\necho first\n```\n\n```sh {#two}\necho "got {{ steps.one.output }}"\n```\n');
      await withEngine(loc, async (ctx) => {
        const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice });
        assert.equal(out.model.state, 'succeeded');
        const types = (await ledgerTypes(ctx)).map((e) => e.type);
        assert.deepEqual(types.slice(1), [
          'policy.decision',
          'run.started',
          'run.step.started',
          'run.step.finished',
          'run.step.started',
          'run.step.finished',
          'run.finished',
        ]);
        const outputs = await ctx.runs.outputs(out.runId, 'two');
        const stdout = outputs.find((o) => o.stream === 'stdout')!;
        assert.equal(stdout.data.toString(), 'got first\n');
        const finished = (await ledgerTypes(ctx)).filter((e) => e.type === 'run.step.finished')[1]!;
        assert.equal(finished.data.stdoutSha256, stdout.sha256, 'the ledger digest is the stored output’s');
        const started = (await ledgerTypes(ctx)).find((e) => e.type === 'run.started')!;
        assert.equal((started.data.runbook as { sha256: string }).sha256, runbook.contentHash, 'the run is tied to the definition that ran');
      });
    });

    it('each further step costs two durable commits: its start event with the previous result, and its ledger intent with the previous result entry', async () => {
      const { loc } = await fresh();
      const commitsFor = async (n: number): Promise<number> => {
        const steps = Array.from({ length: n }, (_, i) => `\`\`\`sh {#s${i}}\necho ${i}\n\`\`\`\n`).join('\n');
        const { runbook, source } = rb(`## Procedure\n\n${steps}`);
        return withEngine(loc, async (ctx) => {
          const count = (): number => ctx.runs.stats.commits + ctx.ledger.writer!.stats.commits;
          const c0 = count();
          const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice });
          assert.equal(out.model.state, 'succeeded');
          // Nothing was lost by sharing commits: every step's events, outputs and entries are there.
          assert.equal((await ctx.runs.events(out.runId)).filter((e) => e.type === 'step.finished').length, n);
          assert.equal((await ctx.runs.outputs(out.runId)).length, 2 * n);
          return count() - c0;
        });
      };
      const three = await commitsFor(3);
      const six = await commitsFor(6);
      assert.equal((six - three) / 3, 2);
      await withEngine(loc, async (ctx) => {
        const results = (await ledgerTypes(ctx)).filter((e) => e.type === 'run.step.finished');
        assert.equal(results.length, 9, 'every result entry was written');
      });
    });

    it('redacts a secret the command prints itself: output, ledger, events and run record never hold it', async () => {
      const { loc } = await fresh();
      const secret = 'tok-9f8e7d6c5b4a';
      const { runbook, source } = rb(
        '## Procedure\n\n```sh {#leak}\necho "the token is {{ inputs.token }}"\nprintf %s "{{ inputs.token }}" | base64\n```\n',
        'inputs:\n  token:\n    type: secret\n    from: { env: TEST_TOKEN }\n',
      );
      await withEngine(loc, async (ctx) => {
        const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: { token: secret }, environment: 'default', who: alice });
        assert.equal(out.model.state, 'succeeded');
        const o = (await ctx.runs.outputs(out.runId, 'leak')).find((x) => x.stream === 'stdout')!.data.toString();
        assert.match(o, /the token is ••••••/);
        assert.ok(!o.includes(secret) && !o.includes(Buffer.from(secret).toString('base64')), o);
        const all = (await ledgerTypes(ctx)).map((e) => e.bytes).join('\n');
        assert.ok(!all.includes(secret), 'no secret in the ledger');
        assert.match(all, /hmac-sha256:[0-9a-f]{64}/, 'the input is recorded as a keyed hash');
        const events = JSON.stringify(await ctx.runs.events(out.runId));
        assert.ok(!events.includes(secret));
        const rec = await ctx.runs.getRun(out.runId);
        assert.ok(!JSON.stringify(rec).includes(secret));
      });
      const ctxFiles = readdirSync(loc.home!).filter((n) => n.startsWith('runledger.db'));
      for (const n of ctxFiles) assert.ok(!readFileSync(join(loc.home!, n)).includes(secret), `${n} holds the secret`);
    });

    it('a failing step runs the rollback section and the run ends rolled back', async () => {
      const { loc } = await fresh();
      const { runbook, source } = rb(
        '## Procedure\n\n```sh {#ok}\ntrue\n```\n\n```sh {#boom retries=1 backoff=10ms}\necho failing >&2; exit 3\n```\n\n```sh {#never}\ntrue\n```\n\n## Rollback\n\n```sh {#undo}\necho undone\n```\n',
      );
      await withEngine(loc, async (ctx) => {
        const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice });
        assert.equal(out.model.state, 'rolled_back');
        assert.deepEqual(
          out.model.steps.map((s) => s.status),
          ['succeeded', 'failed', 'pending'],
        );
        assert.equal(out.model.steps[1]!.attempt, 2, 'one retry');
        assert.equal(out.model.rollback[0]!.status, 'succeeded');
        const fin = (await ledgerTypes(ctx)).find((e) => e.type === 'run.finished')!;
        assert.equal(fin.data.state, 'rolled_back');
      });
    });

    it('policy: a forbidden command is denied before it runs, a denied start never begins, and both are in the ledger', async () => {
      const { loc } = await fresh(
        'default: allow\nrules:\n  - effect: deny\n    runbooks: [test-rb]\n    environments: [prod]\n    reason: not in prod\nforbid:\n  - pattern: "rm -rf /"\n    reason: never\n',
      );
      const { runbook, source } = rb(
        '## Procedure\n\n```sh {#wipe}\nrm -rf /tmp/nothing-here && rm -rf /\n```\n\n## What not to do\n\n- Do not run `down -v` here.\n',
      );
      await withEngine(loc, async (ctx) => {
        const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice });
        assert.equal(out.model.state, 'failed');
        assert.equal(out.model.denied, true);
        assert.equal(out.model.steps[0]!.status, 'denied');
        assert.equal((await ctx.runs.outputs(out.runId)).length, 0, 'nothing ran');
        await assert.rejects(
          ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'prod', who: alice }),
          (e) => e instanceof EngineError && e.code === 'POLICY_DENIED',
        );
        const decisions = (await ledgerTypes(ctx)).filter((e) => e.type === 'policy.decision').map((e) => `${e.data.effect}:${e.data.by}`);
        assert.deepEqual(decisions, ['allow:default', 'deny:forbid', 'deny:rule']);
      });
      // A literal forbidden command is a lint error; one that arrives through an input is caught at run time.
      assert.equal(
        parseRunbook('---\nid: x\n---\n# X\n## Procedure\n```sh {#down}\ndocker compose down -v\n```\n## What not to do\n- Never `down -v`.\n', 'x.md').ok,
        false,
      );
      const { runbook: rb2, source: s2 } = rb(
        '## Procedure\n\n```sh {#down}\ndocker compose {{ inputs.action }}\n```\n\n## What not to do\n\n- Never `down -v`: it destroys volumes.\n',
        'inputs:\n  action:\n    type: string\n',
      );
      await withEngine(loc, async (ctx) => {
        const out = await ctx.engine.start({ runbook: rb2, source: s2, inputs: { action: 'down -v' }, secrets: {}, environment: 'default', who: alice });
        assert.equal(out.model.denied, true);
        assert.match(out.model.reason!, /forbidden pattern/);
      });
    });

    it('the kill switch refuses new runs; set mid-run it stops the next step; resume after unfreezing finishes', async () => {
      const { loc } = await fresh();
      const { runbook, source } = rb('## Procedure\n\n```sh {#a}\ntrue\n```\n\n```approve {#gate}\nGo on?\n```\n\n```sh {#b}\necho b\n```\n');
      await withEngine(loc, async (ctx) => {
        await ctx.runs.setFreeze({ frozen: true, reason: 'incident 7', by: 'carol', at: new Date().toISOString() });
        await assert.rejects(
          ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice }),
          (e) => e instanceof EngineError && e.code === 'POLICY_DENIED' && /incident 7/.test(e.message),
        );
        await ctx.runs.setFreeze({ frozen: false, reason: 'over', by: 'carol', at: new Date().toISOString() });
        const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice });
        assert.equal(out.model.state, 'waiting_approval');
        await ctx.runs.setFreeze({ frozen: true, reason: 'incident 8', by: 'carol', at: new Date().toISOString() });
        const after = await ctx.engine.act(out.runId, { type: 'approve', comment: 'looks fine' }, bob, parseOrThrow);
        assert.equal(after.model.state, 'interrupted');
        assert.match(after.model.reason!, /frozen: incident 8/);
        assert.equal(after.model.steps[2]!.status, 'pending', 'b did not start');
        await ctx.runs.setFreeze({ frozen: false, reason: 'over', by: 'carol', at: new Date().toISOString() });
        const done = await ctx.engine.act(out.runId, { type: 'resume' }, bob, parseOrThrow);
        assert.equal(done.model.state, 'succeeded');
      });
    });

    it('approvals: a quorum of two distinct approvers, never the requester, across engine instances', async () => {
      const { loc } = await fresh();
      const { runbook, source } = rb(
        '## Procedure\n\n```approve {#announce approvals=2 roles=approver}\nAnnounce release 1.4.2?\n```\n\n```sh {#after}\necho announced\n```\n',
      );
      const runId = await withEngine(
        loc,
        async (ctx) => (await ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice })).runId,
      );
      await withEngine(loc, async (ctx) => {
        await assert.rejects(
          ctx.engine.act(runId, { type: 'approve', comment: 'me' }, { ...alice, roles: ['approver'] }, parseOrThrow),
          (e) => e instanceof EngineError && e.code === 'APPROVAL_SELF',
        );
        await assert.rejects(
          ctx.engine.act(runId, { type: 'approve', comment: 'x' }, { actor: { kind: 'user', id: 'dave' }, roles: ['viewer'] }, parseOrThrow),
          (e) => e instanceof EngineError && e.code === 'APPROVAL_ROLE',
        );
        await assert.rejects(ctx.engine.act(runId, { type: 'approve', comment: '  ' }, bob, parseOrThrow), /comment is required/);
        const one = await ctx.engine.act(runId, { type: 'approve', comment: 'smoke checks green' }, bob, parseOrThrow);
        assert.equal(one.model.state, 'waiting_approval');
        await assert.rejects(
          ctx.engine.act(runId, { type: 'approve', comment: 'again' }, bob, parseOrThrow),
          (e) => e instanceof EngineError && e.code === 'APPROVAL_DUPLICATE',
        );
      });
      await withEngine(loc, async (ctx) => {
        const two = await ctx.engine.act(runId, { type: 'approve', comment: 'release notes checked' }, carol, parseOrThrow);
        assert.equal(two.model.state, 'succeeded');
        assert.deepEqual(
          two.model.steps[0]!.approvals.map((a) => [a.actor, a.comment]),
          [
            ['bob', 'smoke checks green'],
            ['carol', 'release notes checked'],
          ],
        );
        const grants = (await ledgerTypes(ctx)).filter((e) => e.type === 'run.approval.granted').map((e) => e.data.comment);
        assert.deepEqual(grants, ['smoke checks green', 'release notes checked']);
      });
    });

    it('after a reload, secret inputs are the runbook’s declared ones: a plain value that looks like a keyed hash stays a value, a secret comes only from the caller', async () => {
      const { loc } = await fresh();
      const { runbook, source } = rb(
        '## Procedure\n\n```approve {#gate}\nGo?\n```\n\n```sh {#after}\necho "ref=$RL_INPUT_REF token=$RL_INPUT_TOKEN"\n```\n',
        'inputs:\n  ref:\n    type: string\n  token:\n    type: secret\n    from: { env: TEST_TOKEN }\n',
      );
      const ref = 'hmac-sha256:not-a-secret';
      const runId = await withEngine(
        loc,
        async (ctx) =>
          (await ctx.engine.start({ runbook, source, inputs: { ref }, secrets: { token: 'tok-1234567890' }, environment: 'default', who: alice })).runId,
      );
      await withEngine(loc, async (ctx) => {
        const done = await ctx.engine.act(runId, { type: 'approve', comment: 'ok' }, bob, parseOrThrow, { token: 'tok-1234567890' });
        assert.equal(done.model.state, 'succeeded');
        const out = (await ctx.runs.outputs(runId, 'after')).find((o) => o.stream === 'stdout')!.data.toString();
        assert.match(out, new RegExp(`ref=${ref} `), 'the plain input kept its value');
        assert.match(out, /token=•+/, 'the secret came from the caller, redacted in the output');
        assert.doesNotMatch(out, /token=hmac-sha256/, 'the stored keyed hash was never passed as the secret');
      });
    });

    it('a second run holding the same lock is refused while the first holds it', async () => {
      const { loc } = await fresh();
      const { runbook, source } = rb('## Procedure\n\n```approve {#gate}\nwait\n```\n', 'lock: "deploy-{{ env }}"\n');
      await withEngine(loc, async (ctx) => {
        const first = await ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice });
        assert.equal(first.model.state, 'waiting_approval');
        await assert.rejects(
          ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice }),
          (e) => (e as { code?: string }).code === 'LOCK_HELD' && /deploy-default/.test((e as Error).message),
        );
        await ctx.engine.act(first.runId, { type: 'abort', reason: 'test' }, bob, parseOrThrow);
        const second = await ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice });
        assert.equal(second.model.state, 'waiting_approval', 'the lock was released when the first run ended');
      });
    });

    it('kill -9 in the middle of a step: the step becomes unknown, the run interrupted; retry finishes it; the ledger has no duplicates', async () => {
      const { f, loc } = await fresh();
      const file = join(tempDir('runledger-rb-'), 'slow.md');
      writeFileSync(
        file,
        '---\nid: slow\ntitle: Slow\n---\n\n# Slow\n\n## Procedure\n\n```sh {#first}\ntrue\n```\n\n```sh {#slow}\nif [ -f "$RL_RUN_ID.done" ]; then exit 0; fi; sleep 30\n```\n\n```sh {#last}\necho last\n```\n',
      );
      const env = { ...process.env, ...loc.env, RUNLEDGER_HOME: f.home };
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(import.meta.dirname, 'fixtures', 'run-child.ts'), file, f.home], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const runId = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const m = /STARTED (\S+) slow/.exec(buf);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`child exited early: ${code}`)));
      });
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      await withEngine(loc, async (ctx) => {
        const interrupted = await ctx.engine.recover(parseOrThrow);
        assert.deepEqual(interrupted, [runId]);
        const live = await ctx.engine.load(runId, parseOrThrow);
        assert.equal(live.model.state, 'interrupted');
        assert.deepEqual(
          live.model.steps.map((s) => s.status),
          ['succeeded', 'unknown', 'pending'],
        );
        await assert.rejects(
          ctx.engine.act(runId, { type: 'resume' }, bob, parseOrThrow),
          (e) => e instanceof EngineError && e.code === 'RESUME_NEEDS_DECISION',
        );
        // The step's group survived its driver: skipping past it is refused until it is ended.
        await assert.rejects(
          ctx.engine.act(runId, { type: 'skip', reason: 'finished it by hand' }, bob, parseOrThrow),
          (e) => e instanceof EngineError && e.code === 'ORPHAN_ALIVE',
        );
        const done = await ctx.engine.act(runId, { type: 'skip', reason: 'finished it by hand', killOrphan: true }, bob, parseOrThrow);
        assert.equal(done.model.state, 'succeeded');
        assert.deepEqual(
          done.model.steps.map((s) => s.status),
          ['succeeded', 'skipped', 'succeeded'],
        );
        const entries = await ledgerTypes(ctx);
        const keys = entries.filter((e) => e.type.startsWith('run.step.')).map((e) => `${e.type}:${e.data.step}:${e.data.attempt}`);
        assert.equal(new Set(keys).size, keys.length, 'no duplicated step entries');
        assert.deepEqual(keys, [
          'run.step.started:first:1',
          'run.step.finished:first:1',
          'run.step.started:slow:1',
          'run.step.started:last:1',
          'run.step.finished:last:1',
        ]);
        assert.ok(entries.some((e) => e.type === 'run.interrupted'));
        assert.ok(entries.some((e) => e.type === 'run.operator.skip' && e.data.reason === 'finished it by hand'));
        assert.ok(entries.some((e) => e.type === 'run.operator.orphan' && e.data.decision === 'kill'));
      });
    });

    /** Starts a run in a child process and kills it (-9) once `step` has started and written its first line to `marks`. */
    async function crashMidStep(f: Fixture, loc: LedgerLocation, file: string, step: string, marks: string): Promise<string> {
      const env = { ...process.env, ...loc.env, RUNLEDGER_HOME: f.home };
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(import.meta.dirname, 'fixtures', 'run-child.ts'), file, f.home], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const runId = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const m = new RegExp(`STARTED (\\S+) ${step}`).exec(buf);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`child exited early: ${code}`)));
      });
      for (let i = 0; i < 200 && lines(marks).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(lines(marks).length, 1, 'the step is running');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      return runId;
    }

    function lines(file: string): string[] {
      try {
        return readFileSync(file, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    }

    async function startedProcess(ctx: EngineContext, runId: string, stepId: string): Promise<StepProcess> {
      const ev = (await ctx.runs.events(runId)).map((e) => e.event as RunEvent).find((e) => e.type === 'step.started' && e.stepId === stepId);
      assert.ok(ev?.type === 'step.started' && ev.process, 'the started event records the process group');
      return ev.process;
    }

    it('kill -9 of the driver mid-step: retry and skip refuse while the step’s group lives; kill-orphan ends it and the retry runs exactly one copy', async () => {
      const { f, loc } = await fresh();
      const dir = tempDir('runledger-orphan-');
      const marks = join(dir, 'marks');
      const file = join(dir, 'slow.md');
      // Each copy appends its pid; the first sleeps, a later one finishes at once.
      writeFileSync(
        file,
        `---\nid: slow\ntitle: Slow\n---\n\n# Slow\n\n## Procedure\n\n\`\`\`sh {#slow}\necho "$$" >> ${marks}\nif [ "$(wc -l < ${marks})" -ge 2 ]; then exit 0; fi\nsleep 60\n\`\`\`\n`,
      );
      const runId = await crashMidStep(f, loc, file, 'slow', marks);
      await withEngine(loc, async (ctx) => {
        assert.deepEqual(await ctx.engine.recover(parseOrThrow), [runId]);
        const proc = await startedProcess(ctx, runId, 'slow');
        assert.equal(proc.pgid, Number(lines(marks)[0]), 'the recorded group is the one the script runs in');
        assert.equal(groupAlive(proc.pgid), true, 'the step outlived its driver');
        for (const action of [{ type: 'retry' }, { type: 'skip', reason: 'by hand' }] as const) {
          await assert.rejects(
            ctx.engine.act(runId, action, bob, parseOrThrow),
            (e) => e instanceof EngineError && e.code === 'ORPHAN_ALIVE' && e.message.includes(String(proc.pgid)) && e.message.includes('--kill-orphan'),
          );
        }
        assert.equal(lines(marks).length, 1, 'a refused retry started nothing');
        const done = await ctx.engine.act(runId, { type: 'retry', killOrphan: true }, bob, parseOrThrow);
        assert.equal(done.model.state, 'succeeded');
        assert.equal(groupAlive(proc.pgid), false, 'the orphaned group was ended');
        assert.equal(lines(marks).length, 2, 'the retry ran exactly one copy');
        const types = (await ctx.runs.events(runId)).map((e) => e.type);
        assert.deepEqual(types.slice(-5), ['run.interrupted', 'operator.orphan', 'operator.retry', 'step.started', 'step.finished']);
        const entry = (await ledgerTypes(ctx)).find((e) => e.type === 'run.operator.orphan')!;
        assert.deepEqual([entry.data.decision, entry.data.pgid, entry.data.step], ['kill', proc.pgid, 'slow']);
      });
    });

    it('kill -9 of the driver mid-step: waiting for the orphan records it once it ended by itself; the step stays unknown until retried', async () => {
      const { f, loc } = await fresh();
      const dir = tempDir('runledger-orphan-');
      const marks = join(dir, 'marks');
      const file = join(dir, 'short.md');
      writeFileSync(
        file,
        `---\nid: short\ntitle: Short\n---\n\n# Short\n\n## Procedure\n\n\`\`\`sh {#short}\necho "$$" >> ${marks}\nif [ "$(wc -l < ${marks})" -ge 2 ]; then exit 0; fi\nsleep 2\n\`\`\`\n`,
      );
      const runId = await crashMidStep(f, loc, file, 'short', marks);
      await withEngine(loc, async (ctx) => {
        await ctx.engine.recover(parseOrThrow);
        const proc = await startedProcess(ctx, runId, 'short');
        await assert.rejects(ctx.engine.act(runId, { type: 'retry' }, bob, parseOrThrow), (e) => e instanceof EngineError && e.code === 'ORPHAN_ALIVE');
        const waited = await ctx.engine.act(runId, { type: 'orphan', decision: 'wait' }, bob, parseOrThrow);
        assert.equal(groupAlive(proc.pgid), false, 'answered once the group had ended');
        assert.equal(waited.model.state, 'interrupted');
        assert.equal(waited.model.steps[0]!.status, 'unknown', 'nobody knows how far it got');
        assert.match(waited.model.steps[0]!.detail!, /ended on its own/);
        await assert.rejects(
          ctx.engine.act(runId, { type: 'orphan', decision: 'kill' }, bob, parseOrThrow),
          (e) => e instanceof EngineError && e.code === 'INVALID_TRANSITION',
        );
        const done = await ctx.engine.act(runId, { type: 'retry' }, bob, parseOrThrow);
        assert.equal(done.model.state, 'succeeded');
        assert.equal(lines(marks).length, 2);
        const entry = (await ledgerTypes(ctx)).find((e) => e.type === 'run.operator.orphan')!;
        assert.equal(entry.data.decision, 'wait');
      });
    });

    it('a step’s background processes end with it; keep-children keeps them', async () => {
      const { loc } = await fresh();
      const dir = tempDir('runledger-bg-');
      const { runbook, source } = rb(
        `## Procedure\n\n\`\`\`sh {#bg}\nsleep 60 & echo "$!" > ${dir}/bg\n\`\`\`\n\n\`\`\`sh {#stubborn}\n(trap '' TERM; sleep 60) >/dev/null 2>&1 & echo "$!" > ${dir}/stubborn\n\`\`\`\n\n\`\`\`sh {#daemon keep-children}\nsleep 60 >/dev/null 2>&1 & echo "$!" > ${dir}/daemon\n\`\`\`\n`,
      );
      await withEngine(loc, async (ctx) => {
        const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice });
        const daemon = Number(readFileSync(join(dir, 'daemon'), 'utf8'));
        try {
          assert.equal(out.model.state, 'succeeded');
          for (const name of ['bg', 'stubborn']) {
            assert.equal(processAlive(Number(readFileSync(join(dir, name), 'utf8'))), false, `${name} ended with its step`);
            assert.equal(groupAlive((await startedProcess(ctx, out.runId, name)).pgid), false);
            assert.match(out.model.steps.find((s) => s.id === name)!.detail!, /background processes ended/);
          }
          assert.equal(processAlive(daemon), true, 'keep-children kept it');
        } finally {
          process.kill(daemon, 'SIGKILL');
        }
      });
    });

    it('a driver that dies between a step’s result event and its ledger entry is repaired on recovery (backfill)', async () => {
      const { f, loc } = await fresh();
      const { runbook, source } = rb('## Procedure\n\n```sh {#one}\necho one\n```\n\n```sh {#two}\necho two\n```\n');
      const ctx = await openEngine(loc, { cwd: tempDir('runledger-cwd-') });
      // The ledger never commits the first step's result: the driver hangs there, as if killed.
      const real = ctx.ledger.writer!;
      const hung = new Proxy(real, {
        get(t, k, r) {
          if (k === 'append') return (d: { type: string }) => (d.type === 'run.step.finished' ? new Promise(() => undefined) : t.append(d as never));
          return Reflect.get(t, k, r) as unknown;
        },
      });
      (ctx.engine as unknown as { d: { ledger: unknown } }).d.ledger = hung;
      void ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice }).catch(() => undefined);
      let runId = '';
      for (let i = 0; i < 100 && runId === ''; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const [r] = await ctx.runs.listRuns({ limit: 1 });
        if (r && (await ctx.runs.events(r.id)).some((e) => e.type === 'step.finished' && (e.event as { stepId: string }).stepId === 'one')) runId = r.id;
      }
      assert.ok(runId, 'step one finished (its event is stored)');
      await f.admin(`DELETE FROM ${f.dialect === 'postgres' ? 'runledger.' : ''}run_leases`);
      await withEngine(loc, async (fresh2) => {
        assert.deepEqual(await fresh2.engine.recover(parseOrThrow), [runId]);
        const steps = (await ledgerTypes(fresh2)).filter((e) => e.type === 'run.step.finished').map((e) => e.data.step);
        assert.deepEqual(steps, ['one'], 'the missing result entry was rebuilt from the stored event');
        const out = (await fresh2.runs.outputs(runId, 'one')).find((o) => o.stream === 'stdout')!;
        const entry = (await ledgerTypes(fresh2)).find((e) => e.type === 'run.step.finished')!;
        assert.equal(entry.data.stdoutSha256, out.sha256);
        // Step two's shell is still held (its intent never committed) in the hung driver: end it.
        await fresh2.engine.act(runId, { type: 'orphan', decision: 'kill' }, bob, parseOrThrow);
      });
      await ctx.close().catch(() => undefined);
    });

    it('the runbook’s overall timeout fails the run between steps and caps a step’s own timeout', async () => {
      const { loc } = await fresh();
      const { runbook, source } = rb('## Procedure\n\n```sh {#slow timeout=30s}\nsleep 5\n```\n\n```sh {#never}\ntrue\n```\n', 'timeout: 700ms\n');
      await withEngine(loc, async (ctx) => {
        const t = Date.now();
        const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice });
        assert.ok(Date.now() - t < 4000, 'the step was cut at the run deadline');
        assert.equal(out.model.state, 'failed');
        assert.match(out.model.steps[0]!.detail!, /timed out/);
        assert.equal(out.model.steps[1]!.status, 'pending');
      });
    });

    it('a step timeout kills the whole process group and fails the step', async () => {
      const { loc } = await fresh();
      const marker = join(tempDir('runledger-grp-'), 'alive');
      const { runbook, source } = rb(`## Procedure\n\n\`\`\`sh {#hang timeout=500ms}\n(sleep 5; touch ${marker}) &\nsleep 30\n\`\`\`\n`);
      await withEngine(loc, async (ctx) => {
        const t = Date.now();
        const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: {}, environment: 'default', who: alice });
        assert.ok(Date.now() - t < 10_000);
        assert.equal(out.model.state, 'failed');
        assert.match(out.model.steps[0]!.detail!, /timed out/);
      });
      await new Promise((r) => setTimeout(r, 5500));
      assert.throws(() => readFileSync(marker), 'the background child was killed with its group');
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
