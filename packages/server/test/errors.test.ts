// Error codes a client can meet through the API, each provoked for real and checked in the one error
// shape with the status the catalogue gives it. (Auth, rate-limit, validation, session, CSRF and
// fail-closed codes are in api.test.ts, web.test.ts and fail-closed.test.ts.)
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ERROR_CATALOGUE } from '../src/errors.js';
import { TokenStore } from '@runledger/store';
import { pgFactory, sqliteFactory, tempDir, type FixtureFactory } from '@runledger/testkit';
import { assertError, harness, type Harness } from './helpers.js';

const QUORUM = `---
id: quorum
title: Two approvers, one lock
lock: the-one-lock
environments: [staging, production]
---

# Quorum

## Procedure

\`\`\`approve {#gate approvals=2 roles=sre}
Two people, please.
\`\`\`

\`\`\`sh {#done}
echo done
\`\`\`
`;

function catalogue(): string {
  const dir = tempDir('runledger-errors-rb-');
  writeFileSync(join(dir, 'quorum.md'), QUORUM);
  return dir;
}

for (const factory of [sqliteFactory, pgFactory()] as FixtureFactory[]) {
  describe(`API error codes on ${factory.name}`, () => {
    let h: Harness | undefined;
    after(async () => {
      await h?.close();
      await factory.teardown();
    });

    it('each code comes with the catalogue’s status, in the one shape', async () => {
      await factory.setup();
      h = await harness(await factory.create(), { runbooksDir: catalogue() });
      const status = (code: keyof typeof ERROR_CATALOGUE): number => ERROR_CATALOGUE[code].http;
      const viewer = h.tokens.viewer;

      // Proofs: a size nobody signed, an index outside the tree.
      const size = (await h.inject({ url: '/api/v1/ledger/head', token: viewer })).json.size as number;
      assertError(
        await h.inject({ url: `/api/v1/ledger/proof/consistency?from=1&to=${size + 5}`, token: viewer }),
        status('NOT_CHECKPOINTED'),
        'NOT_CHECKPOINTED',
      );
      assertError(await h.inject({ url: `/api/v1/ledger/proof/inclusion?index=${size + 3}`, token: viewer }), status('PROOF_RANGE'), 'PROOF_RANGE');
      assertError(await h.inject({ url: `/api/v1/ledger/entries/${size + 3}`, token: viewer }), status('NOT_FOUND'), 'NOT_FOUND');
      assertError(await h.inject({ url: '/api/v1/runbooks/nope', token: viewer }), status('RUNBOOK_NOT_FOUND'), 'RUNBOOK_NOT_FOUND');

      // Approvals: a gate for two distinct people holding `sre`.
      const ts = new TokenStore(h.server.engineContext.ledger.store);
      const now = new Date().toISOString();
      const sre1 = await ts.create({ name: 'sam', role: 'approver', groups: ['sre'], now });
      const sre2 = await ts.create({ name: 'sue', role: 'approver', groups: ['sre'], now });
      assert.ok(sre1.ok && sre2.ok);
      const run = await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'quorum', environment: 'staging' } });
      assert.equal(run.json.run.state, 'waiting_approval', run.text);
      const id = run.json.run.id as string;
      const approve = (token: string) => h!.inject({ method: 'POST', url: `/api/v1/runs/${id}/approve`, token, body: { comment: 'ok' } });
      assertError(await approve(h.tokens.approver), status('APPROVAL_ROLE'), 'APPROVAL_ROLE');
      assert.equal((await approve(sre1.token)).status, 200);
      assertError(await approve(sre1.token), status('APPROVAL_DUPLICATE'), 'APPROVAL_DUPLICATE');

      // The lock: a second run of the same runbook while the first holds it.
      assertError(
        await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'quorum', environment: 'staging' } }),
        status('LOCK_HELD'),
        'LOCK_HELD',
      );

      // Operator actions that do not fit the run's state.
      assertError(
        await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/resume`, token: h.tokens.operator }),
        status('INVALID_TRANSITION'),
        'INVALID_TRANSITION',
      );
      const done = await approve(sre2.token);
      assert.ok(done.status === 200 || done.status === 202, done.text);
      await h.app.worker.idle();
      assertError(await approve(h.tokens.approver2), status('RUN_FINISHED'), 'RUN_FINISHED');
      assertError(
        await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/abort`, token: h.tokens.operator, body: { reason: 'late' } }),
        status('RUN_FINISHED'),
        'RUN_FINISHED',
      );
      assertError(await h.inject({ method: 'POST', url: '/api/v1/runs/nope/retry', token: h.tokens.operator }), status('RUN_NOT_FOUND'), 'RUN_NOT_FOUND');

      // Inputs the runbook does not declare; an environment it does not run in.
      const bad = await h.inject({
        method: 'POST',
        url: '/api/v1/runs',
        token: h.tokens.operator,
        body: { runbook: 'quorum', environment: 'staging', inputs: { nope: '1' } },
      });
      const e = assertError(bad, status('INPUT_INVALID'), 'INPUT_INVALID');
      assert.match(e.message, /nope/);
      assert.deepEqual(
        bad.json.error.details.map((d: { path: string; code: string }) => [d.path, d.code]),
        [['/inputs/nope', 'RB_INPUT_UNKNOWN']],
      );
      const env = await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'quorum', environment: 'mars' } });
      assertError(env, status('INPUT_INVALID'), 'INPUT_INVALID');
      assert.equal(env.json.error.details[0].path, '/environment');
      const noEnv = await h.inject({ method: 'POST', url: '/api/v1/runs', token: h.tokens.operator, body: { runbook: 'quorum' } });
      assertError(noEnv, status('ENV_REQUIRED'), 'ENV_REQUIRED');
      assert.deepEqual(
        noEnv.json.error.details.map((d: { path: string; code: string }) => [d.path, d.code]),
        [['/environment', 'ENV_REQUIRED']],
      );

      // Schema failures name the field as a JSON pointer into the request part.
      const noComment = await h.inject({ method: 'POST', url: `/api/v1/runs/${id}/approve`, token: h.tokens.approver, body: {} });
      assertError(noComment, status('VALIDATION_FAILED'), 'VALIDATION_FAILED');
      assert.deepEqual(
        noComment.json.error.details.map((d: { path: string; code: string }) => [d.path, d.code]),
        [['/body/comment', 'SCHEMA_REQUIRED']],
      );
      const badLimit = await h.inject({ url: '/api/v1/runs?limit=0', token: viewer });
      assertError(badLimit, status('VALIDATION_FAILED'), 'VALIDATION_FAILED');
      assert.equal(badLimit.json.error.details[0].path, '/querystring/limit');
    });
  });
}
