// Anchor retention (`anchors prune --keep N`: never the newest, only from a chain that verifies and a
// live ledger that extends it) and anchors given to a restore on the command line (`--anchor NOTE`:
// a checkpoint note file, a .anchor shipment or the note's text), which count like anchor directories.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateSigner, parseVkey, sha256, signCheckpoint, verifyAnchorChain } from '@runledger/ledger';
import { loadSigners } from '@runledger/store';
import { removeTempDirs, tempDir } from '@runledger/testkit';
import {
  AnchorShipper,
  backupNow,
  checkAnchors,
  exportBundle,
  initLedger,
  openLedger,
  parseDestination,
  pruneAnchors,
  readAnchorDir,
  readAnchorNote,
  restoreBackup,
  RuntimeError,
  TRUST_FILE,
  type LedgerContext,
} from '../src/index.js';

const ORIGIN = 'ops.test.runledger/anchor-retention';
const actor = { kind: 'user' as const, id: 'alice' };

after(removeTempDirs);

function code(e: unknown): string {
  return e instanceof RuntimeError ? e.code : `not a RuntimeError: ${String(e)}`;
}

async function fresh(): Promise<{ root: string; home: string; ctx: LedgerContext; anchors: string; ship: () => Promise<unknown> }> {
  const root = tempDir('runledger-anchor-retention-');
  const home = join(root, 'home');
  await initLedger({ home, env: {} }, { origin: ORIGIN, actor });
  const ctx = await openLedger({ home, env: {} }, { write: true });
  const anchors = join(root, 'offhost');
  const ship = () => new AnchorShipper({ reader: ctx.reader, destinations: [parseDestination(anchors, root)], stateDir: join(home, 'anchors') }).shipNow();
  return { root, home, ctx, anchors, ship };
}

