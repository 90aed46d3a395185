// The ledger writer: sequences entries, stores them with their tree nodes and a freshly signed
// checkpoint in one transaction, and batches concurrent appends into one commit (group commit).
// This file holds the class and its queue; batch.ts one commit, plan.ts what each job becomes,
// startup.ts and check.ts the checks before the first append.
import {
  GENESIS_TYPE,
  isKeyEntryType,
  type Entry,
  type EntryDraft,
  type FastTree,
  type Hash,
  type KeyRing,
  type SignerKey,
  type TreeState,
  type VerifierKey,
} from '@runledger/ledger';
import { AppendConflict } from '../dialects/types.js';
import { StoreError, messageOf } from '../errors.js';
import type { Store } from '../open.js';
import { writeBatch, type BatchResult } from './batch.js';
import { checkSignerName, noSignerMessage, rejected, signersFor } from './plan.js';
import { startupCheck } from './startup.js';
import type { AppendResult, InitOptions, Job, JobKind, RotateOptions, WriterHooks, WriterStats } from './types.js';

export type { AppendResult, CommitInfo, InitOptions, RotateOptions, WriterHooks, WriterStats } from './types.js';

export const DEFAULT_MAX_BATCH = 512;
/**
 * Attempts per batch when the commit finds that storage moved (PostgreSQL: another process appended
 * since the head this writer remembers). The retries hold the append lock throughout, so a second
 * conflict takes an appender that does not take the lock, or storage that changes by other means.
 */
const MAX_APPEND_ATTEMPTS = 3;

export interface LedgerWriterOptions {
  readonly store: Store;
  /** Ledger origin: the checkpoint origin and the signing keys' name. */
  readonly origin: string;
  /** Signing keys this process holds. Those active in the ledger sign; retired ones are ignored. */
  readonly signers: readonly SignerKey[];
  readonly clock?: () => Date;
  readonly hooks?: WriterHooks;
  /** Most entries per transaction (default 512). */
  readonly maxBatch?: number;
  /**
   * 'peaks' (default): check the latest checkpoint against the stored peaks, entry count and last entry.
   * 'full': also run every stored entry through the verifier and compare its stored columns (O(n)).
   */
  readonly startupCheck?: 'peaks' | 'full';
  /**
   * Called for each entry before it is signed; if it throws, that append is rejected with its error and
   * the rest of the batch goes on (the runtime refuses entries that hold a known secret).
   */
  readonly screen?: (entry: Entry, canonicalBytes: Uint8Array) => void;
}

