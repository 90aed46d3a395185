// Integrity signals: ledger entries carry the id of the request that caused them (also entries of a
// run driven on in the background); verifications (every outcome, also a trust-file fault) and
// exports are ledger entries themselves; proofs, receipts, verifications and exports are not cached.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { sqliteFactory, tempDir } from '@runledger/testkit';
import { assertError, harness, type Harness } from './helpers.js';

const GATED = `---
id: gated
title: One gate, one step
---

# Gated

## Procedure

\`\`\`approve {#gate}
Look first.
\`\`\`

\`\`\`sh {#done}
echo done
\`\`\`
`;

interface Entry {
  seq: number;
  entry: { type: string; actor: { kind: string; id: string }; subject?: { kind: string; id: string }; data: Record<string, unknown> };
}

describe('integrity signals', () => {
  let h: Harness;
  const trustPath = (): string => join(h.server.engineContext.ledger.home, 'trust.vkeys');
  let trust = '';
  before(async () => {
    const dir = tempDir('runledger-integrity-rb-');
    writeFileSync(join(dir, 'gated.md'), GATED);
    h = await harness(await sqliteFactory.create(), { runbooksDir: dir, startWaitMs: 5000 });
    trust = readFileSync(trustPath(), 'utf8');
  });
  after(async () => {
    await h.close();
    await sqliteFactory.teardown();
  });

  const entries = async (from = 0): Promise<Entry[]> =>
    (await h.inject({ url: `/api/v1/ledger/entries?from=${from}&limit=1000`, token: h.tokens.viewer })).json.entries;
  const size = async (): Promise<number> => (await h.inject({ url: '/api/v1/ledger/head', token: h.tokens.viewer })).json.size;

  it('every entry a request causes carries its request id: run start, approval and the background drive, notes, freeze, sessions', async () => {
    let mark = await size();
    const start = await h.inject({
      method: 'POST',
      url: '/api/v1/runs',
      token: h.tokens.operator,
      body: { runbook: 'gated' },
      headers: { 'x-request-id': 'req-start-1' },
    });
    assert.equal(start.status, 201, start.text);
    assert.equal(start.json.run.state, 'waiting_approval');
    const runId = start.json.run.id;
    const byStart = await entries(mark);
    assert.ok(byStart.length >= 2, 'run.started and the approval request at least');
    assert.deepEqual(
      byStart.map((e) => [e.entry.type, e.entry.data.requestId]),
      byStart.map((e) => [e.entry.type, 'req-start-1']),
    );
    assert.ok(byStart.some((e) => e.entry.type === 'run.started'));

    mark = await size();
    const approve = await h.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/approve`,
      token: h.tokens.approver,
      body: { comment: 'looked' },
      headers: { 'x-request-id': 'req-approve-1' },
    });
    assert.ok(approve.status === 200 || approve.status === 202, approve.text);
    // The drive may go on in the background after the answer: wait for the run to end.
    for (let i = 0; i < 200 && (await h.inject({ url: `/api/v1/runs/${runId}`, token: h.tokens.viewer })).json.state !== 'succeeded'; i++)
      await new Promise((r) => setTimeout(r, 25));
    const byApprove = await entries(mark);
    const types = byApprove.map((e) => e.entry.type);
    for (const t of ['run.approval.granted', 'run.step.started', 'run.step.finished', 'run.finished'])
      assert.ok(types.includes(t), `${t} in ${types.join(', ')}`);
    for (const e of byApprove) assert.equal(e.entry.data.requestId, 'req-approve-1', e.entry.type);

    mark = await size();
    await h.inject({
      method: 'POST',
      url: '/api/v1/ledger/notes',
      token: h.tokens.operator,
      body: { text: 'hello' },
      headers: { 'x-request-id': 'req-note-1' },
    });
    await h.inject({
      method: 'POST',
      url: '/api/v1/policy/freeze',
      token: h.tokens.admin,
      body: { reason: 'drill' },
      headers: { 'x-request-id': 'req-freeze-1' },
    });
    await h.inject({
      method: 'POST',
      url: '/api/v1/policy/unfreeze',
      token: h.tokens.admin,
      body: { reason: 'done' },
      headers: { 'x-request-id': 'req-unfreeze-1' },
    });
    await h.inject({ method: 'POST', url: '/api/v1/session', body: { token: h.tokens.viewer }, headers: { 'x-request-id': 'req-session-1' } });
    assert.deepEqual(
      (await entries(mark)).map((e) => [e.entry.type, e.entry.data.requestId]),
      [
        ['ops.note', 'req-note-1'],
        ['automation.freeze', 'req-freeze-1'],
        ['automation.freeze', 'req-unfreeze-1'],
        ['auth.session.opened', 'req-session-1'],
      ],
    );
    // Without a given id, the generated one (the X-Request-Id answered) is recorded.
    const r = await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.operator, body: { text: 'no id given' } });
    assert.equal((await entries(r.json.seq))[0]!.entry.data.requestId, r.headers['x-request-id']);
  });

  it('a retry with the same Idempotency-Key from another request is the same entry (the first request id stays)', async () => {
    const first = await h.inject({
      method: 'POST',
      url: '/api/v1/ledger/notes',
      token: h.tokens.operator,
      body: { text: 'once' },
      headers: { 'idempotency-key': 'k-1', 'x-request-id': 'req-a' },
    });
    const again = await h.inject({
      method: 'POST',
      url: '/api/v1/ledger/notes',
      token: h.tokens.operator,
      body: { text: 'once' },
      headers: { 'idempotency-key': 'k-1', 'x-request-id': 'req-b' },
    });
    assert.deepEqual([first.status, again.status, again.json.duplicate, again.json.seq], [201, 200, true, first.json.seq]);
    assert.equal((await entries(first.json.seq))[0]!.entry.data.requestId, 'req-a');
    // Different content under the key is still a conflict.
    assertError(
      await h.inject({ method: 'POST', url: '/api/v1/ledger/notes', token: h.tokens.operator, body: { text: 'twice' }, headers: { 'idempotency-key': 'k-1' } }),
      409,
      'IDEMPOTENCY_CONFLICT',
    );
  });

  it('a verification is recorded in the ledger (who, when, result, size) and answered uncached', async () => {
    const before = await size();
    const v = await h.inject({ method: 'POST', url: '/api/v1/ledger/verify', token: h.tokens.viewer, headers: { 'x-request-id': 'req-verify-1' } });
    assert.equal(v.status, 200, v.text);
    assert.deepEqual([v.json.ok, v.json.result, v.json.size], [true, 'verified', before]);
    assert.equal(v.headers['cache-control'], 'no-store');
    const [rec] = await entries(before);
    assert.equal(rec!.entry.type, 'audit.verification');
    assert.equal(v.json.entry, rec!.seq);
    assert.deepEqual(rec!.entry.actor, { kind: 'token', id: 'token:vera' });
    assert.deepEqual(
      [rec!.entry.data.result, rec!.entry.data.size, rec!.entry.data.root, rec!.entry.data.verifiedAt, rec!.entry.data.requestId],
      ['verified', before, v.json.root, v.json.verifiedAt, 'req-verify-1'],
    );
    const last = await h.inject({ url: '/api/v1/ledger/verify', token: h.tokens.viewer });
    assert.equal(last.headers['cache-control'], 'no-store');
    assert.deepEqual(last.json.last, v.json);
  });

  it('an export is recorded in the ledger (who, size, root, bytes) before it is sent; its length is announced', async () => {
    const before = await size();
    const r = await h.app.fastify.inject({
      url: '/api/v1/ledger/export',
      headers: { authorization: `Bearer ${h.tokens.viewer}`, 'x-request-id': 'req-export-1' },
    });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(Number(r.headers['content-length']), r.rawPayload.length);
    assert.equal(r.headers['x-ledger-size'], String(before));
    const [rec] = await entries(before);
    assert.equal(rec!.entry.type, 'audit.export');
    assert.deepEqual(rec!.entry.actor, { kind: 'token', id: 'token:vera' });
    assert.deepEqual(
      [rec!.entry.data.size, rec!.entry.data.root, rec!.entry.data.bytes, rec!.entry.data.requestId],
      [before, r.headers['x-ledger-root'], r.rawPayload.length, 'req-export-1'],
    );
  });

  it('proofs and receipts are answered with Cache-Control: no-store', async () => {
    const inc = await h.inject({ url: '/api/v1/ledger/proof/inclusion?index=0', token: h.tokens.viewer });
    assert.equal(inc.status, 200);
    assert.equal(inc.headers['cache-control'], 'no-store');
    const con = await h.inject({ url: '/api/v1/ledger/proof/consistency?from=1', token: h.tokens.viewer });
    assert.equal(con.status, 200, con.text);
    assert.equal(con.headers['cache-control'], 'no-store');
  });

  it('a database that refuses writes cannot keep a stale success on show: the unstored unknown result is shown', async () => {
    const ok = await h.inject({ method: 'POST', url: '/api/v1/ledger/verify', token: h.tokens.viewer });
    assert.equal(ok.json.result, 'verified');
    const db = h.server.engineContext.ledger.store.db;
    writeFileSync(trustPath(), '');
    await sql`PRAGMA query_only = ON`.execute(db);
    try {
      assertError(await h.inject({ method: 'POST', url: '/api/v1/ledger/verify', token: h.tokens.viewer }), 503, 'TRUST_FILE_INVALID');
      const last = (await h.inject({ url: '/api/v1/ledger/verify', token: h.tokens.viewer })).json.last;
      assert.deepEqual([last.result, last.problem.reason, last.entry], ['unknown', 'TRUST_FILE_INVALID', null]);
    } finally {
      await sql`PRAGMA query_only = OFF`.execute(db);
      writeFileSync(trustPath(), trust);
    }
    // Once stored again, the stored result is the last one.
    const again = await h.inject({ method: 'POST', url: '/api/v1/ledger/verify', token: h.tokens.viewer });
    assert.equal(again.json.result, 'verified');
    assert.deepEqual((await h.inject({ url: '/api/v1/ledger/verify', token: h.tokens.viewer })).json.last, again.json);
  });

  // Each fault of the trust file: TRUST_FILE_INVALID, and the last verification shown is `unknown`
  // with the reason — never the success before it.
  const faults: [string, () => void][] = [
    ['missing', () => rmSync(trustPath())],
    ['empty', () => writeFileSync(trustPath(), '')],
    ['only comments and blanks', () => writeFileSync(trustPath(), '# keys go here\n\n   \n')],
    ['a malformed line', () => writeFileSync(trustPath(), `${trust.trim()}\nnot-a-vkey+zzzz\n`)],
    ['truncated key', () => writeFileSync(trustPath(), trust.trim().slice(0, 30))],
    ['a directory', () => (rmSync(trustPath()), mkdirSync(trustPath()))],
    ['not valid UTF-8 text', () => writeFileSync(trustPath(), Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0a]))],
  ];
  for (const [name, breakIt] of faults) {
    it(`trust file ${name}: TRUST_FILE_INVALID, and the last verification becomes unknown with the reason`, async () => {
      const ok = await h.inject({ method: 'POST', url: '/api/v1/ledger/verify', token: h.tokens.viewer });
      assert.equal(ok.json.result, 'verified', ok.text);
      breakIt();
      try {
        const mark = await size();
        const r = await h.inject({ method: 'POST', url: '/api/v1/ledger/verify', token: h.tokens.viewer, headers: { 'x-request-id': 'req-bad-trust' } });
        const e = assertError(r, 503, 'TRUST_FILE_INVALID');
        assert.match(e.message, /trust\.vkeys/);
        const last = (await h.inject({ url: '/api/v1/ledger/verify', token: h.tokens.viewer })).json.last;
        assert.deepEqual([last.ok, last.result, last.root, last.problem.reason], [false, 'unknown', null, 'TRUST_FILE_INVALID']);
        assert.ok(last.problem.detail.length > 0);
        assert.ok(last.verifiedAt > ok.json.verifiedAt || last.verifiedAt === ok.json.verifiedAt);
        const [rec] = await entries(mark);
        assert.equal(rec!.entry.type, 'audit.verification');
        assert.deepEqual(
          [rec!.entry.data.result, (rec!.entry.data.problem as { reason: string }).reason, rec!.entry.data.requestId],
          ['unknown', 'TRUST_FILE_INVALID', 'req-bad-trust'],
        );
      } finally {
        rmSync(trustPath(), { recursive: true, force: true });
        writeFileSync(trustPath(), trust);
        chmodSync(trustPath(), 0o644);
      }
      const again = await h.inject({ method: 'POST', url: '/api/v1/ledger/verify', token: h.tokens.viewer });
      assert.equal(again.json.result, 'verified');
    });
  }
});
