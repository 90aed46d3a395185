// Reads shared by the writer (startup check, head check) and the reader.
import { sql, type Kysely } from 'kysely';
import { fromUtf8, nodeKey, type Entry, type Hash, type NodeId } from '@runledger/ledger';
import { StoreError, messageOf } from '../errors.js';
import { controlTypePredicate } from './control-types.js';
import type { Store } from '../open.js';
import type { Database } from '../schema.js';
import { toSafeNumber } from '../util.js';

export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Hash;
  /** The signed checkpoint note, byte-exact. */
  readonly note: string;
}

export interface StoredEntry {
  readonly seq: number;
  /** The exact stored (and hashed) bytes. */
  readonly bytes: Uint8Array;
  readonly leaf: Hash;
  readonly entry: Entry;
}

export function parseStoredEntry(seq: number, bytes: Uint8Array): Entry {
  try {
    return JSON.parse(fromUtf8(bytes)) as Entry;
  } catch (e) {
    throw new StoreError('STORE_CORRUPT', `ledger_entries seq ${seq}: stored bytes are not UTF-8 JSON (${messageOf(e)})`, { cause: e });
  }
}

export function toStoredEntry(r: { seq: unknown; bytes: Buffer; leaf: Buffer }): StoredEntry {
  const seq = toSafeNumber(r.seq, 'ledger_entries.seq');
  return { seq, bytes: r.bytes, leaf: r.leaf, entry: parseStoredEntry(seq, r.bytes) };
}

export function toCheckpoint(r: { size: unknown; root: Buffer; note: string }): StoredCheckpoint {
  return { size: toSafeNumber(r.size, 'ledger_checkpoints.size'), root: r.root, note: r.note };
}

export async function latestCheckpoint(db: Kysely<Database>): Promise<StoredCheckpoint | undefined> {
  const r = await db.selectFrom('ledger_checkpoints').select(['size', 'root', 'note']).orderBy('size', 'desc').limit(1).executeTakeFirst();
  return r && toCheckpoint(r);
}

export async function previousCheckpointSize(db: Kysely<Database>, size: number): Promise<number> {
  const r = await db.selectFrom('ledger_checkpoints').select('size').where('size', '<', size).orderBy('size', 'desc').limit(1).executeTakeFirst();
  return r ? toSafeNumber(r.size, 'ledger_checkpoints.size') : 0;
}

/**
 * The latest checkpoint and the entry count and highest seq in ONE statement, so one snapshot: another
 * process committing between two separate reads would make its new entries look like an unsigned tail.
 */
export async function headWithStats(db: Kysely<Database>): Promise<{ cp: StoredCheckpoint | undefined; stats: { count: number; maxSeq: number | undefined } }> {
  const r = await db
    .selectFrom('ledger_checkpoints')
    .select((eb) => [
      'size',
      'root',
      'note',
      eb
        .selectFrom('ledger_entries')
        .select((e) => e.fn.countAll().as('n'))
        .as('n'),
      eb
        .selectFrom('ledger_entries')
        .select((e) => e.fn.max('seq').as('m'))
        .as('m'),
    ])
    .orderBy('size', 'desc')
    .limit(1)
    .executeTakeFirst();
  // No checkpoint yet: the count alone (entries without any checkpoint are an unsigned tail whenever read).
  if (!r) return { cp: undefined, stats: await entryStats(db) };
  return {
    cp: toCheckpoint(r),
    stats: {
      count: toSafeNumber(r.n, 'count(ledger_entries)'),
      maxSeq: r.m === null || r.m === undefined ? undefined : toSafeNumber(r.m, 'max(ledger_entries.seq)'),
    },
  };
}

export async function entryStats(db: Kysely<Database>): Promise<{ count: number; maxSeq: number | undefined }> {
  const r = await db
    .selectFrom('ledger_entries')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('seq').as('m')])
    .executeTakeFirstOrThrow();
  return {
    count: toSafeNumber(r.n, 'count(ledger_entries)'),
    maxSeq: r.m === null || r.m === undefined ? undefined : toSafeNumber(r.m, 'max(ledger_entries.seq)'),
  };
}

/** Genesis and rotation entries with from <= seq < to, in order (served by the partial index). */
export async function controlEntries(db: Kysely<Database>, from: number, to: number): Promise<StoredEntry[]> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['seq', 'bytes', 'leaf'])
    .where(sql<boolean>`${sql.raw(controlTypePredicate())}`)
    .where('seq', '>=', from)
    .where('seq', '<', to)
    .orderBy('seq')
    .execute();
  return rows.map(toStoredEntry);
}

/** Fetches `ids` and returns their hashes in order, or undefined if any is missing. */
export async function nodesInOrder(store: Store, ids: readonly NodeId[], via?: Kysely<Database>): Promise<Hash[] | undefined> {
  const rows = await store.fetchNodes(ids, via);
  const byKey = new Map<string, Hash>();
  for (const r of rows) byKey.set(nodeKey(r), r.hash);
  const out: Hash[] = [];
  for (const id of ids) {
    const h = byKey.get(nodeKey(id));
    if (!h) return undefined;
    out.push(h);
  }
  return out;
}
