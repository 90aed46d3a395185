// Layout of the `runledger-export/1` bundle (a directory). Reading and writing files is the caller's job.
import { utf8 } from './bytes.js';
import { canonicalize } from './jcs.js';

export const EXPORT_FORMAT = 'runledger-export/1';
export const ENTRIES_FILE = 'entries.jsonl';
export const MANIFEST_FILE = 'MANIFEST.json';
export const CHECKPOINTS_DIR = 'checkpoints';
export const PROOFS_DIR = 'proofs';
export const RECEIPTS_DIR = 'receipts';

export interface Manifest {
  readonly entries: typeof ENTRIES_FILE;
  readonly format: typeof EXPORT_FORMAT;
  readonly origin: string;
  readonly size: number;
}

export function manifestBytes(origin: string, size: number): Uint8Array {
  const m: Manifest = { entries: ENTRIES_FILE, format: EXPORT_FORMAT, origin, size };
  return utf8(canonicalize(m));
}

export function checkpointFileName(size: number): string {
  return `${String(size).padStart(20, '0')}.note`;
}

export const CHECKPOINT_FILE_RE = /^(\d{20})\.note$/;
export const CONSISTENCY_FILE_RE = /^consistency-(0|[1-9]\d*)-(0|[1-9]\d*)\.txt$/;
export const RECEIPT_FILE_RE = /^(0|[1-9]\d*)\.tlog-proof$/;

export function consistencyFileName(m: number, n: number): string {
  return `consistency-${m}-${n}.txt`;
}

export function formatConsistencyProof(m: number, n: number, proof: readonly Uint8Array[]): string {
  return `old ${m}\nnew ${n}\n${proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('')}`;
}
