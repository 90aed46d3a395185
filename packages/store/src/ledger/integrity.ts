// The whole stored ledger verified in the background by the auditor's code (the ledger package's
// BundleVerifier: every entry re-hashed and chained, the signed checkpoints' roots, signatures and
// key rotations), plus each entry's stored leaf against its bytes and every other stored checkpoint's
// note (its row's size and root, a signature by a key the ledger trusted). The startup check only looks at
// the latest checkpoint and last entry, so an edited older entry would otherwise go unnoticed while
// new appends are signed on top. One page of entries per event-loop turn: requests keep being served.
import {
  BundleVerifier,
  bytesEqual,
  checkpointFileName,
  KeyRing,
  leafHash,
  manifestBytes,
  openNote,
  parseSignedCheckpoint,
  ROTATE_TYPE,
  type NamedText,
  type VerifierKey,
} from '@runledger/ledger';
import { StoreError, messageOf } from '../errors.js';
import type { Store } from '../open.js';
import { toSafeNumber } from '../util.js';
import { controlEntries } from './queries.js';
import { LedgerReader } from './reader.js';

export interface IntegrityStatus {
  /** pending: not started; running; ok: all verified; failed: a mismatch (appends refused); error: could not run. */
  readonly state: 'pending' | 'running' | 'ok' | 'failed' | 'error';
  /** Entries verified so far, of `total` (the latest checkpoint's size when the check started). */
  readonly verified: number;
  readonly total: number;
  /** state failed: the first failing index (entry or checkpoint size), the verifier's reason and detail. */
  readonly failure?: { readonly index: number; readonly reason: string; readonly detail: string };
  /** state error: why the check could not run. */
  readonly error?: string;
}

export interface IntegrityCheckOptions {
  /** Keys trusted for the genesis entry (e.g. the trust file); rotations are followed from there. */
  readonly trusted: readonly VerifierKey[];
  /** Called once with a LEDGER_INTEGRITY_FAILED error when a mismatch is found (e.g. LedgerWriter.halt). */
  readonly onFailure?: (err: StoreError) => void;
  /** Entries read and verified per event-loop turn (default 256, about 4 ms; checkpoints: a tenth of it). */
  readonly pageSize?: number;
}

