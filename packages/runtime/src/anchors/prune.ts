// `runledger anchors prune --keep N`: an anchor directory grows by one shipment every few seconds; this
// keeps its newest N and deletes the rest, never the newest.
//
// Why it is safe: each shipment carries the consistency proof from the previous one, so a chain that
// verifies proves every older checkpoint is a prefix of the newest; and the live ledger is proven to
// extend the newest (the same check as `anchors check`). Whatever extends the newest extends every older
// one, so the older files add no rollback or fork detection. The prune refuses unless both hold: a
// directory whose chain breaks, or that the live ledger does not extend, may be the evidence.
// What goes: the off-host copy of the older entries (backups hold them) and the replay of the chain from 0.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ANCHOR_FILE_RE, verifyAnchorChain, type Actor, type VerifierKey } from '@runledger/ledger';
import { RuntimeError } from '../errors.js';
import type { LedgerContext } from '../ledger/service.js';
import { checkAnchors } from './check.js';
import { readAnchorDir } from './files.js';

export interface AnchorPruneResult {
  readonly dir: string;
  /** File names kept, oldest first (the last is the newest anchor). */
  readonly kept: readonly string[];
  /** File names deleted (or that would be, on a dry run), oldest first. */
  readonly removed: readonly string[];
  /** The anchors.pruned entry's index (absent on a dry run or when nothing was removed). */
  readonly entry?: number;
}

export async function pruneAnchors(o: {
  ctx: LedgerContext;
  dir: string;
  keep: number;
  trusted: readonly VerifierKey[];
  actor: Actor;
  dryRun?: boolean;
}): Promise<AnchorPruneResult> {
  if (!Number.isSafeInteger(o.keep) || o.keep < 1) throw new RuntimeError('USAGE', '--keep must be at least 1: the newest anchor is never removed');
  const files = await readAnchorDir(o.dir);
  if (files.length === 0) throw new RuntimeError('USAGE', `${o.dir} holds no anchors`);
  const chain = verifyAnchorChain(files, o.trusted);
  if (!chain.ok)
    throw new RuntimeError(
      'ANCHOR_INCONSISTENT',
      `${o.dir}: the chain of shipments does not verify (${chain.reason}${chain.file ? ` at ${chain.file}` : ''}: ${chain.detail}); nothing pruned: it may be the evidence`,
    );
  const live = await checkAnchors(o.ctx.reader, o.dir, o.trusted);
  if (live.status !== 'CONSISTENT')
    throw new RuntimeError(
      'ANCHOR_INCONSISTENT',
      `${o.dir}: ${live.status} ${live.reason}: ${live.detail}; nothing pruned: the older anchors may be the evidence`,
    );
  const names = files.map((f) => f.name).filter((n) => ANCHOR_FILE_RE.test(n));
  const removed = names.slice(0, Math.max(0, names.length - o.keep));
  const kept = names.slice(removed.length);
  if (o.dryRun || removed.length === 0) return { dir: o.dir, kept, removed };
  if (!o.ctx.writer) throw new RuntimeError('INTERNAL', 'pruneAnchors needs a ledger opened for writing (it appends anchors.pruned)');
  // Oldest first: a prune cut short leaves an unbroken run of the newest shipments, which still verifies.
  for (const n of removed) await rm(join(o.dir, n), { force: true });
  const sizeOf = (n: string): number => Number(ANCHOR_FILE_RE.exec(n)![1]);
  const r = await o.ctx.writer.append({
    type: 'anchors.pruned',
    actor: o.actor,
    data: {
      dir: o.dir,
      removed: removed.length,
      removedSizes: { from: sizeOf(removed[0]!), to: sizeOf(removed.at(-1)!) },
      kept: kept.length,
      newestSize: sizeOf(kept.at(-1)!),
    },
  });
  return { dir: o.dir, kept, removed, entry: r.seq };
}
