// Secrets never reach storage, in any form: an engine run whose step prints the secret in every form
// and whose failure reason quotes it (a probe quoting the value; Node refusing a NUL in the
// environment, quoting it util.inspect style) leaves no form in the ledger, run events, run records,
// outputs or the SQLite files. And the ledger writer's screen refuses a direct append holding one.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { parseRunbook, type Runbook } from '@runledger/core';
import { LedgerReader, type Env } from '@runledger/store';
import { pgFactory, sqliteFactory, tempDir, type Fixture, type FixtureFactory } from '@runledger/testkit';
import { initLedger, openEngine, parseOrThrow, type EngineContext, type LedgerLocation, type Who } from '../src/index.js';
import { heldSecretCount, holdSecrets, REDACTION_MARK as M, Redactor } from '../src/redact.js';
import { formsOf, hexOf, leaks } from './helpers/secret-forms.js';

const alice: Who = { actor: { kind: 'user', id: 'alice' }, roles: ['operator'] };
const bob: Who = { actor: { kind: 'user', id: 'bob' }, roles: ['approver', 'operator'] };
const SECRET = 'TopSecr3tValue-7Qz';
const NUL_SECRET = 'TopSecr3tValue\0tail';

function rb(body: string, front = ''): { runbook: Runbook; source: string } {
  const source = `---\nid: leak-rb\ntitle: Leak test\ninputs:\n  token:\n    type: secret\n    from: { env: TEST_TOKEN }\n${front}---\n\n# Leak\n\n${body}`;
  const r = parseRunbook(source, 'leak.md');
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

/** Everything a run left in storage, as text. */
async function stored(ctx: EngineContext, runId: string): Promise<{ ledger: string; events: string; run: string; outputs: string }> {
  const entries = await new LedgerReader(ctx.ledger.store).entries(0, 10_000);
  const outputs = await ctx.runs.outputs(runId);
  return {
    ledger: entries.map((e) => Buffer.from(e.bytes).toString('utf8')).join('\n'),
    events: JSON.stringify(await ctx.runs.events(runId)),
    run: JSON.stringify(await ctx.runs.getRun(runId)),
    outputs: outputs.map((o) => o.data.toString('utf8')).join('\n'),
  };
}

function assertClean(where: Readonly<Record<string, string>>, secret: string): void {
  const r = new Redactor([secret]);
  for (const [name, text] of Object.entries(where)) {
    assert.deepEqual(leaks(text, secret), [], `${name} holds the secret: ${text.slice(0, 2000)}`);
    assert.equal(r.finds(text), false, `${name}: the redactor still finds a form`);
  }
}

function suite(factory: FixtureFactory): void {
  describe(`secrets never reach storage, on ${factory.name}`, () => {
    before(() => factory.setup());
    after(() => factory.teardown());

    async function withEngine<T>(fn: (ctx: EngineContext, loc: LedgerLocation) => Promise<T>): Promise<T> {
      const f = await factory.create();
      const loc = locOf(f);
      await initLedger(loc, { origin: 'redact.test/ledger', actor: alice.actor });
      const ctx = await openEngine(loc, { cwd: tempDir('runledger-cwd-') });
      try {
        return await fn(ctx, loc);
      } finally {
        await ctx.close();
      }
    }

    function assertFilesClean(loc: LedgerLocation, secret: string): void {
      // SQLite: the database files themselves, read as bytes (WAL included).
      const files = readdirSync(loc.home!).filter((n) => n.startsWith('runledger.db'));
      if (factory.name.includes('sqlite')) assert.ok(files.length > 0, 'the SQLite files exist');
      for (const n of files) assert.deepEqual(leaks(readFileSync(join(loc.home!, n)).toString('latin1'), secret), [], `${n} holds the secret`);
    }

    it('a step printing every form and a probe failure quoting the value leave no form anywhere', async () => {
      const formsFile = join(tempDir('runledger-forms-'), 'forms.txt');
      writeFileSync(formsFile, Object.values(formsOf(SECRET)).join('\n'));
      // Forms made by the step's own tools too, and the same on stderr.
      const script = [
        `cat '${formsFile}'`,
        'echo "plain: {{ inputs.token }}"',
        `printf %s "{{ inputs.token }}" | od -An -tx1`,
        `printf %s "{{ inputs.token }}" | rev`,
        `printf %s "{{ inputs.token }}" | fold -w 5`,
        `printf %s "{{ inputs.token }}" | base64`,
        `printf %s "{{ inputs.token }}" | sed 's/./& /g'`,
        `cat '${formsFile}' >&2`,
      ].join('\n');
      const check = `command:\n  run: printf %s "{{ inputs.token }}" | od -c\n  stdout_contains: "need {{ inputs.token }} here"\n`;
      const { runbook, source } = rb(`## Procedure\n\n\`\`\`sh {#forms}\n${script}\n\`\`\`\n\n\`\`\`check {#verify}\n${check}\`\`\`\n`);
      await withEngine(async (ctx, loc) => {
        const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: { token: SECRET }, environment: 'default', who: alice });
        assert.equal(out.model.state, 'failed');
        assert.equal(out.model.steps[0]!.status, 'succeeded');
        // The failure reason quoted the value, and that quote was masked.
        assert.match(out.model.reason!, /step verify failed: .*stdout lacks "need •••••• here"/);
        const where = await stored(ctx, out.runId);
        assert.ok(where.outputs.split(M).length > Object.keys(formsOf(SECRET)).length, 'every form was printed, and masked');
        assert.match(where.ledger, /"type":"run.finished"/);
        assertClean(where, SECRET);
        assert.equal(heldSecretCount(), 0, 'the run released its secrets when it ended');
        assertFilesClean(loc, SECRET);
      });
    });

    it('a secret Node refuses to pass (NUL) fails the step with a masked reason (the review case)', async () => {
      const { runbook, source } = rb('## Procedure\n\n```sh {#use}\necho "{{ inputs.token }}"\n```\n');
      await withEngine(async (ctx, loc) => {
        const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: { token: NUL_SECRET }, environment: 'default', who: alice });
        assert.equal(out.model.state, 'failed');
        // Node's message quotes the value as util.inspect does ('…\x00…'): only the mark is left.
        assert.match(out.model.reason!, new RegExp(`step use failed: .*Received '${M}'`));
        const where = await stored(ctx, out.runId);
        assertClean(where, NUL_SECRET);
        assert.ok(!where.ledger.includes(inspect(NUL_SECRET).slice(1, 15)), 'not even the printable part');
        assertFilesClean(loc, NUL_SECRET);
      });
    });

    it('an approval comment and an abort reason quoting the value in some form are masked', async () => {
      const { runbook, source } = rb('## Procedure\n\n```approve {#gate}\nGo on?\n```\n\n```approve {#second}\nAnd on?\n```\n');
      await withEngine(async (ctx, loc) => {
        const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: { token: SECRET }, environment: 'default', who: alice });
        assert.equal(out.model.state, 'waiting_approval');
        const secrets = { token: SECRET };
        await ctx.engine.act(
          out.runId,
          { type: 'approve', comment: `checked ${inspect(SECRET)} and ${hexOf(SECRET).toUpperCase()}` },
          bob,
          parseOrThrow,
          secrets,
        );
        const done = await ctx.engine.act(out.runId, { type: 'abort', reason: `token ${[...SECRET].join(' ')} was wrong` }, bob, parseOrThrow, secrets);
        assert.equal(done.model.state, 'aborted');
        assert.match(done.model.reason!, /token •••••• was wrong/);
        const where = await stored(ctx, out.runId);
        assert.match(where.ledger, /"comment":"checked '••••••' and ••••••"/);
        assertClean(where, SECRET);
        assertFilesClean(loc, SECRET);
      });
    });

    it('a run loaded earlier without its secrets (as recovery does) is reloaded with them: the comment is masked', async () => {
      const { runbook, source } = rb('## Procedure\n\n```approve {#gate}\nGo on?\n```\n\n```sh {#after}\necho "after {{ inputs.token }}"\n```\n');
      await withEngine(async (ctx, loc) => {
        const out = await ctx.engine.start({ runbook, source, inputs: {}, secrets: { token: SECRET }, environment: 'default', who: alice });
        // Another process: it loads the run without secrets first, then an approver acts with them.
        const other = await openEngine(loc, { cwd: tempDir('runledger-cwd-') });
        try {
          await other.engine.load(out.runId, parseOrThrow);
          const done = await other.engine.act(out.runId, { type: 'approve', comment: `saw ${inspect(SECRET)}` }, bob, parseOrThrow, { token: SECRET });
          assert.equal(done.model.state, 'succeeded');
          const where = await stored(other, out.runId);
          assert.match(where.ledger, /"comment":"saw '••••••'"/);
          assert.match(where.outputs, /after ••••••/, 'the step had the secret, and its output was masked');
          assertClean(where, SECRET);
        } finally {
          await other.close();
        }
      });
    });

    it('an input validation message quoting a value that holds a secret masks it', async () => {
      const { runbook, source } = rb('## Procedure\n\n```sh {#a}\ntrue\n```\n', '  port:\n    type: integer\n');
      await withEngine(async (ctx) => {
        await assert.rejects(
          ctx.engine.start({ runbook, source, inputs: { port: `x${SECRET}` }, secrets: { token: SECRET }, environment: 'default', who: alice }),
          (e: Error & { code?: string }) => {
            assert.equal(e.code, 'INPUT_INVALID');
            assert.match(e.message, /--input port=x••••••: port/);
            assert.deepEqual(leaks(e.message, SECRET), []);
            return true;
          },
        );
      });
    });

    it('the writer refuses an entry holding a held secret in any form, with SECRET_IN_ENTRY; the rest of the batch commits', async () => {
      await withEngine(async (ctx) => {
        const w = ctx.ledger.writer!;
        const before = w.size;
        const release = holdSecrets([SECRET]);
        try {
          const forms = [
            SECRET,
            inspect(SECRET),
            hexOf(SECRET).toUpperCase(),
            Buffer.from(SECRET).toString('base64'),
            [...SECRET].join(' '),
            [...SECRET].reverse().join(''),
          ];
          const ok = (i: number) => w.append({ type: 'test.ok', actor: alice.actor, data: { i } });
          // All issued in one tick: one group commit.
          const results = await Promise.allSettled([
            ok(0),
            ...forms.map((f) => w.append({ type: 'test.leak', actor: alice.actor, data: { note: `value ${f}` } })),
            ok(1),
          ]);
          assert.equal(results[0]!.status, 'fulfilled');
          assert.equal(results[results.length - 1]!.status, 'fulfilled');
          for (const r of results.slice(1, -1)) {
            assert.equal(r.status, 'rejected');
            const e = (r as PromiseRejectedResult).reason as Error & { code?: string };
            assert.equal(e.code, 'SECRET_IN_ENTRY');
            assert.match(e.message, /ledger entry test.leak holds the value of a secret/);
            assert.ok(!e.message.includes(SECRET));
          }
          assert.equal(w.size, before + 2, 'only the clean entries were appended');
          assert.equal(w.stats.failedBatches, 0, 'the batch itself did not fail');
        } finally {
          release();
        }
        assert.equal(heldSecretCount(), 0);
        // Released: ordinary entries go through, and the ledger is whole.
        await w.append({ type: 'test.ok', actor: alice.actor, data: { i: 2 } });
        const head = await new LedgerReader(ctx.ledger.store).head();
        assert.equal(head.size, before + 3);
      });
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
