// Writes an evidence bundle of any kind (docs/formats/ledger.md §7): the files, MANIFEST.json built
// by the ledger's rules, the entry that pins its digest, and that entry's receipt. Staged beside the
// target and renamed at the end, so the target is a whole bundle or absent.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  buildManifest,
  EVIDENCE_MANIFEST_FILE,
  EVIDENCE_RECEIPT_FILE,
  evidenceEntryDraft,
  evidencePathProblem,
  fileDigest,
  LedgerError,
  parseReceipt,
  type Actor,
  type BuiltManifest,
  type FileDigest,
  type Subject,
} from '@runledger/ledger';
import { RuntimeError } from '../errors.js';
import { citedEntryFiles } from './cited.js';
import type { BundleFile, BundleFiles } from './files.js';
import type { EvidenceLedger } from './ledger.js';
import { stageDirectory } from './stage.js';

export interface WriteEvidenceOptions {
  /** The bundle's directory: absent or empty (else EXPORT_TARGET_EXISTS). */
  readonly dir: string;
  /** `<namespace>/v<N>`, e.g. RELEASE_EVIDENCE_KIND. */
  readonly kind: string;
  readonly subject: Subject;
  /** RFC 3339 UTC with milliseconds. */
  readonly createdAt: string;
  readonly files: BundleFiles;
  /** Ledger entries to carry with their receipts (ledger/<index>.json and .tlog-proof). */
  readonly cite?: Iterable<number>;
  /** Type of the pinning entry, e.g. `release.evidence.exported`. */
  readonly entryType: string;
  readonly actor: Actor;
  readonly idem?: string;
  /**
   * More fields for the pinning entry's data (a drill's verdict and figures), so the entry that pins the
   * bundle also says what it found. The evidence fields (kind, manifestSha256, files) are never replaced.
   */
  readonly data?: Readonly<Record<string, unknown>>;
  readonly ledger: EvidenceLedger;
  /** After each file is written: files and bytes so far. */
  readonly onProgress?: (done: { readonly files: number; readonly bytes: number }) => void;
}

export interface WrittenEvidence {
  readonly dir: string;
  readonly manifestSha256: string;
  /** Files listed in the manifest (cited pairs included) and their total size. */
  readonly files: number;
  readonly bytes: number;
  /** The pinning entry, and the checkpoint its receipt is proven under. */
  readonly index: number;
  readonly checkpointSize: number;
}

async function* allFiles(files: BundleFiles, cite: Iterable<number> | undefined, ledger: EvidenceLedger): AsyncGenerator<BundleFile> {
  yield* files;
  if (cite) yield* citedEntryFiles(cite, (i, s) => ledger.receipt(i, s));
}

/**
 * Writes the bundle. If the pinning entry is appended and a later step fails, the entry stays (the
 * ledger is append-only) and no bundle is left; a retry with the same `idem` and inputs reuses it.
 */
export async function writeEvidenceBundle(o: WriteEvidenceOptions): Promise<WrittenEvidence> {
  const meta = { kind: o.kind, subject: o.subject, createdAt: o.createdAt };
  buildManifest([], meta); // Bad meta fails here, before a byte is written.
  const stage = await stageDirectory(o.dir);
  try {
    const digests: Array<{ path: string } & FileDigest> = [];
    const seen = new Set<string>();
    let total = 0;
    for await (const f of allFiles(o.files, o.cite, o.ledger)) {
      // Checked before writing: a path is joined under the staging directory and must stay there.
      const problem = evidencePathProblem(f.path);
      if (problem) throw new LedgerError('EVIDENCE_INVALID', `evidence file ${JSON.stringify(f.path)}: ${problem}`);
      if (seen.has(f.path)) throw new LedgerError('EVIDENCE_INVALID', `evidence file ${JSON.stringify(f.path)} is given twice`);
      seen.add(f.path);
      const bytes = typeof f.bytes === 'string' ? Buffer.from(f.bytes, 'utf8') : f.bytes;
      const abs = join(stage.tmp, ...f.path.split('/'));
      if (f.path.includes('/')) await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, bytes, { flag: 'wx' });
      digests.push({ path: f.path, ...fileDigest(bytes) });
      total += bytes.byteLength;
      o.onProgress?.({ files: digests.length, bytes: total });
    }
    const built = buildManifest(digests, meta);
    await writeFile(join(stage.tmp, EVIDENCE_MANIFEST_FILE), built.bytes);
    const draft = evidenceEntryDraft(o.entryType, o.actor, built, o.idem);
    const appended = await o.ledger.append(o.data ? { ...draft, data: { ...o.data, ...draft.data } } : draft);
    const receipt = await o.ledger.receipt(appended.seq, appended.checkpointSize);
    const checkpointSize = checkBinding(receipt, appended.seq, built);
    await writeFile(join(stage.tmp, EVIDENCE_RECEIPT_FILE), receipt);
    await stage.commit();
    return { dir: stage.dir, manifestSha256: built.sha256, files: digests.length, bytes: total, index: appended.seq, checkpointSize };
  } catch (e) {
    await stage.abort();
    throw e;
  }
}

/** The receipt proves the pinning entry, which records this manifest: else the bundle would not verify. */
function checkBinding(text: string, seq: number, built: BuiltManifest): number {
  const r = parseReceipt(text);
  let recorded: unknown;
  try {
    recorded = (JSON.parse(Buffer.from(r.entry ?? new Uint8Array()).toString('utf8')) as { data?: { manifestSha256?: unknown } }).data?.manifestSha256;
  } catch {
    recorded = undefined;
  }
  if (r.index !== seq || recorded !== built.sha256) {
    throw new RuntimeError('INTERNAL', `the receipt for entry ${seq} proves entry ${r.index}, recording manifest ${String(recorded)}, not ${built.sha256}`);
  }
  return r.checkpoint.size;
}
