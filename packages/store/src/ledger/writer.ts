// The ledger writer: sequences entries, stores them with their tree nodes and a freshly signed
// checkpoint in one transaction, and batches concurrent appends into one commit (group commit).
import {
  LedgerError,
  TreeState,
  buildEntry,
  bytesEqual,
  canonicalize,
  foldRange,
  leafHash,
  nodeKey,
  openNote,
  parseSignedCheckpoint,
  peakIds,
  signCheckpoint,
  toBase64,
  type Actor,
  type BuiltEntry,
  type Entry,
  type EntryDraft,
  type Hash,
  type NodeId,
  type SignerKey,
  type Subject,
  type VerifierKey,
} from '@runledger/ledger';
import { AppendConflict, type AppendSession, type EntryRow, type NodeRow, type StoredHead } from '../dialects/types.js';
import { StoreError, messageOf } from '../errors.js';
import type { Store } from '../open.js';
import { buf } from '../util.js';
import { GENESIS_TYPE, KeyRing, ROTATE_TYPE } from './keyring.js';
import { LedgerReader } from './reader.js';
import {
  controlEntries,
  entryStats,
  latestCheckpoint,
  nodesInOrder,
  parseStoredEntry,
  previousCheckpointSize,
  type StoredCheckpoint,
} from './queries.js';

export const DEFAULT_MAX_BATCH = 512;
/**
 * Attempts per batch when the commit finds that storage moved (PostgreSQL: another process appended
 * since the head this writer remembers). The retries hold the append lock throughout, so a second
 * conflict takes an appender that does not take the lock, or storage that changes by other means.
 */
const MAX_APPEND_ATTEMPTS = 3;

export interface AppendResult {
  readonly seq: number;
  readonly entry: Entry;
  readonly bytes: Uint8Array;
  readonly leaf: Hash;
  /** Size of the signed checkpoint that covers this entry. */
  readonly checkpointSize: number;
  /** True when `idem` matched an earlier entry: this is that entry, not a new one. */
  readonly duplicate: boolean;
}

export interface CommitInfo {
  /** Tree size before and after this batch. */
  readonly fromSize: number;
  readonly toSize: number;
  /** New entries in the batch. */
  readonly entries: number;
}

export interface WriterHooks {
  /** Runs inside the append transaction after every insert, before COMMIT; throwing rolls the batch back. */
  beforeCommit?(info: CommitInfo): void | Promise<void>;
  /** Runs after COMMIT, before callers are resolved. Errors are ignored. */
  afterCommit?(info: CommitInfo): void;
}

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
   * 'full': also re-hash every stored entry and re-derive the root (O(n)).
   */
  readonly startupCheck?: 'peaks' | 'full';
}

export interface WriterStats {
  /** Transactions that committed new entries (each with exactly one new checkpoint). */
  commits: number;
  /** New entries committed. */
  entries: number;
  duplicates: number;
  failedBatches: number;
  /** Times the in-memory tree was reloaded because another process had appended. */
  reloads: number;
  /** Commit attempts rolled back because storage had moved under them (then retried). */
  conflicts: number;
}

export interface InitOptions {
  readonly actor: Actor;
  /** Keys trusted at genesis (data.keys); default: the writer's signers. */
  readonly genesisKeys?: readonly SignerKey[];
  readonly subject?: Subject;
}

export interface RotateOptions {
  readonly newSigner: SignerKey;
  /** Keys to retire: a list of active keys, or every key active now. */
  readonly retire: readonly VerifierKey[] | 'all-current';
  readonly actor: Actor;
  readonly subject?: Subject;
}

type JobKind =
  | { readonly kind: 'entry'; readonly draft: EntryDraft }
  | { readonly kind: 'genesis'; readonly opts: InitOptions }
  | { readonly kind: 'rotate'; readonly opts: RotateOptions };

type Job = JobKind & {
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
};

