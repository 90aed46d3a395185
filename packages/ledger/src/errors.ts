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
  | 'RECEIPT_MALFORMED'
  | 'EVIDENCE_INVALID';

/** One problem of several, located by a JSON pointer into the input (e.g. `/inputs/version`). */
export interface ErrorDetail {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/**
 * The base of every error that crosses a boundary, in every package: a code from its package's closed
 * union (the CLI maps it to an exit code, the API to an HTTP status, through one catalogue), a message
 * that names what and where, and optional located details. Kept here, in the package every other one
 * depends on, so the verifier, the writer, the engine and the server all throw the same shape.
 */
export abstract class CodedError<C extends string = string> extends Error {
  /** Located problems, for clients that show each next to its field (the API's `error.details`). */
  readonly details?: readonly ErrorDetail[];
  constructor(
    readonly code: C,
    message: string,
    options?: { readonly cause?: unknown; readonly details?: readonly ErrorDetail[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.details) this.details = options.details;
  }
}

export class LedgerError extends CodedError<LedgerErrorCode> {
  override readonly name = 'LedgerError';
}
