// The HTTP API's own error codes (auth, roles, rate limits, request validation, bodies, verification)
// and the complete catalogue the API and the CLI answer from: the runtime's (every layer below) plus
// these. docs/errors.md is generated from the complete one (`npm run docs:errors`).
import { CodedError, type ErrorDetail } from '@runledger/ledger';
import {
  describeError as describeRuntimeError,
  ERROR_CATALOGUE as RUNTIME_ERRORS,
  EXIT,
  renderErrorsDoc as renderDoc,
  type DescribedError,
  type ErrorCode as RuntimeErrorCode,
  type ErrorInfo,
} from '@runledger/runtime';

export type ApiErrorCode =
  | 'AUTH_REQUIRED'
  | 'AUTH_INVALID'
  | 'FORBIDDEN_ROLE'
  | 'RATE_LIMITED'
  | 'VALIDATION_FAILED'
  | 'CSRF_FAILED'
  | 'SHUTTING_DOWN'
  | 'TOKEN_NAME_TAKEN'
  | 'RUNBOOK_NOT_FOUND'
  | 'SECRET_INPUT_IN_BODY'
  | 'NO_SESSION'
  | 'VERIFY_BUSY'
  | 'TRUST_FILE_INVALID'
  | 'BODY_TOO_LARGE'
  | 'MEDIA_TYPE_UNSUPPORTED'
  | 'INTEGRATION_UNKNOWN'
  | 'INTEGRATION_AUTH_FAILED'
  | 'ALERT_BODY_INVALID'
  | 'SILENCE_INVALID'
  | 'SCHEDULE_UNKNOWN'
  | 'INTAKE_FAULT'
  | 'CATALOG_ENTRY_NOT_FOUND';

/** Errors raised by the HTTP server (and the token commands); statuses come from API_ERRORS below. */
export class ApiError extends CodedError<ApiErrorCode> {
  override readonly name = 'ApiError';
  constructor(
    code: ApiErrorCode,
    message: string,
    /** Seconds a client should wait before retrying (RATE_LIMITED, SHUTTING_DOWN). */
    readonly retryAfterSeconds?: number,
    details?: readonly ErrorDetail[],
  ) {
    super(code, message, details ? { details } : undefined);
  }
}

export const API_ERRORS: Readonly<Record<ApiErrorCode, ErrorInfo>> = {
  AUTH_REQUIRED: { exit: EXIT.DENIED, http: 401, summary: 'The request carries no credentials: send `Authorization: Bearer <token>`.' },
  AUTH_INVALID: { exit: EXIT.DENIED, http: 401, summary: 'The token is unknown, malformed or revoked.' },
  FORBIDDEN_ROLE: { exit: EXIT.DENIED, http: 403, summary: 'The token’s role is below the role the route needs (viewer < operator < approver < admin).' },
  RATE_LIMITED: {
    exit: EXIT.UNAVAILABLE,
    http: 429,
    summary: 'Too many requests (per token) or failed sign-ins (per client); retry after the Retry-After header.',
  },
  BODY_TOO_LARGE: {
    exit: EXIT.USAGE,
    http: 413,
    summary: 'The request body is larger than the server reads (256 KiB; 4 MiB on the alert intake routes), whatever its content type.',
  },
  MEDIA_TYPE_UNSUPPORTED: { exit: EXIT.USAGE, http: 415, summary: 'The request body’s content type is not one the API reads: send `application/json`.' },
  VALIDATION_FAILED: { exit: EXIT.USAGE, http: 400, summary: 'The request does not match the route’s schema; the message names the field.' },
  CSRF_FAILED: {
    exit: EXIT.DENIED,
    http: 403,
    summary: 'A state-changing request with the session cookie lacks the session’s `X-CSRF-Token`, or comes from another origin.',
  },
  NO_SESSION: { exit: EXIT.USAGE, http: 404, summary: 'The request authenticated with a bearer token, not a web session: there is no session to show.' },
  TRUST_FILE_INVALID: {
    exit: EXIT.CONFIG,
    http: 503,
    summary:
      'The trust file (`trust.vkeys` in the ledger home) the server verifies against is missing, empty or malformed: no verdict; the last verification becomes `unknown` with this reason.',
  },
  VERIFY_BUSY: { exit: EXIT.UNAVAILABLE, http: 409, summary: 'A ledger verification is already running on this server; wait for its result.' },
  CATALOG_ENTRY_NOT_FOUND: {
    exit: EXIT.NOT_FOUND,
    http: 404,
    summary: 'No service, check or checklist by that name in the service catalog in force (or no catalog is loaded).',
  },
  RUNBOOK_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No runbook with that id in the server’s runbooks directory.' },
  SECRET_INPUT_IN_BODY: {
    exit: EXIT.USAGE,
    http: 400,
    summary: 'A secret input was sent in the request body; secrets come only from the server’s environment or files.',
  },
  SHUTTING_DOWN: {
    exit: EXIT.UNAVAILABLE,
    http: 503,
    summary: 'The server is draining before it stops and takes no new work; retry against a running instance.',
  },
  INTEGRATION_UNKNOWN: {
    exit: EXIT.NOT_FOUND,
    http: 404,
    summary: 'No integration of that name and type in the operations file (`integrations:`); the sender’s URL names one.',
  },
  INTEGRATION_AUTH_FAILED: {
    exit: EXIT.DENIED,
    http: 401,
    summary: 'The alert sender did not present the integration’s secret (Alertmanager: `http_config.authorization`; Events v2: `routing_key`).',
  },
  ALERT_BODY_INVALID: {
    exit: EXIT.USAGE,
    http: 400,
    summary: 'The alert body is not the format the integration speaks; `details` names each problem by JSON pointer. Not retried.',
  },
  SILENCE_INVALID: { exit: EXIT.USAGE, http: 400, summary: 'A silence needs valid matchers and an end after its start.' },
  SCHEDULE_UNKNOWN: { exit: EXIT.NOT_FOUND, http: 404, summary: 'No on-call schedule of that name in the operations file.' },
  INTAKE_FAULT: { exit: EXIT.UNAVAILABLE, http: 503, summary: 'A test fault made the alert intake fail on purpose (never set in production).' },
  TOKEN_NAME_TAKEN: { exit: EXIT.CONFLICT, http: 409, summary: 'An API token with that name already exists (names are identities in the ledger).' },
};

export type ErrorCode = RuntimeErrorCode | ApiErrorCode;

/** Every code a client or an operator can meet, with its exit code and HTTP status. */
export const ERROR_CATALOGUE: Readonly<Record<ErrorCode, ErrorInfo>> = { ...RUNTIME_ERRORS, ...API_ERRORS };

/** Maps any thrown value to its code, exit code and HTTP status (API errors included). Unknown errors are INTERNAL. */
export interface DescribedApiError extends Omit<DescribedError, 'code'> {
  readonly code: ErrorCode;
}

export function describeError(e: unknown): DescribedApiError {
  if (e instanceof ApiError) {
    const info = API_ERRORS[e.code];
    return { code: e.code, message: e.message, exit: info.exit, http: info.http };
  }
  return describeRuntimeError(e);
}

/** docs/errors.md from the complete catalogue. */
export function renderErrorsDoc(): string {
  return renderDoc(ERROR_CATALOGUE);
}
