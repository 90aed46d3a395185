// Off-host anchors: shipments of signed checkpoints (with the entries since the previous shipment and
// a consistency proof from it) kept somewhere the ledger's host cannot rewrite, and the rules that
// compare them with each other and with the live ledger. Pure: callers read and write the files.
//
// A shipment is one text file, `<to size, 20 digits>.anchor`, in the spirit of a tlog-proof:
//
//   runledger-anchor/1
//   from <m>                   the size of the previous shipment (0 for the first)
//   entries <k>                k = to − m, or 0 when the shipper sent the checkpoint only
//   <entry bytes>              k lines, byte-exact as in entries.jsonl (JCS has no raw newline)
//   <base64 hash>              the RFC 6962 consistency proof m → to, one hash a line
//                              (empty line)
//   <signed checkpoint of size `to`, verbatim>
//
// The checkpoints and proofs are the control (rollback and fork detection need nothing else); the
// entries make the anchor directory a replica with an RPO of one shipment interval, and are proven by
// replaying them from 0 when the directory holds an unbroken chain of shipments with entries.
import { bytesEqual, fromBase64, toBase64, utf8, type Hash } from './bytes.js';
import { parseSignedCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import { parseKeyList, ROTATE_TYPE } from './keyrules.js';
import { checkNoteSignatures, type VerifierKey } from './note.js';
import { EMPTY_ROOT, leafHash, TreeState, verifyConsistency } from './tree.js';

export const ANCHOR_FORMAT = 'runledger-anchor/1';
export const ANCHOR_FILE_RE = /^(\d{20})\.anchor$/;

export function anchorFileName(size: number): string {
  return `${String(size).padStart(20, '0')}.anchor`;
}

export interface ShipmentParts {
  readonly from: number;
  readonly entries: readonly Uint8Array[];
  readonly proof: readonly Hash[];
  readonly checkpointNote: string;
}

export function formatShipment(s: ShipmentParts): string {
  const dec = new TextDecoder();
  const lines = [ANCHOR_FORMAT, `from ${s.from}`, `entries ${s.entries.length}`, ...s.entries.map((e) => dec.decode(e)), ...s.proof.map(toBase64)];
  return `${lines.join('\n')}\n\n${s.checkpointNote}`;
}

export interface Shipment {
  readonly from: number;
  readonly to: number;
  readonly entries: readonly Uint8Array[];
  readonly proof: readonly Hash[];
  readonly checkpoint: SignedCheckpoint;
}

/** Parses a shipment; a string is the problem. Signatures are not checked here. */
export function parseShipment(text: string): Shipment | string {
  const cut = text.indexOf('\n\n');
  if (cut < 0) return 'no blank line before the checkpoint';
  const head = text.slice(0, cut).split('\n');
  if (head[0] !== ANCHOR_FORMAT) return `first line is not ${ANCHOR_FORMAT}`;
  const from = /^from (0|[1-9]\d*)$/.exec(head[1] ?? '');
  const count = /^entries (0|[1-9]\d*)$/.exec(head[2] ?? '');
  if (!from || !count) return 'expected "from <m>" and "entries <k>" lines';
  const k = Number(count[1]);
  if (head.length < 3 + k) return `announces ${k} entries, holds ${head.length - 3} lines`;
  const entries = head.slice(3, 3 + k).map((l) => utf8(l));
  const proof: Hash[] = [];
  for (const l of head.slice(3 + k)) {
    const h = fromBase64(l);
    if (!h || h.byteLength !== 32) return `not a base64 proof hash: ${l.slice(0, 60)}`;
    proof.push(h);
  }
  let checkpoint: SignedCheckpoint;
  try {
    checkpoint = parseSignedCheckpoint(text.slice(cut + 2));
  } catch (e) {
    return (e as Error).message;
  }
  return { from: Number(from[1]), to: checkpoint.size, entries, proof, checkpoint };
}

/** Why an anchor directory itself does not hold together (before any live ledger is consulted). */
export type AnchorChainReason =
  'NO_ANCHORS' | 'SHIPMENT_MALFORMED' | 'SIGNATURE_INVALID' | 'UNTRUSTED_SIGNER' | 'ORIGIN_MISMATCH' | 'CHAIN_GAP' | 'CHAIN_FORKED' | 'ENTRIES_INVALID';

export interface AnchorFile {
  readonly name: string;
  readonly text: string;
}

export type AnchorChain =
  | {
      readonly ok: true;
      readonly origin: string;
      readonly newest: SignedCheckpoint;
      readonly shipments: number;
      /** Entries proven by replay from 0 (0 when the chain does not start at 0 or lacks entries). */
      readonly entriesProven: number;
    }
  | { readonly ok: false; readonly reason: AnchorChainReason; readonly file?: string; readonly detail: string };

function signatureProblem(cp: SignedCheckpoint, trusted: readonly VerifierKey[]): { reason: AnchorChainReason; detail: string } | undefined {
  const { valid, invalid } = checkNoteSignatures(cp.note, trusted);
  if (invalid.length > 0) return { reason: 'SIGNATURE_INVALID', detail: `bad signature by trusted key ${invalid[0]!.name}` };
  if (valid.length === 0) return { reason: 'UNTRUSTED_SIGNER', detail: 'no signature by a trusted key' };
  return undefined;
}

/**
 * Checks a directory's shipments in size order: each signed by a trusted key, one origin, each
 * starting where the previous ended, each consistency proof valid from the previous checkpoint, and
 * the entries well placed (seq, ledger, and the first one's prev = the previous root). When the chain
 * starts at 0 and every shipment carries its entries, they are replayed and every root compared.
 */
export function verifyAnchorChain(files: readonly AnchorFile[], trusted: readonly VerifierKey[]): AnchorChain {
  const named = files.filter((f) => ANCHOR_FILE_RE.test(f.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (named.length === 0) return { ok: false, reason: 'NO_ANCHORS', detail: 'no *.anchor files' };
  let prev: SignedCheckpoint | undefined;
  let tree: TreeState | undefined;
  // Keys added by rotation entries the replay proved (a shipment stops at each handover checkpoint).
  const keys = [...trusted];
  const dec = new TextDecoder('utf-8', { fatal: true });
  for (const f of named) {
    const fail = (reason: AnchorChainReason, detail: string): AnchorChain => ({ ok: false, reason, file: f.name, detail });
    const s = parseShipment(f.text);
    if (typeof s === 'string') return fail('SHIPMENT_MALFORMED', s);
    const cp = s.checkpoint;
    if (anchorFileName(cp.size) !== f.name) return fail('SHIPMENT_MALFORMED', `holds the checkpoint of size ${cp.size}`);
    if (s.from > s.to) return fail('SHIPMENT_MALFORMED', `from ${s.from} is beyond its checkpoint ${s.to}`);
    if (s.entries.length !== 0 && s.entries.length !== s.to - s.from) return fail('SHIPMENT_MALFORMED', `${s.entries.length} entries for ${s.from} → ${s.to}`);
    const sig = signatureProblem(cp, keys);
    if (sig) return fail(sig.reason, sig.detail);
    if (prev && cp.origin !== prev.origin) return fail('ORIGIN_MISMATCH', `origin ${cp.origin}, the earlier shipments' is ${prev.origin}`);
    // The first shipment kept may start anywhere (older ones pruned); later ones must join up.
    const prevSize = prev?.size ?? (s.from === 0 ? 0 : undefined);
    const prevRoot = prev?.root ?? (s.from === 0 ? EMPTY_ROOT : undefined);
    if (prev && s.from !== prev.size) return fail('CHAIN_GAP', `starts at ${s.from}; the previous shipment ended at ${prev.size}`);
    if (prevSize !== undefined && prevRoot && !verifyConsistency(prevSize, s.to, prevRoot, cp.root, s.proof)) {
      return fail('CHAIN_FORKED', `the consistency proof ${prevSize} → ${s.to} does not verify: the ledger was rewritten between shipments`);
    }
    const rotations: unknown[] = [];
    for (let i = 0; i < s.entries.length; i++) {
      let e: { seq?: unknown; ledger?: unknown; prev?: unknown; type?: unknown; data?: { add?: unknown } };
      try {
        e = JSON.parse(dec.decode(s.entries[i]!)) as typeof e;
      } catch {
        return fail('ENTRIES_INVALID', `entry ${s.from + i} is not JSON`);
      }
      if (e.seq !== s.from + i || e.ledger !== cp.origin) return fail('ENTRIES_INVALID', `entry line ${i + 1} is not entry ${s.from + i} of ${cp.origin}`);
      if (i === 0 && prevRoot && e.prev !== toBase64(prevRoot)) return fail('ENTRIES_INVALID', `entry ${s.from}: prev is not the root at ${s.from}`);
      if (e.type === ROTATE_TYPE) rotations.push(e.data?.add);
    }
    // Replay: only while every shipment since 0 carried its entries.
    if (s.from === 0 && !prev) tree = TreeState.empty();
    if (tree && s.entries.length === s.to - s.from && tree.size === s.from) {
      for (const e of s.entries) tree.appendLeaf(leafHash(e));
      if (!bytesEqual(tree.root(), cp.root)) return fail('ENTRIES_INVALID', `the entries ${s.from}..${s.to - 1} do not hash to the checkpoint's root`);
      for (const add of rotations) {
        const added = parseKeyList(add, cp.origin);
        if (typeof added !== 'string') keys.push(...added);
      }
    } else tree = undefined;
    prev = cp;
  }
  return { ok: true, origin: prev!.origin, newest: prev!, shipments: named.length, entriesProven: tree?.size ?? 0 };
}

export type AnchorStatus = 'CONSISTENT' | 'ROLLED_BACK' | 'FORKED' | 'ANCHORS_INVALID';

export type AnchorReason =
  | 'CONSISTENT'
  /** ROLLED_BACK: the live ledger is smaller than the newest anchor. */
  | 'LIVE_BEHIND_ANCHOR'
  /** FORKED: same size, another root. */
  | 'ROOT_MISMATCH'
  /** FORKED: the live ledger's proof from the anchor does not verify. */
  | 'CONSISTENCY_PROOF_INVALID'
  /** FORKED: the live checkpoint is for another ledger, or not signed by a trusted key. */
  | 'LIVE_ORIGIN_MISMATCH'
  | 'LIVE_CHECKPOINT_INVALID'
  | AnchorChainReason;

export interface AnchorCheck {
  readonly status: AnchorStatus;
  readonly reason: AnchorReason;
  readonly detail: string;
  readonly anchorSize?: number;
  readonly liveSize?: number;
  readonly file?: string;
}

/**
 * Compares the live ledger (its latest signed checkpoint, and a way to ask it for a consistency proof
 * between two sizes) with the newest anchor of a directory whose chain verified.
 */
export async function compareWithAnchors(files: readonly AnchorFile[], trusted: readonly VerifierKey[], live: LiveLedger): Promise<AnchorCheck> {
  const chain = verifyAnchorChain(files, trusted);
  if (!chain.ok) {
    // A chain whose own proofs fail is a rewrite seen between two shipments.
    const status: AnchorStatus = chain.reason === 'CHAIN_FORKED' ? 'FORKED' : 'ANCHORS_INVALID';
    return { status, reason: chain.reason, detail: chain.detail, ...(chain.file ? { file: chain.file } : {}) };
  }
  return compareCheckpointWithLive(chain.newest, trusted, live);
}

/** The live ledger's side of a comparison: its latest signed checkpoint and consistency proofs on request. */
export interface LiveLedger {
  readonly checkpointNote: string;
  readonly consistencyProof: (m: number, n: number) => Promise<readonly Hash[]>;
}

/**
 * One signed checkpoint held elsewhere (a note given on a command line, as `restore --anchor NOTE`) against
 * the live ledger: its signature by a trusted key first, then the same comparison as a directory's newest.
 */
export async function compareWithAnchorNote(note: string, trusted: readonly VerifierKey[], live: LiveLedger): Promise<AnchorCheck> {
  let cp: SignedCheckpoint;
  try {
    cp = parseSignedCheckpoint(note);
  } catch (e) {
    return { status: 'ANCHORS_INVALID', reason: 'SHIPMENT_MALFORMED', detail: `not a signed checkpoint: ${(e as Error).message}` };
  }
  const sig = signatureProblem(cp, trusted);
  if (sig) return { status: 'ANCHORS_INVALID', reason: sig.reason, detail: `the anchor: ${sig.detail}`, anchorSize: cp.size };
  return compareCheckpointWithLive(cp, trusted, live);
}

/** An anchor checkpoint (already trusted) against the live ledger: equal, extended, behind or another history. */
async function compareCheckpointWithLive(a: SignedCheckpoint, trusted: readonly VerifierKey[], live: LiveLedger): Promise<AnchorCheck> {
  let liveCp: SignedCheckpoint;
  try {
    liveCp = parseSignedCheckpoint(live.checkpointNote);
  } catch (e) {
    return { status: 'FORKED', reason: 'LIVE_CHECKPOINT_INVALID', detail: (e as Error).message, anchorSize: a.size };
  }
  const base = { anchorSize: a.size, liveSize: liveCp.size, file: anchorFileName(a.size) };
  const sig = signatureProblem(liveCp, trusted);
  if (sig) return { status: 'FORKED', reason: 'LIVE_CHECKPOINT_INVALID', detail: `live checkpoint: ${sig.detail}`, ...base };
  if (liveCp.origin !== a.origin)
    return { status: 'FORKED', reason: 'LIVE_ORIGIN_MISMATCH', detail: `live origin ${liveCp.origin}, anchors' ${a.origin}`, ...base };
  if (liveCp.size < a.size) {
    return {
      status: 'ROLLED_BACK',
      reason: 'LIVE_BEHIND_ANCHOR',
      detail: `the live ledger holds ${liveCp.size} entries; an anchor proves ${a.size} existed`,
      ...base,
    };
  }
  if (liveCp.size === a.size) {
    return bytesEqual(liveCp.root, a.root)
      ? { status: 'CONSISTENT', reason: 'CONSISTENT', detail: `the live ledger is the newest anchor (size ${a.size})`, ...base }
      : { status: 'FORKED', reason: 'ROOT_MISMATCH', detail: `another root at size ${a.size}: the ledger was rewritten`, ...base };
  }
  let proof: readonly Hash[];
  try {
    proof = await live.consistencyProof(a.size, liveCp.size);
  } catch (e) {
    return { status: 'FORKED', reason: 'CONSISTENCY_PROOF_INVALID', detail: `no proof ${a.size} → ${liveCp.size}: ${(e as Error).message}`, ...base };
  }
  if (!verifyConsistency(a.size, liveCp.size, a.root, liveCp.root, proof)) {
    return {
      status: 'FORKED',
      reason: 'CONSISTENCY_PROOF_INVALID',
      detail: `the live ledger (size ${liveCp.size}) does not extend the anchor of size ${a.size}: rewritten`,
      ...base,
    };
  }
  return { status: 'CONSISTENT', reason: 'CONSISTENT', detail: `the live ledger (size ${liveCp.size}) extends the newest anchor (size ${a.size})`, ...base };
}
