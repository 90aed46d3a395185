// Ledger entries: one JCS object each; the stored bytes are the hashed bytes.
import { fromBase64, toBase64, type Hash } from './bytes.js';
import { LedgerError } from './errors.js';
import { canonicalize } from './jcs.js';
import { leafHash } from './tree.js';

export const ENTRY_VERSION = 1;
export const MAX_ENTRY_BYTES = 64 * 1024;

export const ACTOR_KINDS = ['user', 'token', 'service', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export interface Actor {
  readonly kind: ActorKind;
  readonly id: string;
}

export interface Subject {
  readonly kind: string;
  readonly id: string;
}

export interface Entry {
  readonly v: 1;
  readonly seq: number;
  readonly ledger: string;
  readonly prev: string;
  readonly ts: string;
  readonly type: string;
  readonly actor: Actor;
  readonly subject?: Subject;
  readonly data: Readonly<Record<string, unknown>>;
  readonly idem?: string;
}

export interface EntryDraft {
  readonly type: string;
  readonly actor: Actor;
  readonly subject?: Subject;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly idem?: string;
}

/** RFC 3339 UTC with exactly three fractional digits, as Date.toISOString writes it. */
export const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TYPE_RE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;

export function isValidType(t: string): boolean {
  return TYPE_RE.test(t);
}

/**
 * Checks an entry's shape (not its place in the chain). Returns a message naming the first problem,
 * or undefined. Shared by the writer (before it signs) and the verifier (on every entry).
 */
const ENTRY_FIELDS = new Set(['v', 'seq', 'ledger', 'prev', 'ts', 'type', 'actor', 'subject', 'data', 'idem']);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A real UTC instant written as Date.toISOString writes it. Checked field by field rather than by a
 * Date round trip (the verifier runs this on every entry); impossible dates (Feb 30, 24:00) fail.
 */
export function isValidTimestamp(ts: string): boolean {
  if (!TS_RE.test(ts)) return false;
  const year = Number(ts.slice(0, 4));
  const month = Number(ts.slice(5, 7));
  const day = Number(ts.slice(8, 10));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0)) return false;
  return Number(ts.slice(11, 13)) < 24 && Number(ts.slice(14, 16)) < 60 && Number(ts.slice(17, 19)) < 60;
}

export function entryShapeProblem(e: unknown, opts?: { readonly prevIsKnownRoot?: boolean }): string | undefined {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'entry is not a JSON object';
  const o = e as Record<string, unknown>;
  for (const k in o) {
    if (!ENTRY_FIELDS.has(k)) return `unknown field ${JSON.stringify(k)}`;
  }
  if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 0) return 'seq must be a non-negative integer';
  if (typeof o.ledger !== 'string' || o.ledger.length === 0) return 'ledger must be a non-empty string';
  if (typeof o.prev !== 'string') return 'prev must be a base64 string';
  // The verifier already compared prev with the root it computed: then it is well-formed by construction.
  if (!opts?.prevIsKnownRoot) {
    const prev = fromBase64(o.prev);
    if (!prev || prev.byteLength !== 32) return 'prev must be base64 of 32 bytes';
  }
  if (typeof o.ts !== 'string' || !isValidTimestamp(o.ts)) return 'ts must be RFC 3339 UTC with milliseconds';
  if (typeof o.type !== 'string' || !TYPE_RE.test(o.type)) return 'type must be a dotted lower-case name such as run.step.finished';
  const actor = o.actor as Record<string, unknown> | undefined;
  if (typeof actor !== 'object' || actor === null || Array.isArray(actor)) return 'actor must be an object';
  if (!ACTOR_KINDS.includes(actor.kind as ActorKind)) return `actor.kind must be one of ${ACTOR_KINDS.join('|')}`;
  if (typeof actor.id !== 'string' || actor.id.length === 0) return 'actor.id must be a non-empty string';
  if (Object.keys(actor).length !== 2) return 'actor has fields other than kind and id';
  if (o.subject !== undefined) {
    const s = o.subject as Record<string, unknown>;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return 'subject must be an object';
    if (typeof s.kind !== 'string' || s.kind.length === 0 || typeof s.id !== 'string' || s.id.length === 0) return 'subject needs non-empty kind and id';
    if (Object.keys(s).length !== 2) return 'subject has fields other than kind and id';
  }
  if (typeof o.data !== 'object' || o.data === null || Array.isArray(o.data)) return 'data must be an object';
  if (o.idem !== undefined && (typeof o.idem !== 'string' || o.idem.length === 0 || o.idem.length > 256)) return 'idem must be a string of 1 to 256 characters';
  return undefined;
}

export interface BuiltEntry {
  readonly entry: Entry;
  readonly bytes: Uint8Array;
  readonly leaf: Hash;
}

/** Builds, validates and encodes the entry at `seq`, chained to `prev` (the root of entries [0, seq)). */
export function buildEntry(draft: EntryDraft, seq: number, ledger: string, prev: Hash, ts: Date): BuiltEntry {
  if (Number.isNaN(ts.getTime())) throw new LedgerError('ENTRY_INVALID', 'ts: the writer clock gave an invalid date');
  const entry: Entry = {
    v: ENTRY_VERSION,
    seq,
    ledger,
    prev: toBase64(prev),
    ts: ts.toISOString(),
    type: draft.type,
    actor: draft.actor,
    ...(draft.subject ? { subject: draft.subject } : {}),
    data: draft.data ?? {},
    ...(draft.idem !== undefined ? { idem: draft.idem } : {}),
  };
  if (prev.byteLength !== 32) throw new LedgerError('ENTRY_INVALID', 'prev must be a 32-byte root');
  // prev is the base64 of 32 bytes by construction: the shape check need not decode it again.
  const problem = entryShapeProblem(entry, { prevIsKnownRoot: true });
  if (problem) throw new LedgerError('ENTRY_INVALID', problem);
  // Buffer.from: small strings come from a pooled slab, cheaper than TextEncoder's fresh buffer per call.
  const bytes = Buffer.from(entryText(entry), 'utf8');
  if (bytes.byteLength > MAX_ENTRY_BYTES) throw new LedgerError('ENTRY_TOO_LARGE', `entry is ${bytes.byteLength} bytes; the limit is ${MAX_ENTRY_BYTES}`);
  return { entry, bytes, leaf: leafHash(bytes) };
}

/**
 * canonicalize(e) for an entry that passed entryShapeProblem, without sorting the envelope: its members
 * in RFC 8785 order (UTF-16 order of the names), each value canonicalised on its own. The writer builds
 * every entry here; tests compare it with canonicalize.
 */
export function entryText(e: Entry): string {
  // type, ts, prev and actor.kind passed ASCII-only patterns: JSON.stringify is their canonical form.
  let s = `{"actor":{"id":${canonicalize(e.actor.id)},"kind":${JSON.stringify(e.actor.kind)}},"data":${canonicalize(e.data)}`;
  if (e.idem !== undefined) s += `,"idem":${canonicalize(e.idem)}`;
  s += `,"ledger":${canonicalize(e.ledger)},"prev":${JSON.stringify(e.prev)},"seq":${canonicalize(e.seq)}`;
  if (e.subject !== undefined) s += `,"subject":{"id":${canonicalize(e.subject.id)},"kind":${canonicalize(e.subject.kind)}}`;
  return `${s},"ts":${JSON.stringify(e.ts)},"type":${JSON.stringify(e.type)},"v":${canonicalize(e.v)}}`;
}