export class LedgerWriter {
  readonly stats: WriterStats = { commits: 0, entries: 0, duplicates: 0, failedBatches: 0, reloads: 0, conflicts: 0 };
  private readonly queue: Job[] = [];
  private draining = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};
  private closed = false;
  /** Set when storage and memory disagree beyond repair: every later append fails with it. */
  private broken: StoreError | undefined;
  /** Set by halt(): every later append, init and rotation (queued ones too) is refused with it. */
  private halted: StoreError | undefined;
  /** this.state.root(), kept so a batch does not fold the peaks again for its first `prev`. */
  private stateRoot: Hash;
  /** The committed tree in WebAssembly, for roots; built by the first batch (batch.ts, fastTreeFor). */
  private fast: FastTree | undefined;

  private constructor(
    private readonly store: Store,
    readonly origin: string,
    private state: TreeState,
    private keys: KeyRing,
    /** Every signing key this process holds (the active ones are chosen per batch). */
    private signerPool: SignerKey[],
    private readonly clock: () => Date,
    private readonly hooks: WriterHooks,
    private readonly maxBatch: number,
    private readonly screen: LedgerWriterOptions['screen'],
  ) {
    this.stateRoot = state.root();
  }

  /** Opens the writer after checking stored state against the latest signed checkpoint. */
  static async open(opts: LedgerWriterOptions): Promise<LedgerWriter> {
    for (const s of opts.signers) checkSignerName(s, opts.origin);
    const { state, keys } = await startupCheck(opts.store, opts.origin, opts.startupCheck ?? 'peaks');
    const w = new LedgerWriter(
      opts.store,
      opts.origin,
      state,
      keys,
      [...opts.signers],
      opts.clock ?? (() => new Date()),
      opts.hooks ?? {},
      Math.max(1, opts.maxBatch ?? DEFAULT_MAX_BATCH),
      opts.screen,
    );
    if (state.size > 0) w.requireSigners(keys);
    return w;
  }

  /** Size of the tree this writer has committed (or seen committed). */
  get size(): number {
    return this.state.size;
  }

  get root(): Hash {
    return this.stateRoot.slice();
  }

  get initialised(): boolean {
    return this.state.size > 0;
  }

  /** Keys ever trusted by the ledger, as of this writer's view. */
  get knownKeys(): VerifierKey[] {
    return this.keys.known;
  }

  get activeKeys(): VerifierKey[] {
    return this.keys.active;
  }

  /** The held keys that sign the next checkpoint. */
  get activeSigners(): SignerKey[] {
    return signersFor(this.signerPool, this.keys);
  }

  /** Appends one entry (queued and group-committed with concurrent appends). */
  append(draft: EntryDraft): Promise<AppendResult> {
    if (isKeyEntryType(draft.type)) {
      return Promise.reject(rejected(`entry type ${draft.type} is written only by ${draft.type === GENESIS_TYPE ? 'init()' : 'rotateKey()'}`));
    }
    return this.enqueue({ kind: 'entry', draft });
  }

  /** Appends entry 0 (ledger.genesis, data.keys = the genesis vkeys) with its signed checkpoint. */
  init(opts: InitOptions): Promise<AppendResult> {
    return this.enqueue({ kind: 'genesis', opts });
  }

  /**
   * Appends a ledger.key.rotate entry. The checkpoint covering it is signed by the old active keys
   * and the new key (handover); later checkpoints by the new active set only.
   */
  rotateKey(opts: RotateOptions): Promise<AppendResult> {
    try {
      checkSignerName(opts.newSigner, this.origin);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue({ kind: 'rotate', opts });
  }

  /** Resolves when every queued append has settled. */
  flushed(): Promise<void> {
    return this.draining || this.queue.length > 0 ? this.idle : Promise.resolve();
  }

  /** Refuses every later append, init and key rotation with `err`, e.g. once stored entries fail verification. */
  halt(err: StoreError): void {
    this.halted ??= err;
  }

  /** Refuses new appends and waits for queued ones. Does not close the store. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushed();
  }

  private enqueue(kind: JobKind): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StoreError('STORE_CLOSED', 'the ledger writer has been closed'));
    if (this.halted ?? this.broken) return Promise.reject(this.halted ?? this.broken);
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ ...kind, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        this.idle = new Promise((r) => (this.markIdle = r));
        // A microtask later, so appends issued in the same tick share the first batch.
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        await this.runBatch();
        // One event-loop turn before the next batch: SQLite commits (and fsyncs) synchronously, so
        // requests that arrived meanwhile are still unread; letting I/O in first lets them join the
        // next commit instead of each waiting for its own.
        await new Promise<void>((r) => setImmediate(r));
        if (this.queue.length === 0) break;
      }
    } finally {
      this.draining = false;
      this.markIdle();
    }
  }

  /** The next batch: one control job alone, or up to maxBatch entries before the next control job. */
  private takeBatch(): Job[] {
    if (this.queue[0]?.kind !== 'entry') return this.queue.splice(0, 1);
    let n = 0;
    while (n < this.queue.length && n < this.maxBatch && this.queue[n]!.kind === 'entry') n++;
    return this.queue.splice(0, n);
  }

  private async runBatch(): Promise<void> {
    if (this.halted) {
      for (const job of this.takeBatch()) job.reject(this.halted);
      return;
    }
    let batch: Job[] | undefined;
    let result: BatchResult | undefined;
    try {
      if (this.broken) throw this.broken;
      for (let attempt = 0; result === undefined; attempt++) {
        try {
          // A retry after a conflict holds the append lock from its head read to COMMIT, so no other
          // (cooperating) appender can get in between: it cannot starve behind a busy process.
          const retry = attempt > 0;
          result = await this.store.withAppendTransaction(
            (session) => {
              // Taken once the session (SQLite: the write lock) is held, so appends that queued while
              // we waited join this commit. A retry keeps the same batch.
              batch ??= this.takeBatch();
              return writeBatch(this.batchContext(), session, batch, retry);
            },
            { lockFirst: retry },
          );
        } catch (e) {
          if (!(e instanceof AppendConflict) || attempt + 1 >= MAX_APPEND_ATTEMPTS) throw e;
          // Nothing was stored: re-read the head (reloading what the other appender wrote) and retry.
          this.stats.conflicts++;
        }
      }
    } catch (e) {
      batch ??= this.takeBatch();
      this.stats.failedBatches++;
      if (e instanceof StoreError && e.code === 'LEDGER_ROOT_MISMATCH') this.broken = e;
      const err =
        e instanceof StoreError && e.code === 'APPEND_FAILED'
          ? e
          : new StoreError('APPEND_FAILED', `append of ${batch.length} entr${batch.length === 1 ? 'y' : 'ies'} rolled back: ${messageOf(e)}`, { cause: e });
      for (const job of batch) job.reject(err);
      return;
    }
    // Committed: only now does the in-memory state move forward.
    if (!result) return;
    this.state = result.state;
    this.stateRoot = result.root;
    this.keys = result.keys;
    this.fast = result.fast;
    for (const s of result.newSigners) if (!this.signerPool.some((p) => p.vkey === s.vkey)) this.signerPool.push(s);
    if (result.reloaded) this.stats.reloads++;
    if (result.info.entries > 0) {
      this.stats.commits++;
      this.stats.entries += result.info.entries;
      try {
        this.hooks.afterCommit?.(result.info);
      } catch {
        // A reporting hook must not turn a committed append into a failure.
      }
    }
    for (const [job, outcome] of result.outcomes) {
      if ('error' in outcome) job.reject(outcome.error);
      else {
        if (outcome.result.duplicate) this.stats.duplicates++;
        job.resolve(outcome.result);
      }
    }
  }

  private batchContext() {
    return {
      store: this.store,
      origin: this.origin,
      view: { state: this.state, root: this.stateRoot, keys: this.keys, fast: this.fast },
      signerPool: this.signerPool,
      clock: this.clock,
      hooks: this.hooks,
      ...(this.screen ? { screen: this.screen } : {}),
    };
  }

  private requireSigners(keys: KeyRing): void {
    if (signersFor(this.signerPool, keys).length === 0) throw new StoreError('SIGNER_NOT_ACTIVE', noSignerMessage(this.signerPool, this.origin, keys));
  }
}
