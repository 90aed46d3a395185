// The full check (`runledger ledger check`, startupCheck 'full'): every stored entry goes through the
// verifier (the auditor's code path: bytes, chain, key rules, checkpoint signatures), and every column
// stored beside the signed bytes must say what the bytes say.
import {
  BundleVerifier,
  checkpointFileName,
  fromUtf8,
  leafHash,
  manifestBytes,
  parseKeyList,
  parseSignedCheckpoint,
  bytesEqual,
  ROTATE_TYPE,
  type Reason,
} from '@runledger/ledger';
import { StoreError, type StoreErrorCode } from '../errors.js';
import type { Store } from '../open.js';
import { toSafeNumber } from '../util.js';
import { controlEntries, type StoredCheckpoint } from './queries.js';
import { LedgerReader } from './reader.js';

const PAGE = 1000;

/** Verifier reasons about signatures and keys; every other reason is about entries and the tree. */
const CHECKPOINT_REASONS: ReadonlySet<Reason> = new Set<Reason>([
  'CHECKPOINT_MALFORMED',
  'CHECKPOINT_SIGNATURE_INVALID',
  'CHECKPOINT_UNTRUSTED_SIGNER',
  'CHECKPOINT_KEY_NOT_ACTIVE',
  'GENESIS_MISMATCH',
  'KEY_ROTATION_INVALID',
]);

interface Mismatch {
  readonly index: number;
  readonly code: StoreErrorCode;
  readonly message: string;
}

/** Verifies entries [0, cp.size) and their stored columns; throws the first failure (lowest index). */
export async function fullCheck(store: Store, origin: string, cp: StoredCheckpoint): Promise<void> {
  const db = store.readDb;
  const reader = new LedgerReader(store);
  const where = `latest checkpoint (size ${cp.size})`;
  await checkCheckpointColumns(store);

  // What an export would hold: the latest checkpoint and the one covering each rotation (its handover).
  const sizes = new Set<number>([cp.size]);
  const control = await controlEntries(db, 0, cp.size);
  for (const e of control) {
    if (e.entry.type !== ROTATE_TYPE) continue;
    const c = await reader.checkpointCovering(e.seq);
    if (c && c.size <= cp.size) sizes.add(c.size);
  }
  const checkpoints = [];
  for (const size of sizes) {
    const c = size === cp.size ? cp : await reader.checkpoint(size);
    if (c) checkpoints.push({ name: checkpointFileName(size), text: c.note });
  }
  // The writer trusts what its genesis says; the verifier then holds every later key to the rules.
  const genesisKeys = control[0]?.seq === 0 ? parseKeyList(control[0].entry.data.keys, origin) : [];
  const verifier = new BundleVerifier(
    { manifest: manifestBytes(origin, cp.size), checkpoints },
    { trusted: typeof genesisKeys === 'string' ? [] : genesisKeys },
  );

  let column: Mismatch | undefined;
  let next = 0;
  let verifying = true;
  while (next < cp.size && verifying) {
    const rows = await db
      .selectFrom('ledger_entries')
      .select(['seq', 'idem', 'type', 'ts', 'bytes', 'leaf'])
      .where('seq', '>=', next)
      .where('seq', '<', cp.size)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const i = next++;
      const seq = toSafeNumber(r.seq, 'ledger_entries.seq');
      if (seq !== i) {
        column ??= { index: i, code: 'STORE_CORRUPT', message: `ledger_entries: column seq at index ${i} is ${seq}: entry ${i} is missing` };
        verifying = false;
        break;
      }
      const signed = parseOrUndefined(r.bytes);
      // The seq column places the entry in the tree, like the leaf: a mismatch is a root mismatch.
      if (signed && signed.seq !== seq) {
        column ??= {
          index: i,
          code: 'LEDGER_ROOT_MISMATCH',
          message: `ledger_entries: column seq of entry ${i} is ${seq}, the signed entry says ${JSON.stringify(signed.seq)}`,
        };
        verifying = false;
        break;
      }
      if (!verifier.push(r.bytes)) {
        verifying = false;
        break;
      }
      // The verifier accepted the bytes as one canonical entry object.
      column ??= columnMismatch(i, r, signed!);
    }
  }
  const result = verifier.finish();
  const failure: Mismatch | undefined = result.ok
    ? undefined
    : {
        index: result.index,
        code: CHECKPOINT_REASONS.has(result.reason) ? 'LEDGER_CHECKPOINT_INVALID' : 'LEDGER_ROOT_MISMATCH',
        message: `${where}: the verifier fails with ${result.reason} at entry ${result.index}: ${result.detail}`,
      };
  // At equal indexes the column wins: the pass stopped there, so the verifier can only add TRUNCATED.
  const first = column && (!failure || column.index <= failure.index) ? column : failure;
  if (first) throw new StoreError(first.code, first.message);
}

function parseOrUndefined(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const o = JSON.parse(fromUtf8(bytes)) as unknown;
    return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The columns stored beside an entry's bytes: each must equal what the signed bytes say. */
function columnMismatch(
  i: number,
  r: { idem: string | null; type: string; ts: string; bytes: Buffer; leaf: Buffer },
  e: Record<string, unknown>,
): Mismatch | undefined {
  const differs = (col: string, stored: unknown, signed: unknown): Mismatch => ({
    index: i,
    code: 'STORE_CORRUPT',
    message: `ledger_entries: column ${col} of entry ${i} is ${JSON.stringify(stored)}, the signed entry says ${JSON.stringify(signed)}`,
  });
  if (r.type !== e.type) return differs('type', r.type, e.type);
  if (r.ts !== e.ts) return differs('ts', r.ts, e.ts);
  if (r.idem !== (e.idem ?? null)) return differs('idem', r.idem, e.idem ?? null);
  if (!bytesEqual(r.leaf, leafHash(r.bytes))) {
    // The leaf column is what the stored tree and proofs are built from: a root mismatch, as before.
    return { index: i, code: 'LEDGER_ROOT_MISMATCH', message: `ledger_entries: column leaf of entry ${i} is not the hash of its bytes` };
  }
  return undefined;
}

/** Each checkpoint row's size and root columns must be the ones its signed note states. */
async function checkCheckpointColumns(store: Store): Promise<void> {
  for (let after = -1; ;) {
    const rows = await store.readDb
      .selectFrom('ledger_checkpoints')
      .select(['size', 'root', 'note'])
      .where('size', '>', after)
      .orderBy('size')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) return;
    for (const r of rows) {
      const size = toSafeNumber(r.size, 'ledger_checkpoints.size');
      after = size;
      let cp;
      try {
        cp = parseSignedCheckpoint(r.note);
      } catch (e) {
        throw new StoreError('LEDGER_CHECKPOINT_INVALID', `ledger_checkpoints: the note of the row of size ${size} does not parse: ${(e as Error).message}`);
      }
      if (cp.size !== size) throw new StoreError('STORE_CORRUPT', `ledger_checkpoints: column size is ${size}, the signed note says ${cp.size}`);
      if (!bytesEqual(cp.root, r.root))
        throw new StoreError('STORE_CORRUPT', `ledger_checkpoints: column root of the checkpoint of size ${size} differs from the signed note's root`);
    }
  }
}
