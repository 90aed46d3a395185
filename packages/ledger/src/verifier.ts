// The offline verifier: one pass over a bundle's entries, first failure wins, so the outcome
// (reason, index, verifiedPrefix) is deterministic. Pure: the caller feeds bytes, this decides.
import { bytesEqual, fromBase64, toBase64, type Hash } from './bytes.js';
import { CHECKPOINT_FILE_RE, CONSISTENCY_FILE_RE, ENTRIES_FILE, EXPORT_FORMAT, RECEIPT_FILE_RE } from './bundle.js';
import { parseSignedCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import { entryShapeProblem, MAX_ENTRY_BYTES } from './entry.js';
import { canonicalize } from './jcs.js';
import { NOT_CANONICAL, parseCanonicalJson } from './jcs-parse.js';
import { isKeyEntryType, KeyRing } from './keyrules.js';
import { checkNoteSignatures, type ParsedNote, type VerifierKey } from './note.js';
import { checkReceipt, parseReceipt } from './receipt.js';
import { createBatchTree, type BatchTree } from './fastfold/index.js';
import { leafHash, verifyConsistency } from './tree.js';

/** Reason codes of the ledger-format contract; the names are fixed, the set may grow. */
export const REASONS = [
  'BUNDLE_MALFORMED',
  'ENTRY_MALFORMED',
  'ENTRY_NOT_CANONICAL',
  'ENTRY_UNSUPPORTED_VERSION',
  'ENTRY_SEQ_MISMATCH',
  'ENTRY_LEDGER_MISMATCH',
  'ENTRY_PREV_MISMATCH',
  'GENESIS_MISMATCH',
  'KEY_ROTATION_INVALID',
  'CHECKPOINT_MALFORMED',
  'CHECKPOINT_EQUIVOCATION',
  'CHECKPOINT_SIGNATURE_INVALID',
  'CHECKPOINT_UNTRUSTED_SIGNER',
  'CHECKPOINT_KEY_NOT_ACTIVE',
  'CHECKPOINT_ROOT_MISMATCH',
  'TRUNCATED',
  'UNCHECKPOINTED_TAIL',
  'ANCHOR_SIGNATURE_INVALID',
  'ANCHOR_MISMATCH',
  'ROLLBACK',
  'CONSISTENCY_PROOF_INVALID',
  'RECEIPT_INVALID',
  'ANCHOR_CHAIN_INVALID',
] as const;
export type Reason = (typeof REASONS)[number];

export type VerifyResult =
  | { readonly ok: true; readonly origin: string; readonly size: number; readonly root: string }
  | { readonly ok: false; readonly reason: Reason; readonly index: number; readonly verifiedPrefix: number; readonly detail: string };

export interface NamedText {
  readonly name: string;
  readonly text: string;
}

export interface BundleFiles {
  /** MANIFEST.json, raw bytes. */
  readonly manifest: Uint8Array;
  /** checkpoints/*: file name and content. */
  readonly checkpoints: readonly NamedText[];
  /** proofs/* (optional). */
  readonly proofs?: readonly NamedText[];
  /** receipts/* (optional). */
  readonly receipts?: readonly NamedText[];
}

export interface VerifyOptions {
  /** Trusted verifier keys, obtained out of band. */
  readonly trusted: readonly VerifierKey[];
  /** Signed checkpoints kept by someone other than the exporter. */
  readonly anchors?: readonly string[];
  /**
   * Entries per batch of prev checks, 1..256 (default 256). 0 checks every entry on its own: the
   * reference behaviour, which every batch size must reproduce (tests compare them).
   */
  readonly batch?: number;
}

type Slot = { readonly ok: true; readonly cp: SignedCheckpoint } | { readonly ok: false; readonly detail: string };

interface Failure {
  readonly reason: Reason;
  readonly index: number;
  readonly detail: string;
}

const te = new TextDecoder();
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Entries per batch of prev checks: the default and the most (FastTree.BATCH). */
const FLUSH_AT = 256;

export function formatResult(r: VerifyResult): string {
  return r.ok
    ? `verified origin=${r.origin} size=${r.size} root=${r.root}`
    : `FAILED ${r.reason} index=${r.index} verifiedPrefix=${r.verifiedPrefix} ${r.detail}`;
}

/**
 * Incremental bundle verifier. Feed entry lines in order with `push` (without their "\n"); stop
 * when it returns false; then call `finish`.
 *
 * The prev check (entry i's prev = the root of entries [0, i)) is the costly part, so ordinary entries
 * are checked in batches: `push` runs every check that needs no root, then stages the line and its
 * prev in the tree (a FastTree: leaf hashes and roots in WebAssembly, four at a time with SIMD); the
 * batch is flushed (hashed, appended, prevs compared in order) when it is full, at every size a
 * checkpoint, anchor, proof or receipt needs, and in `finish`. Anything else (entry 0, key rotations,
 * ledger.genesis, and every entry that fails a check) first flushes the batch and then runs the
 * one-entry path, `pushOne`: so a failure is only ever reported with every earlier entry verified,
 * and the outcome (reason, index, verifiedPrefix, detail) is the one-entry-at-a-time outcome.
 */
export class BundleVerifier {
  private origin = '';
  private manifestSize = 0;
  private failure: Failure | undefined;
  private verifiedPrefix = 0;
  private readonly tree: BatchTree = createBatchTree();
  private readonly batch: number;
  /** Entries pushed and accepted so far, staged ones included. */
  private count = 0;
  /** prev of each staged entry, in staging order. */
  private readonly prevs: string[] = [];
  /** Sizes at which the batch must be flushed (checkpoints, wanted roots and leaves), ascending; stops[nextStop] is the next. */
  private stops: number[] = [];
  private nextStop = 0;
  private readonly slots = new Map<number, Slot>();
  private maxCheckpoint = 0;
  /** Keys whose signature lines are checked: the trusted keys plus keys added by rotations so far. */
  private readonly known: VerifierKey[];
  /** The ledger's key rules, replayed over genesis and rotations (keyrules.ts, shared with the writer). */
  private keys: KeyRing = KeyRing.empty('');
  private readonly rootsWanted = new Set<number>();
  private readonly roots = new Map<number, Hash>();
  private readonly leavesWanted = new Set<number>();
  private readonly leaves = new Map<number, Hash>();

  constructor(
    private readonly files: BundleFiles,
    private readonly opts: VerifyOptions,
  ) {
    this.known = [...opts.trusted];
    const batch = opts.batch ?? FLUSH_AT;
    if (!Number.isInteger(batch) || batch < 0 || batch > FLUSH_AT) throw new RangeError(`batch must be an integer in [0, ${FLUSH_AT}]`);
    this.batch = batch;
    this.readManifest();
    if (!this.failure) this.readCheckpoints();
    if (!this.failure) this.planExtras();
    const stops = new Set<number>([...this.slots.keys(), ...this.rootsWanted]);
    for (const i of this.leavesWanted) stops.add(i + 1);
    this.stops = [...stops].filter((n) => n > 0).sort((a, b) => a - b);
  }

  /** Entries accepted so far; the latest may still be staged (their prevs are checked at the next flush). */
  get size(): number {
    return this.count;
  }

  private fail(reason: Reason, index: number, detail: string): false {
    this.failure ??= { reason, index, detail };
    return false;
  }

  private readManifest(): void {
    let m: unknown;
    const text = te.decode(this.files.manifest);
    try {
      m = JSON.parse(text);
    } catch {
      this.fail('BUNDLE_MALFORMED', 0, 'MANIFEST.json is not valid JSON');
      return;
    }
    const o = m as Record<string, unknown>;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return void this.fail('BUNDLE_MALFORMED', 0, 'MANIFEST.json is not an object');
    if (o.format !== EXPORT_FORMAT) return void this.fail('BUNDLE_MALFORMED', 0, `MANIFEST.json: format must be ${EXPORT_FORMAT}`);
    if (o.entries !== ENTRIES_FILE) return void this.fail('BUNDLE_MALFORMED', 0, `MANIFEST.json: entries must be ${ENTRIES_FILE}`);
    if (typeof o.origin !== 'string' || o.origin.length === 0) return void this.fail('BUNDLE_MALFORMED', 0, 'MANIFEST.json: origin missing');
    if (!Number.isSafeInteger(o.size) || (o.size as number) < 0)
      return void this.fail('BUNDLE_MALFORMED', 0, 'MANIFEST.json: size must be a non-negative integer');
    if (canonicalize(m) !== text) return void this.fail('BUNDLE_MALFORMED', 0, 'MANIFEST.json is not canonical JSON (JCS)');
    this.origin = o.origin;
    this.keys = KeyRing.empty(o.origin);
    this.manifestSize = o.size as number;
  }

  private readCheckpoints(): void {
    for (const f of this.files.checkpoints) {
      const m = CHECKPOINT_FILE_RE.exec(f.name);
      const size = m ? Number(m[1]) : NaN;
      if (!m || !Number.isSafeInteger(size)) return void this.fail('BUNDLE_MALFORMED', 0, `unexpected file checkpoints/${f.name}`);
      if (size === 0) return void this.fail('CHECKPOINT_MALFORMED', 0, `checkpoints/${f.name}: a checkpoint must cover at least the genesis entry`);
      this.maxCheckpoint = Math.max(this.maxCheckpoint, size);
      let slot: Slot;
      try {
        const cp = parseSignedCheckpoint(f.text);
        if (cp.size !== size) slot = { ok: false, detail: `checkpoints/${f.name} holds size ${cp.size}` };
        else if (cp.origin !== this.origin) slot = { ok: false, detail: `checkpoints/${f.name}: origin ${cp.origin} is not ${this.origin}` };
        else slot = { ok: true, cp };
      } catch (e) {
        slot = { ok: false, detail: `checkpoints/${f.name}: ${(e as Error).message}` };
      }
      this.slots.set(size, slot);
    }
  }

  /** Sizes whose roots the checks after the pass need, so the pass records them on the way. */
  private planExtras(): void {
    for (const f of this.files.proofs ?? []) {
      const m = CONSISTENCY_FILE_RE.exec(f.name);
      if (m) {
        this.rootsWanted.add(Number(m[1]));
        this.rootsWanted.add(Number(m[2]));
      }
    }
    for (const a of this.opts.anchors ?? []) {
      try {
        this.rootsWanted.add(parseSignedCheckpoint(a).size);
      } catch {
        // reported after the pass, as the spec orders anchors there
      }
    }
    for (const f of this.files.receipts ?? []) {
      try {
        const r = parseReceipt(f.text);
        this.rootsWanted.add(r.checkpoint.size);
        this.leavesWanted.add(r.index);
      } catch {
        // reported after the pass
      }
    }
    if (this.rootsWanted.has(0)) this.roots.set(0, this.tree.root());
  }

  /** Verifies the next entry line. Returns false once the bundle has failed. */
  push(line: Uint8Array): boolean {
    if (this.failure) return false;
    const i = this.count;
    if (i === 0 || line.byteLength > MAX_ENTRY_BYTES || this.batch === 0) return this.pushOne(line);
    // Decodes as Buffer#toString('utf8') does whenever the result has no U+FFFD (valid UTF-8; the BOM
    // kept), which is the only case this path goes on with; a bit faster.
    const text = utf8Decoder.decode(line);
    const o = parseCanonicalJson(text) as Record<string, unknown> | typeof NOT_CANONICAL;
    // Every check of pushOne that needs no root, in the same order; anything unusual goes there.
    if (
      o === NOT_CANONICAL ||
      text.includes('\uFFFD') ||
      typeof o !== 'object' ||
      o === null ||
      Array.isArray(o) ||
      o.v !== 1 ||
      o.seq !== i ||
      o.ledger !== this.origin ||
      isKeyEntryType(o.type) ||
      // A root is 44 base64 characters: any other prev fails (pushOne names how).
      typeof o.prev !== 'string' ||
      o.prev.length !== 44 ||
      // With prevIsKnownRoot, all but prev's base64 form: a prev that matches the root has it, and
      // the flush names a prev that does not (malformed or mismatched) as pushOne would.
      entryShapeProblem(o, { prevIsKnownRoot: true }) !== undefined
    ) {
      return this.pushOne(line);
    }
    const k = this.tree.staged;
    if (!this.tree.stageEntry(line, o.prev)) {
      if (!this.flush()) return false;
      return this.push(line);
    }
    this.prevs[k] = o.prev;
    this.count = i + 1;
    if (i + 1 === this.stops[this.nextStop] || k + 1 === this.batch) return this.flush();
    return true;
  }

  /**
   * Appends the staged entries after checking each one's prev against the root before it, in order;
   * then runs the checks due at the sizes reached (checkpoints, wanted roots and leaves). Returns
   * false if one failed (recorded).
   */
  private flush(): boolean {
    const tree = this.tree;
    const k = tree.staged;
    if (k === 0) return true;
    const base = tree.size;
    const j = tree.flushEntries();
    if (j >= 0) {
      // Entry base + j's prev is not the root before it (every earlier one was).
      const i = base + j;
      const prev = this.prevs[j]!;
      this.count = i;
      // As pushOne: entryShapeProblem with prevIsKnownRoot false adds only this check.
      const bytes = fromBase64(prev);
      if (!bytes || bytes.byteLength !== 32) return this.fail('ENTRY_MALFORMED', i, 'prev must be base64 of 32 bytes');
      return this.fail('ENTRY_PREV_MISMATCH', i, `prev is not the root of entries [0, ${i})`);
    }
    const end = base + k;
    for (let s = this.stops[this.nextStop]; s !== undefined && s <= end; s = this.stops[++this.nextStop]) {
      if (this.leavesWanted.has(s - 1)) this.leaves.set(s - 1, tree.batchLeaf(s - 1 - base));
      if (this.rootsWanted.has(s)) this.roots.set(s, tree.batchRoot(s - base));
      const slot = this.slots.get(s);
      if (slot && !this.checkCheckpoint(slot, s, tree.batchRoot(s - base))) return false;
    }
    return true;
  }

  /** Verifies one entry on its own, after the staged ones: entry 0, key rules, and any entry that fails. */
  private pushOne(line: Uint8Array): boolean {
    if (!this.flush()) return false;
    const i = this.tree.size;
    const checked = checkEntryLine(line, i, this.origin, this.tree.root());
    if (!checked.ok) return this.fail(checked.reason, i, checked.detail);
    const o = checked.entry;
    if (!this.applyKeyRules(i, o)) return false;
    const leaf = leafHash(line);
    if (this.leavesWanted.has(i)) this.leaves.set(i, leaf);
    this.tree.appendLeaf(leaf);
    const size = i + 1;
    this.count = size;
    while ((this.stops[this.nextStop] ?? Infinity) <= size) this.nextStop++;
    const root = this.tree.root();
    if (this.rootsWanted.has(size)) this.roots.set(size, root);
    const slot = this.slots.get(size);
    if (slot) return this.checkCheckpoint(slot, size, root);
    return true;
  }

  /** The bytes after the last newline: the format ends every line with "\n", so any such tail fails. */
  pushUnterminated(byteLength: number): void {
    if (byteLength > 0 && !this.failure && this.flush())
      this.fail('ENTRY_MALFORMED', this.tree.size, 'entries.jsonl does not end with a newline (truncated entry?)');
  }

  private applyKeyRules(i: number, o: Record<string, unknown>): boolean {
    const r = this.keys.apply(i, o.type, o.data as Record<string, unknown>);
    if (!r.ok) return this.fail(r.reason, i, r.detail);
    if (i === 0) {
      for (const k of r.added) {
        if (!this.opts.trusted.some((t) => t.vkey === k.vkey)) return this.fail('GENESIS_MISMATCH', 0, `genesis key ${k.vkey} is not in the trusted keys`);
      }
    } else {
      for (const a of r.added) if (!this.known.some((k) => k.vkey === a.vkey)) this.known.push(a);
    }
    return true;
  }

  private checkCheckpoint(slot: Slot, size: number, root: Hash): boolean {
    const i = size - 1;
    if (!slot.ok) return this.fail('CHECKPOINT_MALFORMED', i, slot.detail);
    const problem = checkpointSignatureProblem(slot.cp.note, size, this.known, this.keys.checkpointSigners);
    if (problem) return this.fail(problem.reason, i, problem.detail);
    if (!bytesEqual(slot.cp.root, root)) return this.fail('CHECKPOINT_ROOT_MISMATCH', i, `checkpoint ${size}: root differs from the entries' root`);
    this.verifiedPrefix = size;
    this.keys.checkpointed();
    return true;
  }

  finish(): VerifyResult {
    if (!this.failure) this.flush();
    this.afterPass();
    const f = this.failure;
    if (f) return { ok: false, reason: f.reason, index: f.index, verifiedPrefix: this.verifiedPrefix, detail: f.detail };
    return { ok: true, origin: this.origin, size: this.tree.size, root: toBase64(this.tree.root()) };
  }

  private afterPass(): void {
    if (this.failure) return;
    const n = this.tree.size;
    if (n === 0 && this.maxCheckpoint === 0) return void this.fail('BUNDLE_MALFORMED', 0, 'the bundle holds no entries');
    if (n < this.maxCheckpoint) return void this.fail('TRUNCATED', n, `entries end at ${n}; checkpoint covers ${this.maxCheckpoint}`);
    if (n < this.manifestSize) return void this.fail('TRUNCATED', n, `entries end at ${n}; MANIFEST.json says ${this.manifestSize}`);
    if (n > this.maxCheckpoint)
      return void this.fail('UNCHECKPOINTED_TAIL', this.maxCheckpoint, `entries [${this.maxCheckpoint}, ${n}) are covered by no checkpoint`);
    if (n !== this.manifestSize)
      return void this.fail('BUNDLE_MALFORMED', this.manifestSize, `MANIFEST.json says size ${this.manifestSize}, the bundle holds ${n}`);
    this.checkAnchors();
    if (!this.failure) this.checkProofs();
    if (!this.failure) this.checkReceipts();
  }

  private checkAnchors(): void {
    const n = this.tree.size;
    for (const [k, a] of (this.opts.anchors ?? []).entries()) {
      let cp: SignedCheckpoint;
      try {
        cp = parseSignedCheckpoint(a);
      } catch (e) {
        return void this.fail('ANCHOR_SIGNATURE_INVALID', n, `anchor ${k + 1}: ${(e as Error).message}`);
      }
      const { valid, invalid } = checkNoteSignatures(cp.note, this.known);
      if (invalid.length > 0 || valid.length === 0) {
        return void this.fail(
          'ANCHOR_SIGNATURE_INVALID',
          Math.max(0, Math.min(cp.size, n) - 1),
          `anchor ${k + 1}: ${invalid.length > 0 ? 'bad signature' : 'no trusted signature'}`,
        );
      }
      if (cp.origin !== this.origin) return void this.fail('ANCHOR_MISMATCH', Math.max(0, cp.size - 1), `anchor ${k + 1} is for origin ${cp.origin}`);
      if (cp.size > n) return void this.fail('ROLLBACK', n, `anchor ${k + 1} covers ${cp.size} entries; the bundle holds ${n}`);
      const root = this.roots.get(cp.size);
      if (!root || !bytesEqual(root, cp.root))
        return void this.fail('ANCHOR_MISMATCH', Math.max(0, cp.size - 1), `anchor ${k + 1}: root at size ${cp.size} differs`);
    }
  }

  private checkProofs(): void {
    for (const f of this.files.proofs ?? []) {
      const m = CONSISTENCY_FILE_RE.exec(f.name);
      if (!m) return void this.fail('BUNDLE_MALFORMED', this.tree.size, `unexpected file proofs/${f.name}`);
      const [mm, nn] = [Number(m[1]), Number(m[2])];
      const idx = Math.max(0, nn - 1);
      const lines = f.text.split('\n');
      if (lines[0] !== `old ${mm}` || lines[1] !== `new ${nn}` || lines.at(-1) !== '') {
        return void this.fail('CONSISTENCY_PROOF_INVALID', idx, `proofs/${f.name}: header does not match the file name`);
      }
      const hashes: Hash[] = [];
      for (const l of lines.slice(2, -1)) {
        const h = fromBase64(l);
        if (!h || h.byteLength !== 32) return void this.fail('CONSISTENCY_PROOF_INVALID', idx, `proofs/${f.name}: not a base64 hash: ${l.slice(0, 60)}`);
        hashes.push(h);
      }
      const a = this.roots.get(mm);
      const b = this.roots.get(nn);
      if (!a || !b || !verifyConsistency(mm, nn, a, b, hashes))
        return void this.fail('CONSISTENCY_PROOF_INVALID', idx, `proofs/${f.name} does not prove ${mm} → ${nn}`);
    }
  }

  private checkReceipts(): void {
    for (const f of this.files.receipts ?? []) {
      const m = RECEIPT_FILE_RE.exec(f.name);
      if (!m) return void this.fail('BUNDLE_MALFORMED', this.tree.size, `unexpected file receipts/${f.name}`);
      const idx = Number(m[1]);
      const r = checkReceipt(f.text, this.known);
      if (!r.ok) return void this.fail('RECEIPT_INVALID', idx, `receipts/${f.name}: ${r.detail}`);
      const cp = r.receipt.checkpoint;
      const root = this.roots.get(cp.size);
      if (cp.origin !== this.origin || !root || !bytesEqual(root, cp.root)) {
        return void this.fail(
          'CHECKPOINT_EQUIVOCATION',
          Math.max(0, cp.size - 1),
          `receipts/${f.name}: a signed checkpoint for size ${cp.size} with a different root`,
        );
      }
      const leaf = this.leaves.get(idx);
      if (r.receipt.index !== idx || !leaf || !bytesEqual(leaf, leafHash(r.receipt.entry!))) {
        return void this.fail('RECEIPT_INVALID', idx, `receipts/${f.name}: the receipt's entry is not entry ${idx}`);
      }
    }
  }
}

/** Convenience: verify a bundle whose entry lines are already split. */
export function verifyBundle(files: BundleFiles, entries: Iterable<Uint8Array>, opts: VerifyOptions): VerifyResult {
  const v = new BundleVerifier(files, opts);
  for (const line of entries) if (!v.push(line)) break;
  return v.finish();
}

export type EntryCheck =
  { readonly ok: true; readonly entry: Record<string, unknown> } | { readonly ok: false; readonly reason: Reason; readonly detail: string };

/**
 * Every check of entry `index` on its own bytes and its place in the chain (`prevRoot`: the root of
 * entries [0, index)), in the verifier's order; the key rules come after (KeyRing). The verifier runs
 * it for every entry it does not batch; the writer's startup check runs it on the last stored entry.
 */
export function checkEntryLine(line: Uint8Array, index: number, origin: string, prevRoot: Hash): EntryCheck {
  const fail = (reason: Reason, detail: string): EntryCheck => ({ ok: false, reason, detail });
  if (line.byteLength > MAX_ENTRY_BYTES) return fail('ENTRY_MALFORMED', `entry is ${line.byteLength} bytes, over the 64 KiB limit`);
  const text = Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('utf8');
  // One pass accepts only canonical text; the slow path below only runs to name a failure.
  let o = parseCanonicalJson(text) as Record<string, unknown> | typeof NOT_CANONICAL;
  // A match proves byte equality unless decoding replaced invalid UTF-8 with U+FFFD.
  if (o !== NOT_CANONICAL && text.includes('\uFFFD') && !bytesEqual(Buffer.from(text, 'utf8'), line)) o = NOT_CANONICAL;
  if (o === NOT_CANONICAL) {
    try {
      JSON.parse(text);
    } catch {
      return fail('ENTRY_MALFORMED', 'entry is not valid JSON');
    }
    return fail('ENTRY_NOT_CANONICAL', 'entry bytes differ from their JCS serialisation');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return fail('ENTRY_MALFORMED', 'entry is not a JSON object');
  if (o.v !== 1) return fail('ENTRY_UNSUPPORTED_VERSION', `entry version ${JSON.stringify(o.v)} is not supported`);
  if (o.seq !== index) return fail('ENTRY_SEQ_MISMATCH', `seq ${JSON.stringify(o.seq)} at position ${index}`);
  if (o.ledger !== origin) return fail('ENTRY_LEDGER_MISMATCH', `ledger ${JSON.stringify(o.ledger)} is not ${origin}`);
  const prevB64 = toBase64(prevRoot);
  const problem = entryShapeProblem(o, { prevIsKnownRoot: o.prev === prevB64 });
  if (problem) return fail('ENTRY_MALFORMED', problem);
  if (o.prev !== prevB64) return fail('ENTRY_PREV_MISMATCH', `prev is not the root of entries [0, ${index})`);
  return { ok: true, entry: o };
}

/**
 * The signature rules of the checkpoint of `size`: every signature by a known key verifies, one is by
 * a known key at all, and one is by a key of `required` (KeyRing.checkpointSigners). Undefined: it passes.
 */
export function checkpointSignatureProblem(
  note: ParsedNote,
  size: number,
  known: readonly VerifierKey[],
  required: readonly VerifierKey[],
): { readonly reason: Reason; readonly detail: string } | undefined {
  const { valid, invalid } = checkNoteSignatures(note, known);
  if (invalid.length > 0) return { reason: 'CHECKPOINT_SIGNATURE_INVALID', detail: `checkpoint ${size}: bad signature from ${invalid[0]!.vkey}` };
  if (valid.length === 0) return { reason: 'CHECKPOINT_UNTRUSTED_SIGNER', detail: `checkpoint ${size}: no signature from a trusted key` };
  if (!valid.some((v) => required.some((a) => a.vkey === v.vkey))) {
    return {
      reason: 'CHECKPOINT_KEY_NOT_ACTIVE',
      detail: `checkpoint ${size}: signed only by keys not active for it (${valid.map((v) => v.vkey).join(', ')})`,
    };
  }
  return undefined;
}