type Outcome = { readonly result: AppendResult } | { readonly error: StoreError };

interface BatchResult {
  readonly outcomes: Map<Job, Outcome>;
  readonly state: TreeState;
  readonly keys: KeyRing;
  readonly newSigners: readonly SignerKey[];
  readonly info: CommitInfo;
  readonly reloaded: boolean;
  /** state.root(), already computed for the checkpoint. */
  readonly root: Hash;
}

const RESERVED_BY_WRITER = new Set([GENESIS_TYPE, ROTATE_TYPE]);

/** What idempotency compares: the caller's intent, not seq/ts/prev. */
function intentOf(e: { type: string; actor: Actor; subject?: Subject | undefined; data?: Readonly<Record<string, unknown>> | undefined }): string {
  return canonicalize({ type: e.type, actor: e.actor, subject: e.subject ?? null, data: e.data ?? {} });
}

function rejected(message: string, cause?: unknown): StoreError {
  return new StoreError('ENTRY_REJECTED', message, cause === undefined ? undefined : { cause });
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
    return this.signerPool.filter((s) => this.keys.isActive(s.vkey));
  }

  /** Appends one entry (queued and group-committed with concurrent appends). */
  append(draft: EntryDraft): Promise<AppendResult> {
    if (RESERVED_BY_WRITER.has(draft.type)) {
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
              return this.writeBatch(session, batch, retry);
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

  /**
   * Everything up to and including COMMIT. Works on clones; throws to roll back. `verifyHead`: read the
   * stored head even when the dialect's commit checks it (a retry after a conflict must reload).
   */
  private async writeBatch(s: AppendSession, batch: readonly Job[], verifyHead: boolean): Promise<BatchResult> {
    let state = this.state.clone();
    let keys = this.keys.clone();
    let root = this.stateRoot;
    let reloaded = false;
    if (verifyHead || !this.store.capabilities.commitChecksHead) {
      const head = await s.readHead();
      if (!sameHead(head, state.size, root)) {
        ({ state, keys } = await this.reload(s, head, state, keys));
        root = state.root();
        reloaded = true;
      }
    }
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
    let signers = this.signersFor(keys);
    const newSigners: SignerKey[] = [];

    for (const job of batch) {
      let plan: Plan;
      if (job.kind === 'entry') plan = planEntry(job.draft, state, stored, inBatch, headSize);
      else if (job.kind === 'genesis') plan = this.planGenesis(job.opts, state, await entryStats(s.read));
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
        built = buildEntry(plan.draft, state.size, this.origin, root, this.clock());
      } catch (e) {
        outcomes.set(job, { error: rejected(`entry rejected: ${messageOf(e)}`, e) });
        continue;
      }
      for (const n of state.append(built.leaf)) nodeRows.push({ level: n.level, idx: n.index, hash: buf(n.hash) });
      root = state.root();
      const entry = built.entry;
      entryRows.push({ seq: entry.seq, idem: entry.idem ?? null, type: entry.type, ts: entry.ts, bytes: buf(built.bytes), leaf: buf(built.leaf) });
      fresh.push({ job, built });
      if (entry.idem !== undefined) inBatch.set(entry.idem, built);
      if (plan.signers) {
        // Genesis or rotation: applies to this batch's checkpoint and, after commit, to the writer.
        signers = plan.signers;
        newSigners.push(...plan.adds);
        keys.apply(entry);
      }
    }

    const info: CommitInfo = { fromSize: headSize, toSize: state.size, entries: entryRows.length };
    if (entryRows.length > 0) {
      if (signers.length === 0) throw new StoreError('SIGNER_NOT_ACTIVE', this.noSignerMessage(keys));
      const note = signCheckpoint({ origin: this.origin, size: state.size, root }, signers);
      // Key order: each index insert lands beside the previous one instead of alternating between levels.
      if (entryRows.length > 1) nodeRows.sort((a, b) => a.level - b.level || a.idx - b.idx);
      await s.commit(
        { entries: entryRows, nodes: nodeRows, checkpoint: { size: state.size, root: buf(root), note } },
        expected,
        this.hooks.beforeCommit ? () => this.hooks.beforeCommit?.(info) : undefined,
      );
    }

    for (const { job, built } of fresh) {
      outcomes.set(job, { result: { seq: built.entry.seq, entry: built.entry, bytes: built.bytes, leaf: built.leaf, checkpointSize: state.size, duplicate: false } });
    }
    for (const { job, of } of duplicatesOfFresh) {
      outcomes.set(job, { result: { seq: of.entry.seq, entry: of.entry, bytes: of.bytes, leaf: of.leaf, checkpointSize: state.size, duplicate: true } });
    }
    return { outcomes, state, keys, newSigners, info, reloaded, root };
  }

  /** Entry 0: refused once anything is stored; signed by the genesis keys. */
  private planGenesis(opts: InitOptions, state: TreeState, stats: { count: number }): Plan {
    if (state.size > 0 || stats.count > 0) {
      return { outcome: { error: new StoreError('LEDGER_ALREADY_INITIALISED', `the ledger already has ${Math.max(state.size, stats.count)} entries`) } };
    }
    const genesisKeys = [...(opts.genesisKeys ?? this.signerPool)];
    if (genesisKeys.length === 0) return { outcome: { error: new StoreError('SIGNER_NOT_ACTIVE', 'init needs at least one genesis signing key') } };
    try {
      for (const k of genesisKeys) checkSignerName(k, this.origin);
    } catch (e) {
      return { outcome: { error: e as StoreError } };
    }
    return {
      draft: {
        type: GENESIS_TYPE,
        actor: opts.actor,
        ...(opts.subject ? { subject: opts.subject } : {}),
        data: { keys: genesisKeys.map((k) => k.vkey) },
      },
      signers: genesisKeys,
      adds: genesisKeys,
    };
  }

  /** Storage moved on without us (another process appended, or an ambiguous commit went through). */
  private async reload(
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
    const peaks = await nodesInOrder(this.store, peakIds(size), s.read);
    if (!peaks || !bytesEqual(foldRange(peaks), head!.root)) {
      throw new StoreError('LEDGER_ROOT_MISMATCH', `stored nodes for size ${size} do not match the stored checkpoint's root`);
    }
    const next = keys.clone();
    for (const e of await controlEntries(s.read, state.size, size)) next.apply(e.entry);
    return { state: TreeState.fromPeaks(size, peaks), keys: next };
  }

  private signersFor(keys: KeyRing): SignerKey[] {
    return this.signerPool.filter((s) => keys.isActive(s.vkey));
  }

  private requireSigners(keys: KeyRing): void {
    if (this.signersFor(keys).length === 0) throw new StoreError('SIGNER_NOT_ACTIVE', this.noSignerMessage(keys));
  }

  private noSignerMessage(keys: KeyRing): string {
    const held = this.signerPool.map((s) => s.vkey).join(', ') || 'none';
    return `none of the signing keys held (${held}) is active in ledger ${this.origin}; active: ${keys.active.map((k) => k.vkey).join(', ') || 'none'}`;
  }
}

