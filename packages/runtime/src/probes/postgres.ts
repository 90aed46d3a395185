// PostgreSQL probe: connect with pg and run `SELECT 1` (or the given query). The DSN's password never
// appears in the detail: the URL is shown with the password masked, and the password is redacted by
// value from whatever the server or driver says.
import pg from 'pg';
import type { Outcome } from './http.js';
import type { PostgresProbe } from './spec.js';
import { Deadline, describeError, oneLine, quote, safeUrl } from './util.js';

export async function postgresProbe(spec: PostgresProbe, timeoutMs: number, signal: AbortSignal | undefined): Promise<Outcome> {
  const query = spec.query ?? 'SELECT 1';
  const target = `postgres ${safeUrl(spec.url)}: ${oneLine(query, 60)}`;
  const dl = new Deadline(timeoutMs, signal);
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
    dl.dispose();
    return { ok: false, detail: `${target} → ${describeError(err)}` };
  }
  // A connection dropped after the check must not become an uncaught 'error' event.
  client.on('error', () => {});
  try {
    await dl.race(client.connect());
    const res = await dl.race(client.query(query));
    const last = Array.isArray(res) ? (res as pg.QueryResult[])[res.length - 1] : res;
    return { ok: true, detail: `${target} → ${summarize(last)}` };
  } catch (err) {
    if (dl.fired) return { ok: false, detail: `${target} → ${dl.reason}` };
    const code = (err as { code?: unknown }).code;
    // SQLSTATE codes are five characters; anything else is a connection-level error.
    const sqlstate = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? `error ${code}: ` : '';
    return { ok: false, detail: `${target} → ${sqlstate}${describeError(err)}` };
  } finally {
    dl.dispose();
    client.end().catch(() => {});
  }
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
