// Cited entries of an evidence bundle: other ledger entries the bundle carries with their receipts
// (a release's gate runs), as the pair `ledger/<index>.json` (the entry's bytes) and
// `ledger/<index>.tlog-proof` (its receipt). Both are ordinary listed files; this adds that each pair
// is what it claims: the receipt verifies under a trusted key, on the bundle's own ledger, at that index.
import { bytesEqual } from './bytes.js';
import { checkReceipt } from './receipt.js';
import type { VerifierKey } from './note.js';

/** The folder of cited entries at the bundle's top level. */
export const EVIDENCE_CITED_DIR = 'ledger';
/** A cited entry or receipt larger than this is refused unread: an entry is at most 64 KiB. */
export const EVIDENCE_CITED_MAX_BYTES = 1 << 20;

const CITED_RE = /^ledger\/(0|[1-9][0-9]*)\.(json|tlog-proof)$/;

/** The two paths of cited entry `index`. */
export function citedEntryPaths(index: number): { readonly entry: string; readonly receipt: string } {
  return { entry: `${EVIDENCE_CITED_DIR}/${index}.json`, receipt: `${EVIDENCE_CITED_DIR}/${index}.tlog-proof` };
}

/** True for `ledger/<index>.json` and `ledger/<index>.tlog-proof` (index in canonical decimal). */
export function isCitedPath(path: string): boolean {
  return CITED_RE.test(path);
}

export interface CitedFailure {
  readonly detail: string;
  readonly path: string;
}

/**
 * Checks every cited pair among `files`, in index order; undefined when all hold. `files` must hold
 * the bytes (not only a digest) of each cited path; `origin` is the bundle receipt's ledger.
 */
export function checkCitedEntries(files: ReadonlyMap<string, unknown>, trusted: readonly VerifierKey[], origin: string): CitedFailure | undefined {
  const indices = new Set<number>();
  for (const p of files.keys()) {
    const m = CITED_RE.exec(p);
    if (m) indices.add(Number(m[1]));
  }
  for (const index of [...indices].sort((a, b) => a - b)) {
    const { entry: ep, receipt: rp } = citedEntryPaths(index);
    const entry = files.get(ep);
    const receipt = files.get(rp);
    if (entry === undefined) return { path: rp, detail: `${rp}: no ${ep} beside it` };
    if (receipt === undefined) return { path: ep, detail: `${ep}: no ${rp} beside it` };
    for (const [p, v] of [
      [rp, receipt],
      [ep, entry],
    ] as const) {
      if (!(v instanceof Uint8Array)) return { path: p, detail: `${p}: over ${EVIDENCE_CITED_MAX_BYTES} bytes or not read` };
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(receipt as Uint8Array);
    } catch {
      return { path: rp, detail: `${rp}: not UTF-8` };
    }
    const rc = checkReceipt(text, trusted);
    if (!rc.ok) return { path: rp, detail: `${rp}: ${rc.reason} ${rc.detail}` };
    const r = rc.receipt;
    if (r.checkpoint.origin !== origin) return { path: rp, detail: `${rp}: a checkpoint of ${r.checkpoint.origin}, not of ${origin}` };
    if (r.index !== index) return { path: rp, detail: `${rp}: proves entry ${r.index}, not ${index}` };
    let seq: unknown;
    try {
      seq = (JSON.parse(Buffer.from(r.entry!).toString('utf8')) as { seq?: unknown }).seq;
    } catch {
      seq = undefined;
    }
    if (seq !== index) return { path: rp, detail: `${rp}: the proven leaf is not a ledger entry with seq ${index}` };
    if (!bytesEqual(entry as Uint8Array, r.entry!)) return { path: ep, detail: `${ep}: differs from the entry ${rp} proves` };
  }
  return undefined;
}
