/**
 * Errors raised by the ledger core. Codes are a closed union so every boundary (CLI exit codes,
 * HTTP statuses) can map them exhaustively. Verification outcomes are not errors: see verifier.ts.
 */
export type LedgerErrorCode =
  | 'JCS_UNSUPPORTED_VALUE'
  | 'ENTRY_INVALID'
  | 'ENTRY_TOO_LARGE'
  | 'KEY_INVALID'
  | 'NOTE_MALFORMED'
  | 'NOTE_SIGNATURE_INVALID'
  | 'NOTE_UNTRUSTED'
  | 'CHECKPOINT_MALFORMED'
  | 'PROOF_MALFORMED'
  | 'PROOF_RANGE'
  | 'RECEIPT_MALFORMED';

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
  }
}
