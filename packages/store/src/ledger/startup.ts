// The writer's startup check: before it may append, the latest signed checkpoint must match the stored
// tree (its peaks), the last entry must chain to it, and its signatures must satisfy the key rules as
// replayed from the stored genesis and rotations. Entry and signature checks are the verifier's own.
import {
  checkEntryLine,
  checkpointSignatureProblem,
  GENESIS_TYPE,
  KeyRing,
  TreeState,
  bytesEqual,
  foldRange,
  leafHash,
  nodeKey,
  parseSignedCheckpoint,
  peakIds,
  toBase64,
  type Hash,
  type NodeId,
  type SignedCheckpoint,
} from '@runledger/ledger';
import { StoreError, messageOf } from '../errors.js';
import type { Store } from '../open.js';
import { fullCheck } from './check.js';
import { replayKeys } from './keyring.js';
import { controlEntries, headWithStats, nodesInOrder, previousCheckpointSize, toStoredEntry, type StoredEntry } from './queries.js';

/**
 * Re-derives the latest checkpoint's root from storage and verifies its signature. 'full' also runs
 * every stored entry through the verifier and compares every stored column (check.ts). Returns the
 * tree state and key ring as of that checkpoint.
 */
export async function startupCheck(store: Store, origin: string, mode: 'peaks' | 'full'): Promise<{ state: TreeState; keys: KeyRing }> {
  const db = store.readDb;
  // One statement, one snapshot: a commit by another process cannot land between the two figures.
  const { cp, stats } = await headWithStats(db);
  if (!cp) {
    if (stats.count > 0) throw new StoreError('LEDGER_ROOT_MISMATCH', `ledger_entries has ${stats.count} entries but there is no checkpoint: an unsigned tail`);
    return { state: TreeState.empty(), keys: KeyRing.empty(origin) };
  }
  const where = `latest checkpoint (size ${cp.size})`;
  let parsed: SignedCheckpoint;
  try {
    parsed = parseSignedCheckpoint(cp.note);
  } catch (e) {
    throw new StoreError('LEDGER_CHECKPOINT_INVALID', `${where}: ${messageOf(e)}`, { cause: e });
  }
  if (parsed.origin !== origin) {
    throw new StoreError('LEDGER_ORIGIN_MISMATCH', `${where} is for origin ${parsed.origin}, but this writer was opened for ${origin}`);
  }
  if (parsed.size !== cp.size || !bytesEqual(parsed.root, cp.root)) {
    throw new StoreError(
      'LEDGER_CHECKPOINT_INVALID',
      `${where}: the note says size ${parsed.size} root ${toBase64(parsed.root)}, the row says size ${cp.size} root ${toBase64(cp.root)}`,
    );
  }
  if (stats.count !== cp.size || stats.maxSeq !== cp.size - 1) {
    throw new StoreError(
      'LEDGER_ROOT_MISMATCH',
      `${where}: ledger_entries holds ${stats.count} entries (max seq ${stats.maxSeq ?? 'none'}), expected exactly ${cp.size}`,
    );
  }

  // One fetch: the peaks of size n, the peaks of size n-1 (the last entry's prev) and the last leaf.
  const last = cp.size - 1;
  const peakN = peakIds(cp.size);
  const peakPrev = peakIds(last);
  const leafId: NodeId = { level: 0, index: last };
  const ids = dedupe([...peakN, ...peakPrev, leafId]);
  const fetched = await nodesInOrder(store, ids);
  if (!fetched) throw new StoreError('LEDGER_ROOT_MISMATCH', `${where}: tree nodes are missing from ledger_nodes`);
  const byKey = new Map(ids.map((id, i) => [nodeKey(id), fetched[i]!] as const));
  const pick = (list: NodeId[]): Hash[] => list.map((id) => byKey.get(nodeKey(id))!);
  const root = foldRange(pick(peakN));
  if (!bytesEqual(root, cp.root)) {
    throw new StoreError('LEDGER_ROOT_MISMATCH', `${where}: stored tree nodes give root ${toBase64(root)}, the signed checkpoint says ${toBase64(cp.root)}`);
  }
  const lastRow = await db.selectFrom('ledger_entries').select(['seq', 'bytes', 'leaf']).where('seq', '=', last).executeTakeFirst();
  if (!lastRow) throw new StoreError('LEDGER_ROOT_MISMATCH', `${where}: entry ${last} is missing`);
  const lastLeaf = leafHash(lastRow.bytes);
  if (!bytesEqual(lastLeaf, lastRow.leaf) || !bytesEqual(lastLeaf, byKey.get(nodeKey(leafId))!)) {
    throw new StoreError('LEDGER_ROOT_MISMATCH', `${where}: entry ${last}'s bytes do not hash to its stored leaf`);
  }
  const lastCheck = checkEntryLine(lastRow.bytes, last, origin, foldRange(pick(peakPrev)));
  if (!lastCheck.ok) {
    throw new StoreError('LEDGER_ROOT_MISMATCH', `${where}: entry ${last} does not chain to the stored tree: ${lastCheck.reason}: ${lastCheck.detail}`);
  }
  if (mode === 'full') await fullCheck(store, origin, cp);

  const keys = await keysAt(store, origin, cp.size);
  const problem = checkpointSignatureProblem(parsed.note, cp.size, keys.known, keys.checkpointSigners);
  if (problem) throw new StoreError('LEDGER_CHECKPOINT_INVALID', `${where}: ${problem.reason}: ${problem.detail}`);
  keys.checkpointed();
  return { state: TreeState.fromPeaks(cp.size, pick(peakN)), keys };
}

/**
 * The key ring just before the checkpoint of `size`: the control entries below the previous
 * checkpoint, that checkpoint, then the rest (so `checkpointSigners` is the set that must sign `size`).
 */
async function keysAt(store: Store, origin: string, size: number): Promise<KeyRing> {
  const db = store.readDb;
  const control: StoredEntry[] = await controlEntries(db, 0, size);
  if (control[0]?.seq !== 0) {
    // Entry 0 is not a control type: the rules name what it is.
    const e0 = await db.selectFrom('ledger_entries').select(['seq', 'bytes', 'leaf']).where('seq', '=', 0).executeTakeFirst();
    if (e0) control.unshift(toStoredEntry(e0));
  }
  const prevSize = await previousCheckpointSize(db, size);
  const keys = KeyRing.empty(origin);
  replayKeys(
    keys,
    control.filter((e) => e.seq < prevSize),
    'LEDGER_CHECKPOINT_INVALID',
  );
  keys.checkpointed();
  replayKeys(
    keys,
    control.filter((e) => e.seq >= prevSize),
    'LEDGER_CHECKPOINT_INVALID',
  );
  if (keys.known.length === 0) throw new StoreError('LEDGER_CHECKPOINT_INVALID', `entry 0 is not a ${GENESIS_TYPE} entry, so no key is trusted`);
  return keys;
}

function dedupe(ids: NodeId[]): NodeId[] {
  const seen = new Map<string, NodeId>();
  for (const id of ids) seen.set(nodeKey(id), id);
  return [...seen.values()];
}