const trust = (home: string) =>
  readFileSync(join(home, TRUST_FILE), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map(parseVkey);

async function grow(ctx: LedgerContext, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await ctx.writer!.append({ type: 'ops.note', actor, data: { i } });
}

describe('anchors prune', () => {
  it('keeps the newest N, oldest deleted first; the rest still verifies, the live ledger is still checked, shipping goes on', async () => {
    const { home, ctx, anchors, ship } = await fresh();
    try {
      for (let i = 0; i < 5; i++) {
        await grow(ctx, 2);
        await ship();
      }
      const before = (await readAnchorDir(anchors)).map((f) => f.name);
      assert.equal(before.length, 5);
      const keys = trust(home);
      const dry = await pruneAnchors({ ctx, dir: anchors, keep: 2, trusted: keys, actor, dryRun: true });
      assert.deepEqual([dry.removed, dry.kept, dry.entry], [before.slice(0, 3), before.slice(3), undefined]);
      assert.equal(readdirSync(anchors).length, 5, 'a dry run deletes nothing');

      const r = await pruneAnchors({ ctx, dir: anchors, keep: 2, trusted: keys, actor });
      assert.deepEqual(r.kept, before.slice(3));
      assert.deepEqual(readdirSync(anchors).sort(), before.slice(3));
      const e = (await ctx.reader.entry(r.entry!))!;
      assert.equal(e.entry.type, 'anchors.pruned');
      assert.deepEqual((e.entry.data as { removed: number; kept: number }).removed, 3);
      const chain = verifyAnchorChain(await readAnchorDir(anchors), keys);
      assert.ok(chain.ok, JSON.stringify(chain));
      assert.equal((await checkAnchors(ctx.reader, anchors, keys)).status, 'CONSISTENT');

      // Shipping goes on from the newest kept; a rollback is still caught from what is left.
      await grow(ctx, 1);
      await ship();
      assert.equal((await readAnchorDir(anchors)).length, 3);
      assert.ok(verifyAnchorChain(await readAnchorDir(anchors), keys).ok);

      // Keeping as many as there are removes nothing; keep 0 is refused (the newest is never removed).
      assert.deepEqual((await pruneAnchors({ ctx, dir: anchors, keep: 10, trusted: keys, actor })).removed, []);
      await assert.rejects(pruneAnchors({ ctx, dir: anchors, keep: 0, trusted: keys, actor }), (x) => code(x) === 'USAGE');
    } finally {
      await ctx.close();
    }
  });

  it('refuses to prune a directory whose chain breaks or that the live ledger does not extend: it may be the evidence', async () => {
    const { root, home, ctx, anchors, ship } = await fresh();
    try {
      await grow(ctx, 2);
      await ship();
      const older = await backupNow({ ctx, dir: join(root, 'backups'), actor });
      await grow(ctx, 1);
      await ship();
      const keys = trust(home);
      // A third shipment over another history, signed by the host's key: its proof from size 5 fails.
      const forged = signCheckpoint({ origin: ORIGIN, size: 9, root: sha256(new Uint8Array([7])) }, await loadSigners(home));
      writeFileSync(join(anchors, `${String(9).padStart(20, '0')}.anchor`), `runledger-anchor/1\nfrom 5\nentries 0\n\n${forged}`);
      const names = readdirSync(anchors).sort();
      await assert.rejects(
        pruneAnchors({ ctx, dir: anchors, keep: 1, trusted: keys, actor }),
        (x) => code(x) === 'ANCHOR_INCONSISTENT' && /CHAIN_FORKED.*nothing pruned/.test((x as Error).message),
      );
      assert.deepEqual(readdirSync(anchors).sort(), names, 'nothing deleted');
      // A live ledger behind the directory (an older copy restored) is refused too.
      rmSync(join(anchors, names.at(-1)!));
      const restored = join(root, 'older');
      await restoreBackup({ backup: older.path, dataDir: restored });
      const behind = await openLedger({ home: restored, env: {} }, { write: false });
      try {
        await assert.rejects(
          pruneAnchors({ ctx: behind, dir: anchors, keep: 1, trusted: keys, actor }),
          (x) => code(x) === 'ANCHOR_INCONSISTENT' && /ROLLED_BACK.*nothing pruned/.test((x as Error).message),
        );
      } finally {
        await behind.close();
      }
      assert.equal(readdirSync(anchors).length, 2, 'nothing deleted');
    } finally {
      await ctx.close();
    }
  });
});

describe('restore --anchor NOTE', () => {
  it('a restore behind a note given on the command line is a rollback; a note it extends passes; a foreign note is refused', async () => {
    const { root, ctx, ship } = await fresh();
    try {
      await grow(ctx, 3);
      // The checkpoint the backup holds (backup.created comes after it).
      const atBackup = (await ctx.reader.latestCheckpoint())!.note;
      const old = await backupNow({ ctx, dir: join(root, 'backups'), actor });
      await grow(ctx, 4);
      await ship();
      const newer = (await ctx.reader.latestCheckpoint())!.note;

      // Three forms: the text itself, a note file (as an export's checkpoints/ holds), a .anchor shipment.
      const asText = await readAnchorNote(atBackup, root);
      assert.equal(asText.note, atBackup);
      const bundle = join(root, 'export');
      await exportBundle(ctx.reader, bundle);
      const cpDir = join(bundle, 'checkpoints');
      const newest = readdirSync(cpDir).sort().at(-1)!;
      const fromFile = await readAnchorNote(join('export', 'checkpoints', newest), root);
      assert.equal(fromFile.note, readFileSync(join(cpDir, newest), 'utf8'));
      const shipment = readdirSync(join(root, 'offhost'))[0]!;
      const fromShipment = await readAnchorNote(join(root, 'offhost', shipment), root);
      assert.equal(fromShipment.note, newer);

      const ok = await restoreBackup({ backup: old.path, dataDir: join(root, 'r-ok'), anchorNotes: [asText] });
      assert.ok(
        ok.checks.some((c) => c === `anchors: the restored ledger extends the anchor the note given (size ${old.manifest.ledger.size})`),
        ok.checks.join('\n'),
      );
      const behind = join(root, 'r-behind');
      await assert.rejects(
        restoreBackup({ backup: old.path, dataDir: behind, anchorNotes: [asText, fromShipment] }),
        (e) => code(e) === 'RESTORE_ROLLBACK' && (e as Error).message.includes(`behind the anchor ${join(root, 'offhost', shipment)}`),
      );
      assert.ok(!existsSync(behind), 'a refused restore leaves nothing');
      const allowed = await restoreBackup({
        backup: old.path,
        dataDir: join(root, 'r-allowed'),
        anchorNotes: [fromFile],
        allowRollback: { reason: 'newer disk lost; OPS-12' },
      });
      assert.ok(allowed.checks.some((c) => /^anchors: BEHIND the anchor .*allowed: newer disk lost; OPS-12$/.test(c)));

      // A note no trusted key signed (another ledger's, or a forgery) does not count as agreement.
      const foreign = signCheckpoint({ origin: ORIGIN, size: 2, root: sha256(new Uint8Array([1])) }, [generateSigner(ORIGIN)]);
      await assert.rejects(
        restoreBackup({ backup: old.path, dataDir: join(root, 'r-foreign'), anchorNotes: [await readAnchorNote(foreign, root)] }),
        (e) => code(e) === 'BACKUP_LEDGER_MISMATCH' && /UNTRUSTED_SIGNER/.test((e as Error).message),
      );
      // Bad input: a missing file, text that is no note.
      await assert.rejects(readAnchorNote('missing.note', root), (e) => code(e) === 'USAGE' && /ENOENT/.test((e as Error).message));
      writeFileSync(join(root, 'junk'), 'hello\n');
      await assert.rejects(readAnchorNote('junk', root), (e) => code(e) === 'USAGE' && /not a signed checkpoint/.test((e as Error).message));
    } finally {
      await ctx.close();
    }
  });
});
