// Refusals with codes: they cross the API and CLI boundaries (exit code 3 for policy and ledger refusals).
import { CodedError } from '@runledger/ledger';

export type ReleaseErrorCode =
  | 'RELEASE_INVALID'
  | 'RELEASE_STATE'
  | 'RELEASE_UNKNOWN_GATE'
  | 'RELEASE_BUSY'
  | 'ROLLBACK_NO_TARGET'
  | 'ROLLBACK_BAD_TARGET'
  | 'ROLLBACK_REASON_REQUIRED'
  | 'ROLLBACK_DESTRUCTIVE_NEEDS_REVISION'
  | 'ROLLBACK_NEEDS_APPROVAL'
  | 'ROLLBACK_LEDGER_UNVERIFIED'
  | 'ROLLBACK_OVERRIDE_FORBIDDEN';

export class ReleaseRuleError extends CodedError<ReleaseErrorCode> {
  override readonly name = 'ReleaseRuleError';
}
