// Read side of the ledger: entries, checkpoints, roots and proofs, all served from stored rows.
import { sql, type Kysely } from 'kysely';
import {
  EMPTY_ROOT,
  type Entry,
  LedgerError,
  consistencyRanges,
  foldRange,
  inclusionRanges,
  nodeKey,
  peakIds,
  planProof,
  type Hash,
  type NodeId,
} from '@runledger/ledger';
import { StoreError } from '../errors.js';
import type { Store } from '../open.js';
import type { Database } from '../schema.js';
import { toSafeNumber } from '../util.js';
import { latestCheckpoint, nodesInOrder, toCheckpoint, toStoredEntry, type StoredCheckpoint, type StoredEntry } from './queries.js';

export type { StoredCheckpoint, StoredEntry } from './queries.js';

export interface LedgerHead {
  /** Size of the latest signed checkpoint (0 before genesis). */
  readonly size: number;
  readonly root: Hash;
  readonly checkpoint: StoredCheckpoint | undefined;
}

/**
 * A filtered read, newest first. SQL narrows by the indexed columns (type, idempotency-key prefix,
 * time); `match` then checks what only the entry itself holds (its actor). Each call examines at
 * most `scanLimit` rows, so a rare match never turns one request into a full scan: `next` says
 * where to go on (pass it as `before`), null once nothing older is left.
 */
export interface LedgerSearch {
  /** Exact entry types (any of). */
  readonly types?: readonly string[];
  /** Entry types starting with this (`run.`). */
  readonly typePrefix?: string;
  /** Idempotency keys starting with this (`run:<id>:` for one run's entries). */
  readonly idemPrefix?: string;
  /** ISO times: ts >= since, ts < until. */
  readonly since?: string;
  readonly until?: string;
  /** Only entries with seq < before (paging). */
  readonly before?: number;
  readonly limit: number;
  readonly match?: (e: Entry) => boolean;
  /** Rows examined per call at most (default 5000). */
  readonly scanLimit?: number;
}

export interface LedgerSearchPage {
  /** Newest first. */
  readonly entries: StoredEntry[];
  /** The `before` of the next page, or null at the oldest entry. */
  readonly next: number | null;
  /** Rows examined. */
  readonly scanned: number;
}

const SEARCH_BATCH = 500;

/** Entries per page when iterating: bounded memory however long the ledger is. */
export const ENTRY_PAGE_SIZE = 1000;

function rangeError(e: unknown): never {
  if (e instanceof LedgerError) throw new StoreError('NOT_FOUND', e.message, { cause: e });
  throw e;
}

/**
 * Read operations over one executor: the store's read connection (LedgerReader) or one snapshot
 * transaction (inside exportSnapshot).
 */
export class LedgerView {
  constructor(
    protected readonly store: Store,
    protected readonly db: Kysely<Database>,
    /** Executor passed to fetchNodes: undefined selects the store's fast read path. */
    private readonly nodeVia: Kysely<Database> | undefined,
  ) {}

  async head(): Promise<LedgerHead> {
    const cp = await latestCheckpoint(this.db);
    return cp ? { size: cp.size, root: cp.root, checkpoint: cp } : { size: 0, root: EMPTY_ROOT, checkpoint: undefined };
  }

  latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return latestCheckpoint(this.db);
  }

  async checkpoint(size: number): Promise<StoredCheckpoint | undefined> {
    const r = await this.db.selectFrom('ledger_checkpoints').select(['size', 'root', 'note']).where('size', '=', size).executeTakeFirst();
    return r && toCheckpoint(r);
  }

  /** The first checkpoint that covers entry `index` (size > index), e.g. the one after a key rotation. */
  async checkpointCovering(index: number): Promise<StoredCheckpoint | undefined> {
    const r = await this.db
      .selectFrom('ledger_checkpoints')
      .select(['size', 'root', 'note'])
      .where('size', '>', index)
      .orderBy('size')
      .limit(1)
      .executeTakeFirst();
    return r && toCheckpoint(r);
  }

  /** Sizes of all stored checkpoints, ascending. */
  async checkpoints(): Promise<number[]> {
    const rows = await this.db.selectFrom('ledger_checkpoints').select('size').orderBy('size').execute();
    return rows.map((r) => toSafeNumber(r.size, 'ledger_checkpoints.size'));
  }

  async entry(seq: number): Promise<StoredEntry | undefined> {
    const r = await this.db.selectFrom('ledger_entries').select(['seq', 'bytes', 'leaf']).where('seq', '=', seq).executeTakeFirst();
    return r && toStoredEntry(r);
  }

  async entryByIdem(idem: string): Promise<StoredEntry | undefined> {
    const r = await this.db.selectFrom('ledger_entries').select(['seq', 'bytes', 'leaf']).where('idem', '=', idem).executeTakeFirst();
    return r && toStoredEntry(r);
  }

  /**
   * Entries whose idempotency key starts with `prefix` (e.g. `run:<id>:`, every entry of one run), in
   * seq order, at most `limit`. The prefix must end in a character below U+FFFF: it becomes a range.
   */
  async entriesByIdemPrefix(prefix: string, limit = 1000): Promise<StoredEntry[]> {
    if (prefix === '') throw new StoreError('ENTRY_REJECTED', 'an idem prefix must not be empty');
    const rows = await this.db
      .selectFrom('ledger_entries')
      .select(['seq', 'bytes', 'leaf'])
      .where(this.idemStartsWith(prefix))
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toStoredEntry);
  }

  /** `idem` starts with `prefix` (non-empty), as a bytewise range the unique index serves. */
  private idemStartsWith(prefix: string) {
    const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const col = sql.raw(this.store.capabilities.bytewiseIdem);
    return sql<boolean>`${col} >= ${prefix} and ${col} < ${upper}`;
  }

  async search(f: LedgerSearch): Promise<LedgerSearchPage> {
    const scanLimit = f.scanLimit ?? 5000;
    const found: StoredEntry[] = [];
    let before = f.before;
    let scanned = 0;
    for (;;) {
      let q = this.db.selectFrom('ledger_entries').select(['seq', 'bytes', 'leaf']);
      if (before !== undefined) q = q.where('seq', '<', before);
      if (f.types && f.types.length > 0) q = q.where('type', 'in', [...f.types]);
      // substr equality, not a range or LIKE: no collation or wildcard surprises on either database.
      if (f.typePrefix) q = q.where(sql<boolean>`substr(type, 1, ${f.typePrefix.length}) = ${f.typePrefix}`);
      if (f.idemPrefix) q = q.where(this.idemStartsWith(f.idemPrefix));
      if (f.since) q = q.where('ts', '>=', f.since);
      if (f.until) q = q.where('ts', '<', f.until);
      const batch = Math.min(f.match ? SEARCH_BATCH : f.limit - found.length, scanLimit - scanned);
      const rows = await q.orderBy('seq', 'desc').limit(batch).execute();
      for (const r of rows) {
        const e = toStoredEntry(r);
        scanned++;
        before = e.seq;
        if (!f.match || f.match(e.entry)) found.push(e);
        if (found.length >= f.limit) return { entries: found, next: e.seq > 0 ? e.seq : null, scanned };
      }
      if (rows.length < batch) return { entries: found, next: null, scanned };
      if (scanned >= scanLimit) return { entries: found, next: before !== undefined && before > 0 ? before : null, scanned };
    }
  }

  /** Up to `limit` entries with seq >= from, in order. */
  async entries(from: number, limit: number = ENTRY_PAGE_SIZE): Promise<StoredEntry[]> {
    const rows = await this.db.selectFrom('ledger_entries').select(['seq', 'bytes', 'leaf']).where('seq', '>=', from).orderBy('seq').limit(limit).execute();
    return rows.map(toStoredEntry);
  }

  /** Entries [from, to) in order, one page in memory at a time. `to` defaults to the head size at call time. */
  async *iterateEntries(from = 0, to?: number, pageSize = ENTRY_PAGE_SIZE): AsyncGenerator<StoredEntry> {
    const end = to ?? (await this.head()).size;
    let next = from;
    while (next < end) {
      const page = await this.entries(next, Math.min(pageSize, end - next));
      if (page.length === 0) return;
      for (const e of page) {
        if (e.seq !== next) throw new StoreError('STORE_CORRUPT', `ledger_entries: expected seq ${next}, found ${e.seq} (a gap)`);
        next++;
        yield e;
      }
    }
  }

  /** Root of the first `size` entries, from stored nodes. */
  async rootAt(size: number): Promise<Hash> {
    if (!Number.isSafeInteger(size) || size < 0) throw new StoreError('NOT_FOUND', `tree size ${size} is not a non-negative integer`);
    if (size === 0) return EMPTY_ROOT;
    const peaks = await nodesInOrder(this.store, peakIds(size), this.nodeVia);
    if (!peaks) throw new StoreError('NOT_FOUND', `tree size ${size} is beyond the stored tree`);
    return foldRange(peaks);
  }

  /** RFC 6962 inclusion proof (PATH) of entry `index` in the tree of `size` (default: the latest checkpoint's size). */
  async inclusionProof(index: number, size?: number): Promise<Hash[]> {
    const n = size ?? (await this.requireLatest()).size;
    let ranges: Array<[number, number]>;
    try {
      ranges = inclusionRanges(index, n);
    } catch (e) {
      rangeError(e);
    }
    return this.assemble(ranges, n);
  }

  /** RFC 6962 consistency proof (PROOF) from size m to size n (default: the latest checkpoint's size). */
  async consistencyProof(m: number, n?: number): Promise<Hash[]> {
    const to = n ?? (await this.requireLatest()).size;
    let ranges: Array<[number, number]>;
    try {
      ranges = consistencyRanges(m, to);
    } catch (e) {
      rangeError(e);
    }
    return this.assemble(ranges, to);
  }

  private async requireLatest(): Promise<StoredCheckpoint> {
    const cp = await latestCheckpoint(this.db);
    if (!cp) throw new StoreError('NOT_FOUND', 'the ledger has no checkpoint yet');
    return cp;
  }

  private async assemble(ranges: Array<[number, number]>, size: number): Promise<Hash[]> {
    if (ranges.length === 0) return [];
    const plan = planProof(ranges);
    const rows = await this.store.fetchNodes(plan.nodeIds, this.nodeVia);
    const byKey = new Map<string, Hash>();
    for (const r of rows) byKey.set(nodeKey(r), r.hash);
    if (byKey.size !== plan.nodeIds.length) throw new StoreError('NOT_FOUND', `tree size ${size} is beyond the stored tree`);
    return plan.assemble((id: NodeId) => byKey.get(nodeKey(id))!);
  }
}

/** A consistent read-only view inside exportSnapshot. */
export type LedgerSnapshot = LedgerView;

export class LedgerReader extends LedgerView {
  constructor(store: Store) {
    super(store, store.readDb, undefined);
  }

  /**
   * Runs fn inside ONE read transaction, so the entries it iterates and the latest checkpoint it
   * sees belong together (the latest checkpoint covers the last entry). Iterate with
   * snap.iterateEntries(): pages, never the whole ledger in memory.
   */
  exportSnapshot<T>(fn: (snap: LedgerSnapshot) => Promise<T>): Promise<T> {
    return this.store.withReadSnapshot((trx) => fn(new LedgerView(this.store, trx, trx)));
  }
}
