// The PostgreSQL physical path of docs/backups.md, run block by block exactly as written there, on a
// private cluster (initdb in a temporary directory, pg_ctl on free ports; the shared server is never
// reconfigured): WAL archiving, a base backup checked by pg_verifybackup, appends, a WAL switch and the
// archiver's RPO, then two recoveries in new directories: to the end of the archive (every entry
// appended before the switch) and to a point in time (exactly the entries committed before it). Each
// recovered ledger is re-derived in full, verified from the trust file and still refuses edits.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { IntegrityCheck, bootstrapPostgresRoles } from '@runledger/store';
import { freePort, initPrivateCluster, removeTempDirs, tempDir, type PrivateCluster } from '@runledger/testkit';
import { backupStatus, initLedger, openLedger, pgArchiveStatus, type LedgerContext } from '../src/index.js';
import { parseTrustText } from '../src/backups/files.js';

const DOC = readFileSync(resolve(import.meta.dirname, '../../../docs/backups.md'), 'utf8');
const actor = { kind: 'user' as const, id: 'alice' };
const ORIGIN = 'ops.test.runledger/pg-physical';

/** The shell block of docs/backups.md that starts with `# pg-physical: NAME`. */
function block(name: string): string {
  const m = new RegExp(`\`\`\`sh\\n# pg-physical: ${name}\\n([\\s\\S]*?)\`\`\``).exec(DOC);
  if (!m) throw new Error(`docs/backups.md has no block "# pg-physical: ${name}"`);
  return m[1]!;
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('PostgreSQL physical path (docs/backups.md, on a private cluster)', () => {
  let cluster: PrivateCluster;
  const recovered: string[] = [];

  before(async () => {
    cluster = await initPrivateCluster();
  });
  after(async () => {
    await cluster?.stop(...recovered);
    removeTempDirs();
  });

  it('archives WAL, takes and verifies a base backup, measures RPO, and recovers the ledger to the end of the archive and to a point in time', async () => {
    const vars = { PGDATA: cluster.data, ARCH: join(cluster.root, 'archive'), BASE: join(cluster.root, 'base') };
    await cluster.sh(block('archive'), vars);
    const admin = cluster.url('postgres');
    assert.deepEqual(await query(admin, "SELECT current_setting('archive_mode') AS m"), [{ m: 'on' }]);

    // Runledger's store on the cluster: the roles' bootstrap, then the real migrations (init).
    await query(admin, 'CREATE DATABASE runledger');
    await bootstrapPostgresRoles(cluster.url('runledger'));
    const envAt = (port: number): Record<string, string> => ({
      RUNLEDGER_DATABASE_URL: `postgres://runledger_app@127.0.0.1:${port}/runledger`,
      RUNLEDGER_LEDGER_DATABASE_URL: `postgres://runledger_ledger_writer@127.0.0.1:${port}/runledger`,
    });
    const env = envAt(cluster.port);
    const home = join(tempDir('runledger-pgphys-'), 'data');
    await initLedger({ home, env }, { origin: ORIGIN, actor });
    const ctx: LedgerContext = await openLedger({ home, env }, { write: true });
    const append = async (n: number, tag: string): Promise<number> => {
      for (let i = 0; i < n; i++) await ctx.writer!.append({ type: 'ops.note', actor, data: { tag, i } });
      return (await ctx.reader.head()).size;
    };
    let sizeAtTarget: number;
    let sizeArchived: number;
    let targetTime: string;
    try {
      await append(10, 'before the base backup');
      await cluster.sh(block('base-backup'), vars);
      sizeAtTarget = await append(10, 'after the base backup');
      // The server's clock: recovery compares commit timestamps with it.
      targetTime = (await query<{ t: string }>(admin, 'SELECT clock_timestamp()::text AS t'))[0]!.t;
      sizeArchived = await append(10, 'after the target time');
      assert.equal(sizeArchived, sizeAtTarget + 10);

      const printed = (await cluster.sh(block('switch'), vars)).trim().split('\n').at(-1)!.split('|');
      const c = new pg.Client({ connectionString: env.RUNLEDGER_DATABASE_URL });
      await c.connect();
      const status = await pgArchiveStatus(c).finally(() => c.end());
      assert.equal(status.archiveMode, 'on');
      assert.ok(status.lastArchivedWal !== null && status.lastArchivedWal >= printed[0]!, `${status.lastArchivedWal} vs ${printed[0]}`);
      assert.equal(status.failedCount, 0);
      assert.equal(status.failing, false);
      assert.ok(status.rpoSeconds !== null && Number.isFinite(status.rpoSeconds) && status.rpoSeconds >= 0);
      // `runledger backup status` reads the same as the main role.
      const viaStatus = await backupStatus({ loc: { home, env }, dir: join(tempDir(), 'no-backups') });
      assert.equal(viaStatus.wal?.archiveMode, 'on');
      assert.ok(viaStatus.wal!.lastArchivedWal! >= printed[0]!);
      assert.equal(viaStatus.newest, null);
    } finally {
      await ctx.close();
    }
    const live = await openLedger({ home, env }, { write: false });
    const rootAt = async (size: number): Promise<string> => Buffer.from((await live.reader.checkpoint(size))!.root).toString('base64');
    const expected = { archived: await rootAt(sizeArchived), target: await rootAt(sizeAtTarget) };
    await live.close();
    const trusted = parseTrustText(readFileSync(join(home, 'trust.vkeys'), 'utf8'));

    /** Recovers a copy of the base backup (optionally to the target time) and checks its ledger. */
    const recover = async (name: string, withTarget: boolean, size: number, root: string): Promise<void> => {
      const RESTORED = join(cluster.root, name);
      const RESTORE_PORT = await freePort();
      recovered.push(RESTORED);
      const at = { ...vars, RESTORED, RESTORE_PORT: String(RESTORE_PORT), TARGET_TIME: targetTime };
      await cluster.sh(block('recover'), at);
      if (withTarget) await cluster.sh(block('target-time'), at);
      await cluster.sh(block('start'), at);
      assert.deepEqual(await query(`postgres://postgres@127.0.0.1:${RESTORE_PORT}/postgres`, 'SELECT pg_is_in_recovery() AS r'), [{ r: false }]);

      const back = await openLedger({ home, env: envAt(RESTORE_PORT) }, { write: true, startupCheck: 'full' });
      try {
        const head = await back.reader.head();
        assert.equal(head.size, size, `${name}: the entries committed before the recovery point`);
        assert.equal(Buffer.from(head.root).toString('base64'), root);
        const verified = await new IntegrityCheck(back.store, { trusted }).start();
        assert.equal(verified.state, 'ok', JSON.stringify(verified));
        // Promoted and writable, by the INSERT-only writer role; history still refuses edits.
        assert.equal((await back.writer!.append({ type: 'ops.note', actor, data: { after: name } })).seq, size);
        await assert.rejects(
          query(envAt(RESTORE_PORT).RUNLEDGER_DATABASE_URL!, 'UPDATE runledger_ledger.ledger_entries SET type = type WHERE seq = 1'),
          /ledger tables are append-only: UPDATE/,
        );
      } finally {
        await back.close();
      }
      await cluster.sh('pg_ctl -D "$RESTORED" -m fast -w stop >/dev/null', { RESTORED });
    };
    await recover('restored-end', false, sizeArchived, expected.archived);
    await recover('restored-pitr', true, sizeAtTarget, expected.target);
  });
});
