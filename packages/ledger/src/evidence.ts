// Evidence bundles: a directory of files, a MANIFEST.json that lists each with its SHA-256, and a
// receipt (C2SP tlog-proof) for the ledger entry that records the manifest's digest. One rule for
// every kind of evidence (releases, incidents): the writer builds the manifest here, `runledger-verify
// evidence` checks a bundle here. Pure: the caller reads the files (or hashes them as it streams them).
import { createHash } from 'node:crypto';
import { toHex, utf8 } from './bytes.js';
import { isValidTimestamp, type Actor, type EntryDraft, type Subject } from './entry.js';
import { LedgerError } from './errors.js';
import { canonicalize } from './jcs.js';
import { NOT_CANONICAL, parseCanonicalJson } from './jcs-parse.js';
import type { VerifierKey } from './note.js';
import { checkReceipt, type ReceiptFailure } from './receipt.js';
import { checkCitedEntries } from './evidence-cited.js';

/** The manifest's file name at the bundle's top level. */
export const EVIDENCE_MANIFEST_FILE = 'MANIFEST.json';
/** The receipt of the entry that records the manifest's digest, at the bundle's top level. */
export const EVIDENCE_RECEIPT_FILE = 'MANIFEST.tlog-proof';
/** Names the manifest can never list: the bundle's own two top-level files. */
export const EVIDENCE_RESERVED_FILES: readonly string[] = [EVIDENCE_MANIFEST_FILE, EVIDENCE_RECEIPT_FILE];

export const RELEASE_EVIDENCE_KIND = 'runledger.release.evidence/v1';

export interface EvidenceFileEntry {
  readonly path: string;
  /** Lower-case hex SHA-256 of the file's bytes. */
  readonly sha256: string;
  readonly bytes: number;
}

export interface EvidenceManifest {
  /** `<namespace>/v<N>`, e.g. `runledger.release.evidence/v1`: what the bundle is and its layout. */
  readonly kind: string;
  readonly subject: Subject;
  /** RFC 3339 UTC with milliseconds, as Date.toISOString writes it. */
  readonly createdAt: string;
  /** Sorted by path (UTF-16 code units, as RFC 8785 sorts names), no duplicates. */
  readonly files: readonly EvidenceFileEntry[];
}

/** A file's digest and size, computed by whoever read it (e.g. while streaming it from disk). */
export interface FileDigest {
  readonly sha256: string;
  readonly bytes: number;
}

const KIND_RE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*\/v[1-9][0-9]*$/;
const HEX64_RE = /^[0-9a-f]{64}$/;
const MANIFEST_FIELDS = ['createdAt', 'files', 'kind', 'subject'];
const FILE_FIELDS = ['bytes', 'path', 'sha256'];

/** Lower-case hex SHA-256 of the manifest bytes: the value the ledger entry records. */
export function manifestDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Digest and size of one file's bytes. */
export function fileDigest(bytes: Uint8Array): FileDigest {
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength };
}

/** An incremental file digest: feed chunks as they are read, never holding the whole file. */
export function createFileHasher(): { update(chunk: Uint8Array): void; digest(): FileDigest } {
  const h = createHash('sha256');
  let n = 0;
  return {
    update(chunk) {
      h.update(chunk);
      n += chunk.byteLength;
    },
    digest: () => ({ sha256: toHex(h.digest()), bytes: n }),
  };
}

/**
 * Why a path cannot be listed, or undefined. A path is relative, `/`-separated, with no empty, `.` or
 * `..` segment, no backslash or control character, and is not one of the bundle's reserved files.
 */