export class IntegrityCheck {
  private current: IntegrityStatus = { state: 'pending', verified: 0, total: 0 };
  private run: Promise<IntegrityStatus> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly opts: IntegrityCheckOptions,
  ) {}

  get status(): IntegrityStatus {
    return this.current;
  }

  /** Starts the check once; resolves with the final status (never rejects). */
  start(): Promise<IntegrityStatus> {
    this.run ??= this.verify().then(
      (s) => s,
      (e: unknown) => (this.current = { ...this.current, state: 'error', error: messageOf(e) }),
    );
    return this.run;
  }

  /** Ends the check at the next page (e.g. when the server closes); the status stays as it was. */
  stop(): void {
    this.stopped = true;
  }

  private async verify(): Promise<IntegrityStatus> {
    const reader = new LedgerReader(this.store);
    const latest = await reader.latestCheckpoint();
    if (!latest) return (this.current = { state: 'ok', verified: 0, total: 0 });
    const total = latest.size;
    this.current = { state: 'running', verified: 0, total };
    // A damaged genesis or rotation entry does not parse here; the verifier names it when it gets there.
    const parsed = async <T>(read: () => Promise<T>, fallback: T): Promise<T> =>
      read().catch((e: unknown) => {
        if (e instanceof StoreError && e.code === 'STORE_CORRUPT') return fallback;
        throw e;
      });
    const origin = await parsed(async () => (await reader.entry(0))?.entry.ledger ?? '', '');
    // The checkpoints an export would carry: the latest, and the one covering each key rotation.
    const sizes = new Set([total]);
    const keys = KeyRing.empty(origin);
    for (const e of await parsed(() => controlEntries(this.store.readDb, 0, total), [])) {
      // A rule the entry breaks is the verifier's to name (below); here only the keys are gathered.
      keys.apply(e.seq, e.entry.type, e.entry.data);
      if (e.entry.type !== ROTATE_TYPE) continue;
      const cp = await reader.checkpointCovering(e.seq);
      if (cp && cp.size <= total) sizes.add(cp.size);
    }
    const checkpoints: NamedText[] = [];
    for (const size of [...sizes].sort((a, b) => a - b)) {
      const cp = size === total ? latest : await reader.checkpoint(size);
      if (cp) checkpoints.push({ name: checkpointFileName(size), text: cp.note });
    }
    const verifier = new BundleVerifier({ manifest: manifestBytes(origin, total), checkpoints }, { trusted: this.opts.trusted });
    const page = this.opts.pageSize ?? 256;
    let verified = 0;
    for (let next = 0; next < total && !this.stopped;) {
      // Raw rows: a damaged entry goes to the verifier as stored, so it names the reason and index.
      const rows = await this.store.readDb
        .selectFrom('ledger_entries')
        .select(['seq', 'bytes', 'leaf'])
        .where('seq', '>=', next)
        .where('seq', '<', Math.min(total, next + page))
        .orderBy('seq')
        .execute();
      if (rows.length === 0) break;
      for (const r of rows) {
        const seq = toSafeNumber(r.seq, 'ledger_entries.seq');
        if (seq === verified && !bytesEqual(leafHash(r.bytes), r.leaf)) {
          return this.fail(seq, 'STORED_LEAF_MISMATCH', `entry ${seq}'s bytes do not hash to its stored leaf`, verified);
        }
        if (!verifier.push(r.bytes)) return this.finish(verifier, verified);
        verified++;
      }
      next = toSafeNumber(rows[rows.length - 1]!.seq, 'ledger_entries.seq') + 1;
      this.current = { state: 'running', verified, total };
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (this.stopped) return this.current;
    const r = this.finish(verifier, verified);
    if (r.state !== 'running') return r;
    // A signature check costs about ten entries' worth: smaller pages keep each turn as short.
    return this.checkpointNotes(origin, keys.known, total, Math.max(1, Math.floor(page / 10)));
  }

  /**
   * Every stored checkpoint up to `total`, a page at a time: the note must be for this origin and its
   * row's size and root and carry a signature by a key the ledger has trusted. The bundle above holds
   * only the checkpoints an export carries; a foreign checkpoint in between (the writer role can append
   * a well-formed batch; only the signature tells it apart) would otherwise pass unnoticed once a
   * genuine checkpoint is signed on top.
   */
  private async checkpointNotes(origin: string, keys: readonly VerifierKey[], total: number, page: number): Promise<IntegrityStatus> {
    for (let after = 0; !this.stopped;) {
      const rows = await this.store.readDb
        .selectFrom('ledger_checkpoints')
        .select(['size', 'root', 'note'])
        .where('size', '>', after)
        .where('size', '<=', total)
        .orderBy('size')
        .limit(page)
        .execute();
      if (rows.length === 0) break;
      for (const row of rows) {
        const size = toSafeNumber(row.size, 'ledger_checkpoints.size');
        try {
          const cp = parseSignedCheckpoint(row.note);
          if (cp.origin !== origin || cp.size !== size || !bytesEqual(cp.root, row.root)) {
            return this.fail(size, 'CHECKPOINT_ROW_MISMATCH', `checkpoint ${size}: the note is not for this ledger's origin, the row's size and root`, total);
          }
          openNote(row.note, keys);
        } catch (e) {
          return this.fail(size, 'CHECKPOINT_SIGNATURE_INVALID', `checkpoint ${size}: ${messageOf(e)}`, total);
        }
        after = size;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (this.stopped) return this.current;
    return (this.current = { state: 'ok', verified: total, total });
  }

  /** The bundle's outcome: a failure, or still `running` (the checkpoint notes come next). */
  private finish(verifier: BundleVerifier, verified: number): IntegrityStatus {
    const r = verifier.finish();
    if (!r.ok) return this.fail(r.index, r.reason, r.detail, r.verifiedPrefix);
    return (this.current = { state: 'running', verified, total: this.current.total });
  }

  private fail(index: number, reason: string, detail: string, verified: number): IntegrityStatus {
    this.current = { state: 'failed', verified, total: this.current.total, failure: { index, reason, detail } };
    const err = new StoreError(
      'LEDGER_INTEGRITY_FAILED',
      `the stored ledger fails verification at index ${index} (${reason}: ${detail}); appends are refused until it is repaired`,
    );
    try {
      this.opts.onFailure?.(err);
    } catch {
      // A reporting hook must not hide the failure; the status holds it.
    }
    return this.current;
  }
}
