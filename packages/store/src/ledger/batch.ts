// One group commit: reads the head (reloading when another process appended), plans and builds the
// batch's entries, their tree nodes and one signed checkpoint, and commits them in one transaction.
// Works on copies of the writer's view; throwing rolls everything back.
import {
  buildEntry,
  bytesEqual,
  FastTree,
  foldRange,
  peakIds,
  signCheckpoint,
  TreeState,
  type BuiltEntry,
  type Entry,
  type Hash,
  type KeyRing,
  type SignerKey,
} from '@runledger/ledger';
import type { AppendSession, EntryRow, NodeRow, StoredHead } from '../dialects/types.js';
import { StoreError, messageOf } from '../errors.js';
import type { Store } from '../open.js';
import { buf } from '../util.js';
import { replayKeys } from './keyring.js';
import { noSignerMessage, planEntry, planGenesis, planRotation, rejected, signersFor, type Plan } from './plan.js';
import { controlEntries, entryStats, nodesInOrder } from './queries.js';
import type { CommitInfo, Job, Outcome, WriterHooks, WriterView } from './types.js';

export interface BatchContext {
  readonly store: Store;
  readonly origin: string;
  readonly view: WriterView;
  /** Every signing key the writer holds. */
  readonly signerPool: readonly SignerKey[];
  readonly clock: () => Date;
  readonly hooks: WriterHooks;
  /** Refuses an entry before it is signed (see LedgerWriterOptions.screen). */
  readonly screen?: (entry: Entry, canonicalBytes: Uint8Array) => void;
}

export interface BatchResult extends WriterView {
  readonly outcomes: Map<Job, Outcome>;
  readonly newSigners: readonly SignerKey[];
  readonly info: CommitInfo;
  readonly reloaded: boolean;
}

/**
 * Everything up to and including COMMIT. `verifyHead`: read the stored head even when the dialect's
 * commit checks it (a retry after a conflict must reload).
 */
export async function writeBatch(ctx: BatchContext, s: AppendSession, batch: readonly Job[], verifyHead: boolean): Promise<BatchResult> {
  let state = ctx.view.state.clone();
  let keys = ctx.view.keys.clone();
  let root = ctx.view.root;
  let reloaded = false;
  if (verifyHead || !ctx.store.capabilities.commitChecksHead) {
    const head = await s.readHead();
    if (!sameHead(head, state.size, root)) {
      ({ state, keys } = await reload(ctx.store, s, head, state, keys));
      root = state.root();
      reloaded = true;
    }
  }
  const fast = fastTreeFor(state, root, ctx.view.fast);
  const headSize = state.size;
  const expected: StoredHead = { size: headSize, root };
  const outcomes = new Map<Job, Outcome>();

  // Idempotency: one lookup for the whole batch on the reading connection (the writer cannot SELECT).
  const idems = [...new Set(batch.flatMap((j) => (j.kind === 'entry' && j.draft.idem !== undefined ? [j.draft.idem] : [])))];
  const stored = new Map<string, { seq: number; bytes: Uint8Array; leaf: Hash }>();
  if (idems.length > 0) for (const r of await s.entriesByIdem(idems)) stored.set(r.idem, r);

  const entryRows: EntryRow[] = [];
  const nodeRows: NodeRow[] = [];
  const fresh: Array<{ job: Job; built: BuiltEntry }> = [];
  const inBatch = new Map<string, BuiltEntry>();
  const duplicatesOfFresh: Array<{ job: Job; of: BuiltEntry }> = [];
  let signers = signersFor(ctx.signerPool, keys);
  const newSigners: SignerKey[] = [];

  // One clock reading per commit: its entries are written together.
  const now = ctx.clock();
  for (const job of batch) {
    let plan: Plan;
    if (job.kind === 'entry') plan = planEntry(job.draft, state, stored, inBatch, headSize);
    else if (job.kind === 'genesis') plan = planGenesis(job.opts, state, (await entryStats(s.read)).count, ctx.signerPool, ctx.origin, keys);
    else plan = planRotation(job.opts, state, keys, signers);
    if ('outcome' in plan) {
      outcomes.set(job, plan.outcome);
      continue;
    }
    if ('duplicateOf' in plan) {
      duplicatesOfFresh.push({ job, of: plan.duplicateOf });
      continue;
    }
    let built: BuiltEntry;
    try {
      built = buildEntry(plan.draft, state.size, ctx.origin, root, now);
    } catch (e) {
      outcomes.set(job, { error: rejected(`entry rejected: ${messageOf(e)}`, e) });
      continue;
    }
    try {
      ctx.screen?.(built.entry, built.bytes);
    } catch (e) {
      outcomes.set(job, { error: e instanceof Error ? e : rejected(`entry rejected: ${messageOf(e)}`) });
      continue;
    }
    const entry = built.entry;
    if (plan.signers) {
      // Genesis or rotation (planned against these rules): applies to this batch's checkpoint and,
      // after commit, to the writer.
      replayKeys(keys, [{ seq: entry.seq, entry }], 'ENTRY_REJECTED');
      signers = plan.signers;
      newSigners.push(...plan.adds);
    }
    for (const n of state.append(built.leaf)) nodeRows.push({ level: n.level, idx: n.index, hash: buf(n.hash) });
    if (fast) {
      fast.appendLeaf(built.leaf);
      root = fast.root();
    } else root = state.root();
    entryRows.push({ seq: entry.seq, idem: entry.idem ?? null, type: entry.type, ts: entry.ts, bytes: buf(built.bytes), leaf: buf(built.leaf) });
    fresh.push({ job, built });
    if (entry.idem !== undefined) inBatch.set(entry.idem, built);
  }

  const info: CommitInfo = { fromSize: headSize, toSize: state.size, entries: entryRows.length };
  if (entryRows.length > 0) {
    if (signers.length === 0) throw new StoreError('SIGNER_NOT_ACTIVE', noSignerMessage(ctx.signerPool, ctx.origin, keys));
    const note = signCheckpoint({ origin: ctx.origin, size: state.size, root }, signers);
    keys.checkpointed();
    // Key order: each index insert lands beside the previous one instead of alternating between levels.
    if (entryRows.length > 1) nodeRows.sort((a, b) => a.level - b.level || a.idx - b.idx);
    const beforeCommit = ctx.hooks.beforeCommit;
    await s.commit(
      { entries: entryRows, nodes: nodeRows, checkpoint: { size: state.size, root: buf(root), note } },
      expected,
      beforeCommit ? () => beforeCommit(info) : undefined,
    );
  }

  for (const { job, built } of fresh) {
    outcomes.set(job, {
      result: { seq: built.entry.seq, entry: built.entry, bytes: built.bytes, leaf: built.leaf, checkpointSize: state.size, duplicate: false },
    });
  }
  for (const { job, of } of duplicatesOfFresh) {
    outcomes.set(job, { result: { seq: of.entry.seq, entry: of.entry, bytes: of.bytes, leaf: of.leaf, checkpointSize: state.size, duplicate: true } });
  }
  return { outcomes, state, keys, newSigners, info, reloaded, root, fast };
}

