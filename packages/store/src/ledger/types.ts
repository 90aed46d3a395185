// Types shared by the writer's parts (writer.ts: the class and queue; batch.ts, plan.ts, startup.ts).
import type { Actor, Entry, EntryDraft, FastTree, Hash, KeyRing, SignerKey, Subject, TreeState, VerifierKey } from '@runledger/ledger';

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

export type JobKind =
  | { readonly kind: 'entry'; readonly draft: EntryDraft }
  | { readonly kind: 'genesis'; readonly opts: InitOptions }
  | { readonly kind: 'rotate'; readonly opts: RotateOptions };

export type Job = JobKind & {
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
};

export type Outcome = { readonly result: AppendResult } | { readonly error: Error };

/** What the writer's memory looks like between commits; a batch works on a copy. */
export interface WriterView {
  readonly state: TreeState;
  /** state.root(), kept so a batch does not fold the peaks again for its first `prev`. */
  readonly root: Hash;
  readonly keys: KeyRing;
  /**
   * The same tree in WebAssembly, for roots (undefined without WebAssembly). A batch appends to it in
   * place; one whose root differs from `root` is stale (an attempt failed) and is rebuilt from the peaks.
   */
  readonly fast: FastTree | undefined;
}