export function evidencePathProblem(path: string): string | undefined {
  if (path.length === 0 || path.length > 1024) return 'path must have 1 to 1024 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return 'path must not contain a backslash or a control character';
  if (path.split('/').some((s) => s === '' || s === '.' || s === '..')) return 'path must be relative, with no empty, "." or ".." segment';
  if (EVIDENCE_RESERVED_FILES.includes(path)) return `${path} is reserved for the bundle itself`;
  return undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameKeys(o: Record<string, unknown>, keys: readonly string[]): boolean {
  const k = Object.keys(o).sort();
  return k.length === keys.length && k.every((x, i) => x === keys[i]);
}

/** Why a value is not a manifest, or undefined. Checks every field, the path rules and the order. */
export function manifestProblem(m: unknown): string | undefined {
  if (!isPlainObject(m)) return 'manifest is not a JSON object';
  if (!sameKeys(m, MANIFEST_FIELDS)) return `manifest must have exactly the fields ${MANIFEST_FIELDS.join(', ')}`;
  if (typeof m.kind !== 'string' || !KIND_RE.test(m.kind)) return 'kind must look like "<namespace>/v<N>"';
  const s = m.subject;
  if (!isPlainObject(s) || !sameKeys(s, ['id', 'kind']) || typeof s.kind !== 'string' || s.kind === '' || typeof s.id !== 'string' || s.id === '') {
    return 'subject must be {"id": non-empty string, "kind": non-empty string}';
  }
  if (typeof m.createdAt !== 'string' || !isValidTimestamp(m.createdAt)) return 'createdAt must be an RFC 3339 UTC time with milliseconds';
  if (!Array.isArray(m.files)) return 'files must be an array';
  let prev: string | undefined;
  for (const [i, f] of (m.files as unknown[]).entries()) {
    if (!isPlainObject(f) || !sameKeys(f, FILE_FIELDS)) return `files[${i}] must have exactly the fields ${FILE_FIELDS.join(', ')}`;
    if (typeof f.path !== 'string') return `files[${i}].path must be a string`;
    const p = evidencePathProblem(f.path);
    if (p) return `files[${i}]: ${p}`;
    if (prev !== undefined && !(prev < f.path))
      return `files[${i}]: ${JSON.stringify(f.path)} is not after ${JSON.stringify(prev)} (sorted by path, no duplicates)`;
    prev = f.path;
    if (typeof f.sha256 !== 'string' || !HEX64_RE.test(f.sha256)) return `files[${i}].sha256 must be 64 lower-case hex digits`;
    if (!Number.isSafeInteger(f.bytes) || (f.bytes as number) < 0) return `files[${i}].bytes must be a non-negative integer`;
  }
  return undefined;
}

export interface ManifestMeta {
  readonly kind: string;
  readonly subject: Subject;
  readonly createdAt: string;
}

export interface BuiltManifest {
  readonly manifest: EvidenceManifest;
  /** MANIFEST.json: the manifest's RFC 8785 serialisation, UTF-8. */
  readonly bytes: Uint8Array;
  /** manifestDigest(bytes). */
  readonly sha256: string;
}

/**
 * Builds MANIFEST.json for these files (their bytes, or digests computed while streaming them). The
 * files are sorted by path here. Throws LedgerError EVIDENCE_INVALID for a bad path, a duplicate or bad meta.
 */
export function buildManifest(files: Iterable<{ readonly path: string } & ({ readonly bytes: Uint8Array } | FileDigest)>, meta: ManifestMeta): BuiltManifest {
  const listed: EvidenceFileEntry[] = [];
  for (const f of files) {
    const d = typeof f.bytes === 'number' ? { sha256: (f as FileDigest).sha256, bytes: f.bytes } : fileDigest(f.bytes);
    listed.push({ path: f.path, sha256: d.sha256, bytes: d.bytes });
  }
  listed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const manifest: EvidenceManifest = { kind: meta.kind, subject: { kind: meta.subject.kind, id: meta.subject.id }, createdAt: meta.createdAt, files: listed };
  const problem = manifestProblem(manifest);
  if (problem) throw new LedgerError('EVIDENCE_INVALID', `evidence manifest: ${problem}`);
  const bytes = utf8(canonicalize(manifest));
  return { manifest, bytes, sha256: manifestDigest(bytes) };
}

/**
 * The ledger entry that pins a bundle: its subject is the manifest's subject, and `data` carries the
 * manifest's kind, its digest (`manifestSha256`, the binding the verifier checks) and the file count.
 */
export function evidenceEntryDraft(type: string, actor: Actor, built: BuiltManifest, idem?: string): EntryDraft {
  return {
    type,
    actor,
    subject: built.manifest.subject,
    data: { kind: built.manifest.kind, manifestSha256: built.sha256, files: built.manifest.files.length },
    ...(idem === undefined ? {} : { idem }),
  };
}

export type EvidenceReason =
  | 'MANIFEST_INVALID'
  | 'MANIFEST_NOT_IN_LEDGER'
  | 'MANIFEST_CHANGED'
  | 'FILE_MISSING'
  | 'FILE_MISMATCH'
  | 'FILE_UNLISTED'
  | 'CITED_ENTRY_INVALID'
  | ReceiptFailure;

/** Every reason, in the order the checks run. */
export const EVIDENCE_REASONS: readonly EvidenceReason[] = [
  'MANIFEST_INVALID',
  'RECEIPT_MALFORMED',
  'SIGNATURE_INVALID',
  'UNTRUSTED_SIGNER',
  'NO_ENTRY',
  'PROOF_INVALID',
  'MANIFEST_NOT_IN_LEDGER',
  'MANIFEST_CHANGED',
  'FILE_MISSING',
  'FILE_MISMATCH',
  'FILE_UNLISTED',
  'CITED_ENTRY_INVALID',
];

export type EvidenceResult =
  | {
      readonly ok: true;
      readonly kind: string;
      readonly subject: Subject;
      readonly files: number;
      readonly manifestSha256: string;
      /** The entry's leaf index, proven under the checkpoint of `size`. */
      readonly index: number;
      readonly size: number;
      readonly origin: string;
    }
  | { readonly ok: false; readonly reason: EvidenceReason; readonly detail: string; readonly path?: string };

export interface EvidenceInput {
  /** MANIFEST.json, raw bytes (undefined: the bundle has none). */
  readonly manifest: Uint8Array | undefined;
  /**
   * Every file of the bundle other than the two reserved ones, by `/`-separated relative path. Cited
   * entries and receipts (`ledger/<index>.json`, `.tlog-proof`) must come as bytes: they are checked.
   */
  readonly files: ReadonlyMap<string, Uint8Array | FileDigest>;
  /** MANIFEST.tlog-proof, text (undefined: the bundle has none). */
  readonly receipt: string | undefined;
  /** Trusted verifier keys, out of band. */
  readonly trusted: readonly VerifierKey[];
  /** When set, the receipt's checkpoint must be this ledger's. */
  readonly origin?: string;
}

export function formatEvidenceResult(r: EvidenceResult): string {
  return r.ok
    ? `verified evidence kind=${r.kind} subject=${r.subject.kind}:${r.subject.id} files=${r.files} manifest=${r.manifestSha256} index=${r.index} size=${r.size} origin=${r.origin}`
    : `FAILED ${r.reason} ${r.detail}`;
}

function sameSubject(a: unknown, b: Subject): boolean {
  return isPlainObject(a) && a.kind === b.kind && a.id === b.id;
}

/**
 * Verifies an evidence bundle offline. The first failure wins, in this order: the manifest is
 * canonical and well-formed; the receipt verifies against the trusted keys (the receipt checker's
 * codes); the proven entry records this manifest's digest in `data.manifestSha256`; then each listed
 * file in path order (missing, then hash and size); then no file is there that the manifest does not list;
 * then each cited entry (evidence-cited.ts) matches its receipt, on this ledger, under a trusted key.
 */
export function verifyEvidence(input: EvidenceInput): EvidenceResult {
  const fail = (reason: EvidenceReason, detail: string, path?: string): EvidenceResult =>
    path === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, path };
  if (input.manifest === undefined) return fail('MANIFEST_INVALID', `no ${EVIDENCE_MANIFEST_FILE}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input.manifest);
  } catch {
    return fail('MANIFEST_INVALID', `${EVIDENCE_MANIFEST_FILE} is not UTF-8`);
  }
  const m = parseCanonicalJson(text);
  if (m === NOT_CANONICAL) {
    try {
      JSON.parse(text);
    } catch {
      return fail('MANIFEST_INVALID', `${EVIDENCE_MANIFEST_FILE} is not valid JSON`);
    }
    return fail('MANIFEST_INVALID', `${EVIDENCE_MANIFEST_FILE} differs from its RFC 8785 (JCS) serialisation`);
  }
  const problem = manifestProblem(m);
  if (problem) return fail('MANIFEST_INVALID', `${EVIDENCE_MANIFEST_FILE}: ${problem}`);
  const manifest = m as EvidenceManifest;
  const digest = manifestDigest(input.manifest);

  if (input.receipt === undefined) return fail('RECEIPT_MALFORMED', `no ${EVIDENCE_RECEIPT_FILE}`);
  const rc = checkReceipt(input.receipt, input.trusted);
  if (!rc.ok) return fail(rc.reason, `${EVIDENCE_RECEIPT_FILE}: ${rc.detail}`);
  const { receipt } = rc;
  const { origin, size } = receipt.checkpoint;
  if (input.origin !== undefined && origin !== input.origin) {
    return fail('UNTRUSTED_SIGNER', `${EVIDENCE_RECEIPT_FILE}: checkpoint of ${origin}, not of ${input.origin}`);
  }
  let entry: unknown;
  try {
    entry = JSON.parse(Buffer.from(receipt.entry!).toString('utf8'));
  } catch {
    entry = undefined;
  }
  if (!isPlainObject(entry) || entry.seq !== receipt.index) {
    return fail('PROOF_INVALID', `${EVIDENCE_RECEIPT_FILE}: the proven leaf is not a ledger entry with seq ${receipt.index}`);
  }
  const data = isPlainObject(entry.data) ? entry.data : {};
  if (data.manifestSha256 !== digest) {
    const where = `entry ${receipt.index} (${String(entry.type)})`;
    // The entry pins evidence of this subject and kind, but another manifest: the manifest was changed.
    if (typeof data.manifestSha256 === 'string' && data.kind === manifest.kind && sameSubject(entry.subject, manifest.subject)) {
      return fail('MANIFEST_CHANGED', `${EVIDENCE_MANIFEST_FILE} has SHA-256 ${digest}; ${where} recorded ${data.manifestSha256} for this subject`);
    }
    return fail('MANIFEST_NOT_IN_LEDGER', `${where}, which the receipt proves, does not record this manifest (SHA-256 ${digest})`);
  }

  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const got = input.files.get(f.path);
    if (got === undefined) return fail('FILE_MISSING', `${f.path}: listed in the manifest, not in the bundle`, f.path);
    const d = got instanceof Uint8Array ? fileDigest(got) : got;
    if (d.bytes !== f.bytes || d.sha256 !== f.sha256) {
      return fail('FILE_MISMATCH', `${f.path}: ${d.bytes} bytes with SHA-256 ${d.sha256}; the manifest lists ${f.bytes} bytes with ${f.sha256}`, f.path);
    }
  }
  const extra = [...input.files.keys()].filter((p) => !listed.has(p) && !EVIDENCE_RESERVED_FILES.includes(p)).sort();
  if (extra.length > 0) {
    return fail('FILE_UNLISTED', `${extra[0]}: in the bundle, not in the manifest${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}`, extra[0]);
  }
  const cited = checkCitedEntries(input.files, input.trusted, origin);
  if (cited) return fail('CITED_ENTRY_INVALID', cited.detail, cited.path);
  return { ok: true, kind: manifest.kind, subject: manifest.subject, files: manifest.files.length, manifestSha256: digest, index: receipt.index, size, origin };
}
