// The operator's filters on SQLite and on PostgreSQL: ledger entries by type, type prefix, run
// (idempotency-key prefix), time range and a code-side match (the actor), newest first with a
// bounded scan and a cursor; runs by runbook, requester, state and creation time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateSigner } from '@runledger/ledger';
import { LedgerReader, LedgerWriter, RunStore, openStore, type Store } from '../src/index.js';
import { pgFactory, sqliteFactory, type FixtureFactory } from '@runledger/testkit';

const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

function suite(factory: FixtureFactory): void {
  describe(`search on ${factory.name}`, () => {
    const stores: Store[] = [];
    before(() => factory.setup());
    after(async () => {
      for (const s of stores) await s.close();
      await factory.teardown();
    });

    async function open(): Promise<Store> {
      const s = await openStore((await factory.create()).config);
      stores.push(s);
      return s;
    }

    it('ledger entries: by type, type prefix, run, time range and actor; newest first; the cursor pages without gaps or repeats', async () => {
      const store = await open();
      let minute = 0;
      const writer = await LedgerWriter.open({
        store,
        origin: 'search.test/ledger',
        signers: [generateSigner('search.test/ledger')],
        clock: () => new Date(T0 + minute * 60_000),
      });
      await writer.init({ actor: { kind: 'system', id: 'setup' } }); // seq 0 at minute 0
      const alice = { kind: 'token', id: 'token:alice' } as const;
      const bob = { kind: 'token', id: 'token:bob' } as const;
      // seq 1..12: minute = seq; runs r1 and r2 alternate; alice writes odd seqs, bob even ones.
      for (let i = 1; i <= 12; i++) {
        minute = i;
        const run = i % 2 === 1 ? 'r1' : 'r2';
        const type = i % 3 === 0 ? 'ops.note' : i % 3 === 1 ? 'run.step.started' : 'run.step.finished';
        await writer.append({ type, actor: i % 2 === 1 ? alice : bob, subject: { kind: 'run', id: run }, data: { i }, idem: `run:${run}:${i}` });
      }
      const reader = new LedgerReader(store);
      const seqs = (p: { entries: { seq: number }[] }): number[] => p.entries.map((e) => e.seq);

      assert.deepEqual(seqs(await reader.search({ limit: 5 })), [12, 11, 10, 9, 8], 'no filter: newest first');
      assert.deepEqual(seqs(await reader.search({ types: ['ops.note'], limit: 50 })), [12, 9, 6, 3]);
      assert.deepEqual(seqs(await reader.search({ types: ['ops.note', 'run.step.started'], limit: 50 })), [12, 10, 9, 7, 6, 4, 3, 1]);
      assert.deepEqual(seqs(await reader.search({ typePrefix: 'run.', limit: 50 })), [11, 10, 8, 7, 5, 4, 2, 1]);
      assert.deepEqual(seqs(await reader.search({ typePrefix: 'ledger.', limit: 50 })), [0], 'genesis');
      assert.deepEqual(seqs(await reader.search({ idemPrefix: 'run:r1:', limit: 50 })), [11, 9, 7, 5, 3, 1]);
      assert.deepEqual(seqs(await reader.search({ idemPrefix: 'run:r', limit: 50 })).length, 12, 'a prefix, not an exact key');
      assert.deepEqual(seqs(await reader.search({ since: at(4), until: at(7), limit: 50 })), [6, 5, 4], 'since inclusive, until exclusive');
      assert.deepEqual(seqs(await reader.search({ match: (e) => e.actor.id === 'token:bob', limit: 50 })), [12, 10, 8, 6, 4, 2]);
      // Everything at once.
      assert.deepEqual(
        seqs(await reader.search({ typePrefix: 'run.', idemPrefix: 'run:r2:', since: at(3), match: (e) => e.actor.id === 'token:bob', limit: 50 })),
        [10, 8, 4],
      );
      assert.deepEqual(seqs(await reader.search({ types: ['no.such.type'], limit: 50 })), []);

      // Paging with the cursor: every match once, in order, however small the pages.
      for (const limit of [1, 2, 5]) {
        const all: number[] = [];
        let before: number | undefined;
        for (let guard = 0; guard < 50; guard++) {
          const p = await reader.search({ idemPrefix: 'run:r1:', limit, ...(before !== undefined ? { before } : {}) });
          all.push(...seqs(p));
          if (p.next === null) break;
          before = p.next;
        }
        assert.deepEqual(all, [11, 9, 7, 5, 3, 1], `pages of ${limit}`);
      }

      // A rare match stops at the scan limit and says where to go on.
      const first = await reader.search({ match: (e) => e.actor.id === 'system:none' || e.seq === 0, limit: 10, scanLimit: 4 });
      assert.deepEqual([seqs(first), first.scanned, first.next], [[], 4, 9]);
      const rest = await reader.search({ match: (e) => e.seq === 0, limit: 10, before: first.next!, scanLimit: 100 });
      assert.deepEqual([seqs(rest), rest.next], [[0], null]);
    });

    it('runs: by runbook, requester (any of), state and creation time, combined', async () => {
      const store = await open();
      const runs = new RunStore(store);
      const make = async (id: string, runbookId: string, requester: string, state: string, minute: number): Promise<void> => {
        const ev = { type: 'run.created', at: at(minute), runId: id };
        await runs.createRun(
          {
            id,
            runbookId,
            runbookTitle: runbookId,
            runbookHash: 'h',
            file: `${runbookId}.md`,
            source: '',
            environment: 'local',
            requester,
            state,
            reason: null,
            inputs: {},
            lock: null,
            createdAt: at(minute),
          },
          { seq: 0, at: at(minute), type: ev.type, event: ev },
        );
      };
      await make('a', 'release-smoke', 'token:alice', 'succeeded', 1);
      await make('b', 'release-smoke', 'token:bob', 'waiting_approval', 2);
      await make('c', 'rollback-image', 'alice', 'failed', 3);
      await make('d', 'rollback-image', 'token:alice', 'succeeded', 4);
      const ids = async (f: Parameters<RunStore['listRunSummaries']>[0]): Promise<string> => (await runs.listRunSummaries(f)).map((r) => r.id).join('');
      assert.equal(await ids({}), 'dcba');
      assert.equal(await ids({ runbookId: 'release-smoke' }), 'ba');
      assert.equal(await ids({ requesters: ['token:alice'] }), 'da');
      assert.equal(await ids({ requesters: ['alice', 'token:alice'] }), 'dca');
      assert.equal(await ids({ since: at(2), until: at(4) }), 'cb');
      assert.equal(await ids({ state: 'succeeded', requesters: ['token:alice'], runbookId: 'rollback-image' }), 'd');
      assert.equal(await ids({ requesters: ['nobody'] }), '');
      assert.equal((await runs.listRuns({ requesters: ['token:bob'] })).map((r) => r.id).join(''), 'b', 'listRuns filters alike');
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
