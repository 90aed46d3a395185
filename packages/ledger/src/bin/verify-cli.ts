// `runledger-verify`: the I/O edge of the verifier. Reads a bundle directory and trust files, streams
// entries.jsonl through BundleVerifier, prints the result. Exit 0 verified, 1 failed, 2 unusable input.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINTS_DIR, ENTRIES_FILE, MANIFEST_FILE, PROOFS_DIR, RECEIPTS_DIR } from '../bundle.js';
import {
  createFileHasher,
  EVIDENCE_MANIFEST_FILE,
  EVIDENCE_RECEIPT_FILE,
  formatEvidenceResult,
  verifyEvidence,
  type EvidenceResult,
  type FileDigest,
} from '../evidence.js';
import { EVIDENCE_CITED_MAX_BYTES, isCitedPath } from '../evidence-cited.js';
import { parseVkey, type VerifierKey } from '../note.js';
import { BundleVerifier, formatResult, type NamedText, type VerifyResult } from '../verifier.js';
import { ANCHOR_FILE_RE, verifyAnchorChain } from '../anchors.js';

export interface CliIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** When set, progress is drawn on stderr (a terminal). */
  readonly progress?: boolean;
}

export const VERIFY_USAGE =
  'usage: runledger-verify BUNDLE --trust FILE [--trust FILE]... [--anchor NOTE]... [--anchors DIR]... [--json]\n' +
  '       runledger-verify evidence DIR --trust FILE [--trust FILE]... [--json]';

class UsageError extends Error {}

/** Reads a trust file: one vkey a line; blank lines and lines starting with # are ignored. */
export function readTrustFile(path: string): VerifierKey[] {
  const text = readFileSync(path, 'utf8');
  const keys: VerifierKey[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      keys.push(parseVkey(line));
    } catch (e) {
      throw new UsageError(`${path}:${i + 1}:1: ${(e as Error).message}`);
    }
  }
  if (keys.length === 0) throw new UsageError(`${path}: no verifier keys`);
  return keys;
}

function readDirTexts(dir: string): NamedText[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

/** Streams entries.jsonl line by line into the verifier without loading the file whole. */
function feedEntries(path: string, v: BundleVerifier, progress: ((done: number, total: number) => void) | undefined): void {
  const fd = openSync(path, 'r');
  try {
    const total = fstatSync(fd).size;
    const chunk = Buffer.allocUnsafe(8 << 20);
    let carry: Buffer = Buffer.alloc(0);
    let done = 0;
    let lastDraw = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      done += n;
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0) break;
        if (!v.push(buf.subarray(start, nl))) return;
        start = nl + 1;
      }
      // Copy the remainder: the chunk buffer is reused on the next read.
      carry = Buffer.from(buf.subarray(start));
      if (progress && Date.now() - lastDraw > 200) {
        lastDraw = Date.now();
        progress(done, total);
      }
    }
    v.pushUnterminated(carry.length);
  } finally {
    closeSync(fd);
  }
}

function drawBar(io: CliIo): (done: number, total: number) => void {
  const t0 = Date.now();
  return (done, total) => {
    const frac = total > 0 ? done / total : 1;
    const width = 30;
    const filled = Math.round(frac * width);
    const secs = (Date.now() - t0) / 1000;
    const mbs = secs > 0 ? (done / 1e6 / secs).toFixed(1) : '0';
    io.err(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mbs} MB/s`);
  };
}

export interface VerifyArgs {
  bundle: string;
  trust: string[];
  anchors: string[];
  /** Anchor directories (runledger-anchor/1 shipments). */
  anchorDirs?: string[];
  json: boolean;
}

export function parseVerifyArgs(argv: readonly string[]): VerifyArgs {
  const a: VerifyArgs = { bundle: '', trust: [], anchors: [], json: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${x} needs a value`);
      return v;
    };
    if (x === '--json') a.json = true;
    else if (x === '--trust') a.trust.push(val());
    else if (x.startsWith('--trust=')) a.trust.push(x.slice(8));
    else if (x === '--anchor') a.anchors.push(val());
    else if (x.startsWith('--anchor=')) a.anchors.push(x.slice(9));
    else if (x === '--anchors') (a.anchorDirs ??= []).push(val());
    else if (x.startsWith('--anchors=')) (a.anchorDirs ??= []).push(x.slice(10));
    else if (x === '-h' || x === '--help') throw new UsageError(VERIFY_USAGE);
    else if (x.startsWith('-')) throw new UsageError(`unknown option ${x}`);
    else if (a.bundle === '') a.bundle = x;
    else throw new UsageError(`unexpected argument ${x}`);
  }
  if (a.bundle === '') throw new UsageError('missing BUNDLE');
  if (a.trust.length === 0) throw new UsageError('--trust FILE is required: the verifier keys must come out of band');
  return a;
}