type Plan =
  | { readonly draft: EntryDraft; readonly signers?: undefined }
  | { readonly draft: EntryDraft; readonly signers: SignerKey[]; readonly adds: readonly SignerKey[] }
  | { readonly outcome: Outcome }
  | { readonly duplicateOf: BuiltEntry };

function notInitialised(): Plan {
  return { outcome: { error: new StoreError('LEDGER_NOT_INITIALISED', 'the ledger has no genesis entry yet; run init first') } };
}

/** An ordinary entry: a new draft, a duplicate of a stored or in-batch entry, or an idempotency conflict. */
function planEntry(
  draft: EntryDraft,
  state: TreeState,
  stored: ReadonlyMap<string, { seq: number; bytes: Uint8Array; leaf: Hash }>,
  inBatch: ReadonlyMap<string, BuiltEntry>,
  headSize: number,
): Plan {
  if (state.size === 0) return notInitialised();
  if (draft.idem === undefined) return { draft };
  const prior = stored.get(draft.idem);
  if (prior) {
    const entry = parseStoredEntry(prior.seq, prior.bytes);
    if (intentOf(entry) !== intentOf(draft)) return { outcome: { error: conflict(draft.idem, prior.seq) } };
    return { outcome: { result: { seq: prior.seq, entry, bytes: prior.bytes, leaf: prior.leaf, checkpointSize: headSize, duplicate: true } } };
  }
  const twin = inBatch.get(draft.idem);
  if (twin) {
    if (intentOf(twin.entry) !== intentOf(draft)) return { outcome: { error: conflict(draft.idem, twin.entry.seq) } };
    return { duplicateOf: twin };
  }
  return { draft };
}

