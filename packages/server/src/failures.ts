// Maps anything thrown to one API error: a code from the complete catalogue (errors.ts) and its HTTP status.
import { RuntimeError, type ErrorDetail } from '@runledger/runtime';
import { ApiError, describeError, ERROR_CATALOGUE, type ErrorCode } from './errors.js';

export interface Failure {
  readonly code: ErrorCode;
  readonly status: number;
  readonly message: string;
  readonly retryAfterSeconds?: number;
  readonly details?: readonly ErrorDetail[];
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
  'SQLITE_FULL',
]);

/**
 * A database that cannot be reached or refuses connections: PostgreSQL SQLSTATE classes 08
 * (connection), 28 (authorisation), 3D (no such database), 53 (resources), 57P (shutdown); socket
 * errors; SQLite busy/unopenable. The API fails closed on these with STORE_UNAVAILABLE.
 */
export function isStoreUnavailable(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as { code?: unknown; message?: unknown; errors?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  if (CONNECTION_CODES.has(code) || /^SQLITE_(BUSY|IOERR|CANTOPEN)/.test(code)) return true;
  if (/^(08|28|3D|53|57P)/.test(code) && code.length === 5) return true;
  if (
    typeof err.message === 'string' &&
    /Connection terminated|connect ECONNREFUSED|Client has encountered a connection error|the database system is (starting up|shutting down)|is not currently accepting connections|too many clients|terminating connection/.test(
      err.message,
    )
  )
    return true;
  // AggregateError from a dual-stack connect attempt.
  if (Array.isArray(err.errors)) return err.errors.some(isStoreUnavailable);
  return false;
}

export function failureOf(e: unknown): Failure {
  const fe = e as { validation?: unknown; code?: unknown; message?: unknown; statusCode?: unknown };
  // Refused before validation: the body is too large, or of a type no route reads.
  if (fe && typeof fe === 'object' && fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return of('BODY_TOO_LARGE', String(fe.message));
  if (fe && typeof fe === 'object' && fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return of('MEDIA_TYPE_UNSUPPORTED', String(fe.message));
  if (
    fe &&
    typeof fe === 'object' &&
    (fe.validation !== undefined || (typeof fe.code === 'string' && (fe.code.startsWith('FST_ERR_CTP_') || fe.code === 'FST_ERR_VALIDATION')))
  ) {
    return { ...of('VALIDATION_FAILED', String(fe.message)), ...validationDetails(fe.validation, (fe as { validationContext?: unknown }).validationContext) };
  }
  if (e instanceof RuntimeError && e.details && e.details.length > 0) return { ...of(e.code, e.message), details: e.details };
  if (e instanceof ApiError)
    return {
      ...of(e.code, e.message),
      ...(e.details && e.details.length > 0 ? { details: e.details } : {}),
      ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}),
    };
  if (
    !(e instanceof Error && 'code' in e && typeof (e as { code: unknown }).code === 'string' && (e as { code: string }).code in ERROR_CATALOGUE) &&
    isStoreUnavailable(e)
  ) {
    return of('STORE_UNAVAILABLE', 'the database is unreachable; nothing was changed — retry when /ready passes');
  }
  const d = describeError(e);
  // Internal details stay in the log (with the request id), not in the answer.
  if (d.code === 'INTERNAL' || d.code === 'IO_ERROR') return of(d.code, 'an internal error; the server log has the details under this request id');
  return of(d.code, d.message);
}

/** ajv's errors as JSON pointers into the request part that failed (`/body/comment`, `/querystring/limit`). */
function validationDetails(validation: unknown, context: unknown): { details?: ErrorDetail[] } {
  if (!Array.isArray(validation)) return {};
  const part = typeof context === 'string' ? context : 'body';
  const details = validation.map(
    (v: { instancePath?: string; keyword?: string; message?: string; params?: { missingProperty?: string; additionalProperty?: string } }) => {
      const extra = v.params?.missingProperty ?? v.params?.additionalProperty;
      return {
        path: `/${part}${v.instancePath ?? ''}${extra ? `/${extra}` : ''}`,
        code: `SCHEMA_${String(v.keyword ?? 'invalid').toUpperCase()}`,
        message: v.message ?? 'invalid',
      };
    },
  );
  return details.length > 0 ? { details } : {};
}

function of(code: ErrorCode, message: string): Failure {
  return { code, status: ERROR_CATALOGUE[code].http, message };
}
