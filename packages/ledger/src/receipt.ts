// C2SP tlog-proof receipts: an entry, its index, an inclusion proof and the checkpoint it is proven under.
import { fromBase64, toBase64, type Hash } from './bytes.js';
import { parseSignedCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import { LedgerError } from './errors.js';
import { checkNoteSignatures, type VerifierKey } from './note.js';
import { leafHash, verifyInclusion } from './tree.js';

export const RECEIPT_HEADER = 'c2sp.org/tlog-proof@v1';

export interface Receipt {
  /** The entry bytes (the `extra` line), when present. */
  readonly entry: Uint8Array | undefined;
  readonly index: number;
  readonly proof: readonly Hash[];
  readonly checkpoint: SignedCheckpoint;
}

export function formatReceipt(r: { entry: Uint8Array; index: number; proof: readonly Hash[]; checkpointNote: string }): string {
  const lines = [RECEIPT_HEADER, `extra ${toBase64(r.entry)}`, `index ${r.index}`, ...r.proof.map(toBase64)];
  return `${lines.join('\n')}\n\n${r.checkpointNote}`;
}

export function parseReceipt(text: string): Receipt {
  const blank = text.indexOf('\n\n');
  if (blank < 0) throw new LedgerError('RECEIPT_MALFORMED', 'receipt: no blank line before the checkpoint');
  const head = text.slice(0, blank).split('\n');
  if (head[0] !== RECEIPT_HEADER) throw new LedgerError('RECEIPT_MALFORMED', `receipt: first line must be ${RECEIPT_HEADER}`);
  let i = 1;
  let entry: Uint8Array | undefined;
  if (head[i]?.startsWith('extra ')) {
    entry = fromBase64(head[i]!.slice(6));
    if (!entry) throw new LedgerError('RECEIPT_MALFORMED', 'receipt: extra is not base64');
    i++;
  }
  const m = /^index (0|[1-9][0-9]*)$/.exec(head[i] ?? '');
  if (!m || !Number.isSafeInteger(Number(m[1]))) throw new LedgerError('RECEIPT_MALFORMED', `receipt: line ${i + 1} must be "index <n>"`);
  const index = Number(m[1]);
  const proof: Hash[] = [];
  for (let j = i + 1; j < head.length; j++) {
    const h = fromBase64(head[j]!);
    if (!h || h.byteLength !== 32) throw new LedgerError('RECEIPT_MALFORMED', `receipt: line ${j + 1} is not a base64 SHA-256 hash`);
    proof.push(h);
  }
  let checkpoint: SignedCheckpoint;
  try {
    checkpoint = parseSignedCheckpoint(text.slice(blank + 2));
  } catch (e) {
    throw new LedgerError('RECEIPT_MALFORMED', `receipt: ${(e as Error).message}`);
  }
  return { entry, index, proof, checkpoint };
}

export type ReceiptFailure = 'RECEIPT_MALFORMED' | 'SIGNATURE_INVALID' | 'UNTRUSTED_SIGNER' | 'PROOF_INVALID' | 'NO_ENTRY';

export type ReceiptCheck =
  | { readonly ok: true; readonly receipt: Receipt; readonly signers: readonly VerifierKey[] }
  | { readonly ok: false; readonly reason: ReceiptFailure; readonly detail: string };

/**
 * Checks a receipt against trusted keys: the checkpoint signature, then the inclusion of the
 * entry's leaf under the checkpoint's root, at the checkpoint's size (never a size from elsewhere).
 */
export function checkReceipt(text: string, trusted: readonly VerifierKey[]): ReceiptCheck {
  let receipt: Receipt;
  try {
    receipt = parseReceipt(text);
  } catch (e) {
    return { ok: false, reason: 'RECEIPT_MALFORMED', detail: (e as Error).message };
  }
  const { valid, invalid } = checkNoteSignatures(receipt.checkpoint.note, trusted);
  if (invalid.length > 0) return { ok: false, reason: 'SIGNATURE_INVALID', detail: `bad checkpoint signature from ${invalid[0]!.name}` };
  if (valid.length === 0) return { ok: false, reason: 'UNTRUSTED_SIGNER', detail: 'checkpoint carries no signature from a trusted key' };
  if (!receipt.entry) return { ok: false, reason: 'NO_ENTRY', detail: 'receipt has no extra line with the entry' };
  const { size, root } = receipt.checkpoint;
  if (!verifyInclusion(receipt.index, size, leafHash(receipt.entry), receipt.proof, root)) {
    return { ok: false, reason: 'PROOF_INVALID', detail: `entry ${receipt.index} is not proven included in the tree of size ${size}` };
  }
  return { ok: true, receipt, signers: valid };
}