/** Verifies a bundle directory. Throws UsageError-like errors (exit 2) for unusable input. */
export function verifyBundleDir(args: VerifyArgs, io?: CliIo): VerifyResult {
  const trusted = args.trust.flatMap(readTrustFile);
  const anchors = args.anchors.map((p) => readFileSync(p, 'utf8'));
  // An anchor directory counts through its newest checkpoint, once its chain of shipments verifies.
  for (const dir of args.anchorDirs ?? []) {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--anchors ${dir} is not a directory`);
    const files = readdirSync(dir)
      .filter((n) => ANCHOR_FILE_RE.test(n))
      .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
    const chain = verifyAnchorChain(files, trusted);
    if (!chain.ok) {
      return {
        ok: false,
        reason: 'ANCHOR_CHAIN_INVALID',
        index: 0,
        verifiedPrefix: 0,
        detail: `${dir}${chain.file ? `/${chain.file}` : ''}: ${chain.reason}: ${chain.detail}`,
      };
    }
    anchors.push(chain.newest.text);
  }
  if (!statSync(args.bundle).isDirectory()) throw new UsageError(`${args.bundle} is not a directory`);
  const manifestPath = join(args.bundle, MANIFEST_FILE);
  const entriesPath = join(args.bundle, ENTRIES_FILE);
  const v = new BundleVerifier(
    {
      manifest: existsSync(manifestPath) ? readFileSync(manifestPath) : new Uint8Array(),
      checkpoints: readDirTexts(join(args.bundle, CHECKPOINTS_DIR)),
      proofs: readDirTexts(join(args.bundle, PROOFS_DIR)),
      receipts: readDirTexts(join(args.bundle, RECEIPTS_DIR)),
    },
    { trusted, anchors },
  );
  if (existsSync(entriesPath)) {
    const big = statSync(entriesPath).size > 32 << 20;
    feedEntries(entriesPath, v, io?.progress && big ? drawBar(io) : undefined);
    if (io?.progress && big) io.err('\r\u001b[K');
  }
  return v.finish();
}

/**
 * `evidence DIR`: the first argument is `evidence` and a second positional argument follows. A lone
 * `evidence` stays what it always was, an export bundle directory of that name.
 */
function isEvidenceCommand(argv: readonly string[]): boolean {
  if (argv[0] !== 'evidence') return false;
  for (let i = 1; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--trust' || x === '--anchor' || x === '--anchors') i++;
    else if (!x.startsWith('-')) return true;
  }
  return false;
}

/** Streams one file through SHA-256 in 1 MiB reads: a bundle's files are never held in memory. */
function hashFile(path: string, chunk: Buffer): FileDigest {
  const h = createFileHasher();
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      h.update(chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest();
}

/**
 * Every file under dir (following symbolic links to files), by `/`-separated relative path, hashed;
 * cited entries and receipts (small, and checked beyond their hash) are read whole instead.
 */
function hashTree(dir: string): Map<string, FileDigest | Uint8Array> {
  const out = new Map<string, FileDigest | Uint8Array>();
  const chunk = Buffer.allocUnsafe(1 << 20);
  const walk = (abs: string, rel: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const p = join(abs, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = statSync(p);
      if (st.isDirectory()) walk(p, r);
      else if (rel === '' && (name === EVIDENCE_MANIFEST_FILE || name === EVIDENCE_RECEIPT_FILE)) continue;
      else if (isCitedPath(r) && st.size <= EVIDENCE_CITED_MAX_BYTES) out.set(r, readFileSync(p));
      else out.set(r, hashFile(p, chunk));
    }
  };
  walk(dir, '');
  return out;
}

/** Verifies an evidence bundle directory (see evidence.ts). Throws for unusable input (exit 2). */
export function verifyEvidenceDir(dir: string, trust: readonly string[]): EvidenceResult {
  const trusted = trust.flatMap(readTrustFile);
  if (!statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`);
  const manifestPath = join(dir, EVIDENCE_MANIFEST_FILE);
  const receiptPath = join(dir, EVIDENCE_RECEIPT_FILE);
  return verifyEvidence({
    manifest: existsSync(manifestPath) ? readFileSync(manifestPath) : undefined,
    receipt: existsSync(receiptPath) ? readFileSync(receiptPath, 'utf8') : undefined,
    files: hashTree(dir),
    trusted,
  });
}

function runEvidenceCli(argv: readonly string[], io: CliIo): number {
  let args: VerifyArgs;
  try {
    args = parseVerifyArgs(argv);
    if (args.anchors.length > 0 || args.anchorDirs?.length) throw new UsageError('--anchor does not apply to an evidence bundle');
  } catch (e) {
    io.err(`${(e as Error).message}\n${(e as Error).message === VERIFY_USAGE ? '' : `${VERIFY_USAGE}\n`}`);
    return 2;
  }
  let r: EvidenceResult;
  try {
    r = verifyEvidenceDir(args.bundle, args.trust);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const msg = err.code ? `cannot read ${err.path ?? args.bundle}: ${err.code}` : err.message;
    if (args.json) io.out(`${JSON.stringify({ ok: false, error: 'UNUSABLE_INPUT', detail: msg })}\n`);
    io.err(`runledger-verify: ${msg}\n`);
    return 2;
  }
  io.out(args.json ? `${JSON.stringify(r)}\n` : `${formatEvidenceResult(r)}\n`);
  return r.ok ? 0 : 1;
}

/** The whole command. Returns the exit code. */
export function runVerifyCli(argv: readonly string[], io: CliIo): number {
  if (isEvidenceCommand(argv)) return runEvidenceCli(argv.slice(1), io);
  let args: VerifyArgs;
  try {
    args = parseVerifyArgs(argv);
  } catch (e) {
    io.err(`${(e as Error).message}\n${e instanceof UsageError && (e as Error).message === VERIFY_USAGE ? '' : `${VERIFY_USAGE}\n`}`);
    return 2;
  }
  let r: VerifyResult;
  try {
    r = verifyBundleDir(args, io);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const msg = err.code ? `cannot read ${err.path ?? args.bundle}: ${err.code}` : err.message;
    if (args.json) io.out(`${JSON.stringify({ ok: false, error: 'UNUSABLE_INPUT', detail: msg })}\n`);
    io.err(`runledger-verify: ${msg}\n`);
    return 2;
  }
  io.out(args.json ? `${JSON.stringify(r)}\n` : `${formatResult(r)}\n`);
  return r.ok ? 0 : 1;
}