/** A key rotation: old active signers plus the new key sign the checkpoint that covers it. */
function planRotation(opts: RotateOptions, state: TreeState, keys: KeyRing, signers: readonly SignerKey[]): Plan {
  if (state.size === 0) return notInitialised();
  const { newSigner } = opts;
  const retired = opts.retire === 'all-current' ? keys.active : [...opts.retire];
  const inactive = retired.find((k) => !keys.isActive(k.vkey));
  const problem = keys.isActive(newSigner.vkey)
    ? `key ${newSigner.vkey} is already active`
    : inactive
      ? `key ${inactive.vkey} is not active, so it cannot be retired`
      : undefined;
  if (problem) return { outcome: { error: rejected(`key rotation refused: ${problem}`) } };
  if (signers.length === 0) {
    return { outcome: { error: new StoreError('SIGNER_NOT_ACTIVE', 'key rotation needs a currently active signing key for the handover signature') } };
  }
  return {
    draft: {
      type: ROTATE_TYPE,
      actor: opts.actor,
      ...(opts.subject ? { subject: opts.subject } : {}),
      data: { add: [newSigner.vkey], retire: retired.map((k) => k.vkey) },
    },
    signers: [...signers, newSigner],
    adds: [newSigner],
  };
}

function conflict(idem: string, seq: number): StoreError {
  return new StoreError('IDEMPOTENCY_CONFLICT', `idempotency key ${JSON.stringify(idem)} was already used by entry ${seq} with a different type, actor, subject or data`);
}

function checkSignerName(s: SignerKey, origin: string): void {
  if (s.name !== origin) {
    throw new StoreError('CONFIG_INVALID', `signing key ${s.vkey} is named ${s.name}, but the ledger origin is ${origin}; key name and origin must be equal`);
  }
}

function sameHead(head: StoredHead | undefined, size: number, root: Hash): boolean {
  if (!head) return size === 0;
  return head.size === size && bytesEqual(head.root, root);
}

/**
 * Re-derives the latest checkpoint's root from storage and verifies its signature before the writer
 * may append. Returns the tree state and key ring as of that checkpoint.
 */