/**
 * The view's WebAssembly tree if it holds exactly `state` (same size and root), else one rebuilt from
 * `state`'s peaks. A failed attempt leaves its appends in the tree, and after a reload the size alone
 * can match by chance (another process appended as many entries): only the root proves the state.
 */
export function fastTreeFor(state: TreeState, root: Hash, fast: FastTree | undefined): FastTree | undefined {
  if (fast !== undefined && fast.size === state.size && bytesEqual(fast.root(), root)) return fast;
  return FastTree.fromPeaks(state.size, state.peakHashes());
}

function sameHead(head: StoredHead | undefined, size: number, root: Hash): boolean {
  if (!head) return size === 0;
  return head.size === size && bytesEqual(head.root, root);
}

/** Storage moved on without us (another process appended, or an ambiguous commit went through). */
async function reload(
  store: Store,
  s: AppendSession,
  head: StoredHead | undefined,
  state: TreeState,
  keys: KeyRing,
): Promise<{ state: TreeState; keys: KeyRing }> {
  const size = head?.size ?? 0;
  if (size < state.size) {
    throw new StoreError('LEDGER_ROOT_MISMATCH', `stored ledger has ${size} entries but this writer already committed ${state.size}: storage went backwards`);
  }
  if (size === state.size) {
    throw new StoreError('LEDGER_ROOT_MISMATCH', `stored checkpoint for size ${size} has a root that differs from this writer's`);
  }
  const peaks = await nodesInOrder(store, peakIds(size), s.read);
  if (!peaks || !bytesEqual(foldRange(peaks), head!.root)) {
    throw new StoreError('LEDGER_ROOT_MISMATCH', `stored nodes for size ${size} do not match the stored checkpoint's root`);
  }
  const next = keys.clone();
  replayKeys(next, await controlEntries(s.read, state.size, size), 'STORE_CORRUPT');
  next.checkpointed();
  return { state: TreeState.fromPeaks(size, peaks), keys: next };
}
