// What the operator reads in a run's view through the API: the text each approval gate asks, with
// the run's values in place and its secrets masked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sqliteFactory, type FixtureFactory } from '../../store/test/helpers/fixtures.js';
import { harness, runbook, type Harness } from './helpers.js';

const GATED = runbook(
  '## Procedure\n\n```sh {#probe capture}\necho "p99=41ms"\n```\n\n```approve {#gate}\nRelease **{{ inputs.version }}** in {{ env }} (run {{ run.id }}): probe said {{ steps.probe.output }}; key {{ inputs.key }}.\n```\n\n```sh {#after}\necho done\n```\n\n## Rollback\n\n```approve {#undo-gate}\nUndo {{ inputs.version }}?\n```\n',
  'inputs:\n  version:\n    type: string\n  key:\n    type: secret\n    from: {env: RUNLEDGER_TEST_GATE_KEY}\n',
);

function suite(factory: FixtureFactory): void {
  describe(`run views on ${factory.name}`, () => {
    const open: Harness[] = [];
    before(() => factory.setup());
    after(async () => {
      for (const h of open.splice(0)) await h.close();
      await factory.teardown();
    });
    async function fresh(): Promise<Harness> {
      const h = await harness(await factory.create());
      open.push(h);
      return h;
    }

    it('an approval gate carries the text it asks: inputs, environment, run id and earlier output in place, secrets masked; other steps carry none', async () => {
      const h = await fresh();
      const secret = 'hunter2-gate-secret';
      const r = await h.server.engineContext.engine.start({ ...GATED, inputs: { version: '1.4.2' }, secrets: { key: secret }, environment: 'staging', who: { actor: { kind: 'user', id: 'alice' }, roles: ['operator'] } });
      assert.equal(r.model.state, 'waiting_approval');
      const one = await h.inject({ url: `/api/v1/runs/${r.runId}`, token: h.tokens.viewer });
      assert.equal(one.status, 200, one.text);
      const byId = Object.fromEntries([...one.json.steps, ...one.json.rollback].map((s: { id: string; text?: string }) => [s.id, s.text]));
      assert.equal(byId.gate, `Release **1.4.2** in staging (run ${r.runId}): probe said p99=41ms; key ••••••.`);
      assert.equal(byId['undo-gate'], 'Undo 1.4.2?', 'rollback gates too');
      assert.equal(byId.probe, undefined);
      assert.equal(byId.after, undefined);
      assert.ok(!one.text.includes(secret), 'the secret is nowhere in the view');

      // The action answers carry it too (the UI replaces its view with them).
      const ok = await h.inject({ method: 'POST', url: `/api/v1/runs/${r.runId}/approve`, token: h.tokens.approver, body: { comment: 'fine' } });
      assert.ok(ok.status === 200 || ok.status === 202, ok.text);
      assert.match(ok.json.run.steps[1].text, /^Release \*\*1\.4\.2\*\*/);
      await h.app.worker.drain();
    });
  });
}

suite(sqliteFactory);