async function startupCheck(store: Store, origin: string, mode: 'peaks' | 'full'): Promise<{ state: TreeState; keys: KeyRing }> {
  const db = store.readDb;
  const cp = await latestCheckpoint(db);
  const stats = await entryStats(db);
  if (!cp) {
    if (stats.count > 0) throw new StoreError('LEDGER_ROOT_MISMATCH', `ledger_entries has ${stats.count} entries but there is no checkpoint: an unsigned tail`);
    return { state: TreeState.empty(), keys: KeyRing.empty() };
  }
  const where = `latest checkpoint (size ${cp.size})`;
  let parsed;
  try {
    parsed = parseSignedCheckpoint(cp.note);
  } catch (e) {
    throw new StoreError('LEDGER_CHECKPOINT_INVALID', `${where}: ${messageOf(e)}`, { cause: e });
  }
  if (parsed.origin !== origin) {
    throw new StoreError('LEDGER_ORIGIN_MISMATCH', `${where} is for origin ${parsed.origin}, but this writer was opened for ${origin}`);
  }
  if (parsed.size !== cp.size || !bytesEqual(parsed.root, cp.root)) {
    throw new StoreError('LEDGER_CHECKPOINT_INVALID', `${where}: the note says size ${parsed.size} root ${toBase64(parsed.root)}, the row says size ${cp.size} root ${toBase64(cp.root)}`);
  }
  if (stats.count !== cp.size || stats.maxSeq !== cp.size - 1) {
    throw new StoreError('LEDGER_ROOT_MISMATCH', `${where}: ledger_entries holds ${stats.count} entries (max seq ${stats.maxSeq ?? 'none'}), expected exactly ${cp.size}`);
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
  const lastEntry = parseStoredEntry(last, lastRow.bytes);
  if (lastEntry.seq !== last || lastEntry.prev !== toBase64(foldRange(pick(peakPrev)))) {
    throw new StoreError('LEDGER_ROOT_MISMATCH', `${where}: entry ${last} does not chain to the stored tree (seq or prev differs)`);
  }
  if (mode === 'full') await fullCheck(store, cp, where);

  const keys = KeyRing.empty();
  const control = await controlEntries(db, 0, cp.size);
  if (control[0]?.seq !== 0 || control[0].entry.type !== GENESIS_TYPE) {
    throw new StoreError('LEDGER_CHECKPOINT_INVALID', 'entry 0 is not a ledger.genesis entry, so no key is trusted');
  }
  for (const e of control) keys.apply(e.entry);

  let signers: readonly VerifierKey[];
  try {
    signers = openNote(cp.note, keys.known).signers;
  } catch (e) {
    const detail = e instanceof LedgerError ? e.message : messageOf(e);
    throw new StoreError('LEDGER_CHECKPOINT_INVALID', `${where}: ${detail}`, { cause: e });
  }
  const required = keys.requiredSignersFor(await previousCheckpointSize(db, cp.size), cp.size);
  if (!signers.some((k) => required.has(k.vkey))) {
    throw new StoreError('LEDGER_CHECKPOINT_INVALID', `${where} is signed only by keys that were not active for it (${signers.map((k) => k.vkey).join(', ')})`);
  }
  return { state: TreeState.fromPeaks(cp.size, pick(peakN)), keys };
}

/** Re-hashes every entry in pages and re-derives the root and every prev link. */
async function fullCheck(store: Store, cp: StoredCheckpoint, where: string): Promise<void> {
  const tree = TreeState.empty();
  for await (const e of new LedgerReader(store).iterateEntries(0, cp.size)) {
    const leaf = leafHash(e.bytes);
    if (!bytesEqual(leaf, e.leaf)) throw new StoreError('LEDGER_ROOT_MISMATCH', `${where}: entry ${e.seq}'s bytes do not hash to its stored leaf`);
    if (e.entry.seq !== e.seq || e.entry.prev !== toBase64(tree.root())) {
      throw new StoreError('LEDGER_ROOT_MISMATCH', `${where}: entry ${e.seq} does not chain to the entries before it`);
    }
    tree.appendLeaf(leaf);
  }
  if (tree.size !== cp.size || !bytesEqual(tree.root(), cp.root)) {
    throw new StoreError('LEDGER_ROOT_MISMATCH', `${where}: re-hashing ${tree.size} entries gives root ${toBase64(tree.root())}, the signed checkpoint says ${toBase64(cp.root)}`);
  }
}

function dedupe(ids: NodeId[]): NodeId[] {
  const seen = new Map<string, NodeId>();
  for (const id of ids) seen.set(nodeKey(id), id);
  return [...seen.values()];
}
