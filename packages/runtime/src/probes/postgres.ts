// PostgreSQL probe: connect with pg and run `SELECT 1` (or the given query); the first row's values are
// the observation, and `expectValue` checks its first column (a migration head, a replication role).
// The DSN's password never appears in the detail: the URL is shown with the password masked, and the
// password is redacted by value from whatever the server or driver says.
import { Socket } from 'node:net';
import pg from 'pg';
import { cap, MAX_OBSERVED_COLUMNS, MAX_OBSERVED_VALUE_CHARS } from './observe.js';
import { fail, pass, type Outcome } from './outcome.js';
import type { PhaseClock } from './phases.js';
import { reasonOf, type FailureReason } from './reasons.js';
import type { PostgresProbe, ProbeObservation } from './spec.js';
import { Deadline, describeError, oneLine, PeerClosed, quote, safeUrl } from './util.js';

export async function postgresProbe(spec: PostgresProbe, timeoutMs: number, signal: AbortSignal | undefined, clock: PhaseClock): Promise<Outcome> {
  const query = spec.query ?? 'SELECT 1';
  const target = `postgres ${safeUrl(spec.url)}: ${oneLine(query, 60)}`;
  let client: pg.Client;
  try {
    client = new pg.Client({
      connectionString: spec.url,
      // Our deadline is the one that counts; pg's own limits only back it up.
      connectionTimeoutMillis: timeoutMs + 1000,
      query_timeout: timeoutMs + 1000,
      application_name: 'runledger-probe',
    });
  } catch (err) {
    return fail('invalid', `${target} → ${describeError(err)}`);
  }
  // A connection dropped after the check must not become an uncaught 'error' event.
  client.on('error', () => {});
  // pg's socket (when it is a plain net socket) gives the DNS and TCP connect phases; its startup and
  // authentication exchange is not a "first byte", so that mark is not taken.
  const stream = (client.connection as { stream?: unknown }).stream;
  if (stream instanceof Socket) clock.watch(stream, false);
  else clock.start();
  const dl = new Deadline(timeoutMs, signal);
  let connected = false;
  try {
    await dl.race(client.connect());
    connected = true;
    const res = await dl.race(client.query(query));
    const last = Array.isArray(res) ? (res as pg.QueryResult[])[res.length - 1] : res;
    const observation = observe(last, clock.now());
    const summary = `${target} → ${summarize(last)}`;
    if (spec.expectValue === undefined) return pass(summary, observation);
    const first = observation.rows?.[0];
    if (first === undefined) return fail('result', `${summary}, expected a row with ${quote(spec.expectValue)}`, observation);
    if (first !== spec.expectValue)
      return fail('result', `${target} → first value ${first === null ? 'NULL' : quote(first)}, expected ${quote(spec.expectValue)}`, observation);
    return pass(summary, observation);
  } catch (err) {
    if (dl.fired) {
      const stage = connected ? 'waiting for the query result' : 'connecting';
      return fail(dl.timedOut ? 'timeout' : 'aborted', `${target} → ${dl.explain(stage)}`);
    }
    const code = (err as { code?: unknown }).code;
    // SQLSTATE codes are five characters; anything else is a connection-level error.
    const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
    return fail(reasonFor(err, sqlstate), `${target} → ${sqlstate ? `error ${sqlstate}: ` : ''}${describeError(err)}`);
  } finally {
    dl.dispose();
    client.end().catch(() => {});
  }
}

/** Class 28 is "invalid authorization"; any other SQLSTATE is the server answering the check with an error. */
function reasonFor(err: unknown, sqlstate: string | undefined): FailureReason {
  if (sqlstate) return sqlstate.startsWith('28') ? 'auth' : 'result';
  if (err instanceof Error && /Connection terminated/i.test(err.message)) return reasonOf(new PeerClosed(err.message));
  return reasonOf(err);
}

function observe(res: pg.QueryResult | undefined, latencyMs: number): ProbeObservation {
  const first = res?.rows[0] as Record<string, unknown> | undefined;
  const rows = first ? Object.values(first).slice(0, MAX_OBSERVED_COLUMNS).map(text) : [];
  return { rows, rowCount: res ? (res.rowCount ?? res.rows.length) : 0, latencyMs };
}

/** A column value as text, the way psql would print it; SQL NULL stays null. */
function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = v instanceof Date ? v.toISOString() : Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return cap(s, MAX_OBSERVED_VALUE_CHARS);
}

function summarize(res: pg.QueryResult | undefined): string {
  if (!res) return 'ok';
  const n = res.rowCount ?? res.rows.length;
  const first = res.rows[0] as Record<string, unknown> | undefined;
  const firstValue = first ? Object.values(first)[0] : undefined;
  if (res.command === 'SELECT' || firstValue !== undefined) {
    const rows = `${n} row${n === 1 ? '' : 's'}`;
    return firstValue === undefined ? rows : `${rows}, first ${quote(String(firstValue instanceof Date ? firstValue.toISOString() : firstValue), 60)}`;
  }
  return `${res.command ?? 'ok'}${res.rowCount === null ? '' : ` ${res.rowCount}`}`;
}
