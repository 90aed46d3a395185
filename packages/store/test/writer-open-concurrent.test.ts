// A writer opening while another process keeps appending (a CLI run beside a writing server): the
// startup check reads the entry count and the latest checkpoint in one statement, so a commit landing
// between two reads is not taken for an unsigned tail (LEDGER_ROOT_MISMATCH), on SQLite and PostgreSQL.
// The appender is a child process: in one process better-sqlite3's synchronous reads never interleave
// with another connection's commit, which is what happens between processes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { generateSigner } from '@runledger/ledger';
import { LedgerWriter, openStore, type Store } from '../src/index.js';
import { pgFactory, sqliteFactory, type FixtureFactory } from '@runledger/testkit';
import { ORIGIN } from './helpers/suite.js';

const actor = { kind: 'system', id: 'test' } as const;

const APPENDER = `
import { LedgerWriter, openStore } from '@runledger/store';
import { parseSkey } from '@runledger/ledger';
const store = await openStore(JSON.parse(process.env.CONFIG));
const w = await LedgerWriter.open({ store, origin: process.env.ORIGIN, signers: [parseSkey(process.env.SKEY)] });
let stop = false;
process.stdin.on('data', () => (stop = true));
process.stdout.write('ready\\n');
let n = 0;
while (!stop) { await w.append({ type: 'test.note', actor: { kind: 'system', id: 'appender' }, data: { n } }); n++; }
await w.close();
await store.close();
process.stdout.write('appended ' + n + '\\n');
`;

function suite(factory: FixtureFactory): void {
  describe(`opening a writer beside another writer (${factory.name})`, () => {
    const stores: Store[] = [];
    before(() => factory.setup());
    after(async () => {
      for (const s of stores) await s.close();
      await factory.teardown();
    });

    it('every open succeeds while the other keeps committing, and sees a consistent head', async () => {
      const fx = await factory.create();
      const a = await openStore(fx.config);
      const b = await openStore(fx.config);
      stores.push(a, b);
      const signer = generateSigner(ORIGIN);
      const init = await LedgerWriter.open({ store: a, origin: ORIGIN, signers: [signer] });
      await init.init({ actor });
      await init.close();
      // The other process: appends until told to stop on stdin, then prints how many it appended.
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', APPENDER], {
        env: { ...process.env, CONFIG: JSON.stringify(fx.config), ORIGIN, SKEY: signer.skey },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      const exited = new Promise<number | null>((res) => child.on('exit', res));
      const appending = async (): Promise<void> => {
        for (let i = 0; i < 200 && !out.includes('ready'); i++) await new Promise((r) => setTimeout(r, 50));
      };
      await appending();
      assert.ok(out.includes('ready'), 'the appender started');
      const failures: string[] = [];
      let opens = 0;
      const t0 = Date.now();
      // Enough opens to straddle many commits (the race showed 16 times in 300 before the fix).
      while (opens < 150 && Date.now() - t0 < 30_000) {
        try {
          const w = await LedgerWriter.open({ store: b, origin: ORIGIN, signers: [signer] });
          assert.ok(w.size >= 1);
          await w.close();
        } catch (e) {
          failures.push((e as Error).message);
        }
        opens++;
      }
      child.stdin.end('stop\n');
      assert.equal(await exited, 0);
      const appended = Number(/appended (\d+)/.exec(out)?.[1] ?? 0);
      assert.ok(appended > 20, `the other process kept committing (${appended} appends during ${opens} opens)`);
      assert.deepEqual(failures, [], `${failures.length} of ${opens} opens failed`);
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
