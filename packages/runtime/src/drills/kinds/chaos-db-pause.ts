// Chaos db-pause (PostgreSQL): while appenders keep appending, the database stops taking ledger writes
// for N seconds (a session holds an EXCLUSIVE lock on the entries table) and every connection of
// Runledger's role to the database is dropped (pg_terminate_backend). Then: every acknowledged append
// is in the ledger at the index it was acknowledged with, appends resume, every append that failed is
// retried with its idempotency key and lands once, and the ledger verifies in full. RTO: the end of the
// outage to the first acknowledged append after it.
import pg from 'pg';
import type { DrillCheck } from '@runledger/core';
import { LEDGER_SCHEMA } from '@runledger/store';
import { describeError, RuntimeError } from '../../errors.js';
import type { DrillOutcome, DrillRunContext } from '../kind.js';
import { ledgerVerifiesCheck } from './verify.js';

export const PROBE_TYPE = 'chaos.probe';
const APPENDERS = 3;
const EVERY_MS = 50;
const BEFORE_MS = 1000;
const AFTER_MS = 1000;
const RESUME_WITHIN_MS = 60_000;

interface Probe {
  readonly n: number;
  readonly idem: string;
  readonly startedMs: number;
  endedMs?: number;
  seq?: number;
  error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runDbPause(ctx: DrillRunContext, pauseSeconds: number): Promise<DrillOutcome> {
  const config = ctx.ledger.store.config;
  if (config.kind !== 'postgres') throw new RuntimeError('DRILL_NOT_AVAILABLE', 'chaos db-pause pauses PostgreSQL; this store is SQLite');
  const writer = ctx.ledger.writer!;
  const probes: Probe[] = [];
  const checks: DrillCheck[] = [];
  const timings: Record<string, number> = {};
  const append = async (p: Probe): Promise<void> => {
    try {
      const r = await writer.append({ type: PROBE_TYPE, actor: ctx.actor, subject: { kind: 'drill', id: ctx.id }, idem: p.idem, data: { n: p.n } });
      p.seq = r.seq;
    } catch (e) {
      const d = describeError(e);
      p.error = `${d.code}: ${d.message}`;
    }
    p.endedMs = performance.now();
  };
  let stop = false;
  const appender = async (): Promise<void> => {
    while (!stop) {
      const n = probes.length;
      const p: Probe = { n, idem: `drill:${ctx.id}:probe:${n}`, startedMs: performance.now() };
      probes.push(p);
      await append(p);
      await sleep(EVERY_MS);
    }
  };
  const loops = Array.from({ length: APPENDERS }, () => appender());

  const admin = new pg.Client({ connectionString: config.url });
  admin.on('error', () => undefined);
  let outageStart = 0;
  let outageEnd = 0;
  let terminated = 0;
  try {
    await admin.connect();
    await sleep(BEFORE_MS);
    ctx.log(`pausing the database for ${pauseSeconds} s: ledger writes blocked, Runledger's connections dropped (${probes.length} appends so far)`);
    outageStart = performance.now();
    await admin.query('BEGIN');
    await admin.query(`LOCK TABLE ${LEDGER_SCHEMA}.ledger_entries IN EXCLUSIVE MODE`);
    const killed = await admin.query<{ ok: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND usename = current_user AND backend_type = 'client backend'`,
    );
    terminated = killed.rows.filter((r) => r.ok).length;
    await sleep(pauseSeconds * 1000);
    await admin.query('COMMIT');
    outageEnd = performance.now();
    timings['outage'] = (outageEnd - outageStart) / 1000;
    ctx.log(`the database is back (${terminated} connection(s) were dropped); waiting for appends to resume`);
  } catch (e) {
    stop = true;
    await Promise.all(loops);
    await admin.end().catch(() => undefined);
    throw new RuntimeError('INTERNAL', `the outage could not be caused: ${(e as Error).message}`, { cause: e });
  }
  await admin.end().catch(() => undefined);

  // Recovery: the first append started after the outage that is acknowledged.
  const deadline = performance.now() + RESUME_WITHIN_MS;
  let resumed: Probe | undefined;
  while (!resumed && performance.now() < deadline) {
    resumed = probes.filter((p) => p.startedMs >= outageEnd && p.seq !== undefined).sort((a, b) => a.endedMs! - b.endedMs!)[0];
    if (!resumed) await sleep(20);
  }
  const recoverySeconds = resumed ? (resumed.endedMs! - outageEnd) / 1000 : undefined;
  await sleep(AFTER_MS);
  stop = true;
  await Promise.all(loops);
  if (recoverySeconds !== undefined) timings['recovery'] = recoverySeconds;

  const acknowledged = probes.filter((p) => p.seq !== undefined);
  const failed = probes.filter((p) => p.seq === undefined);
  const delayed = probes.filter(
    (p) => p.seq !== undefined && p.startedMs < outageEnd && p.endedMs! > outageStart && p.endedMs! - p.startedMs >= (pauseSeconds * 1000) / 2,
  );
  checks.push({
    name: 'outage felt',
    ok: terminated > 0 || failed.length > 0 || delayed.length > 0,
    detail: `${terminated} connection(s) dropped; ${failed.length} append(s) failed and ${delayed.length} waited through the pause`,
  });
  checks.push({
    name: 'appends resumed',
    ok: recoverySeconds !== undefined,
    detail:
      recoverySeconds !== undefined
        ? `the first append after the outage was acknowledged ${recoverySeconds.toFixed(3)} s after it ended`
        : `no append succeeded within ${RESUME_WITHIN_MS / 1000} s`,
  });

  // Every acknowledged append is where it was acknowledged, with its key.
  const lost: string[] = [];
  for (const p of acknowledged) {
    const e = await ctx.ledger.reader.entry(p.seq!);
    if (e?.entry.idem !== p.idem) lost.push(`${p.idem} (acknowledged as entry ${p.seq})`);
  }
  checks.push({
    name: 'no acknowledged append lost',
    ok: lost.length === 0,
    detail: lost.length === 0 ? `all ${acknowledged.length} acknowledged appends are in the ledger at their index` : `missing: ${lost.slice(0, 5).join(', ')}`,
  });

  // A failed append may or may not have committed: retried with its key, each lands exactly once.
  for (const p of failed) await append(p);
  const stored = await ctx.ledger.reader.entriesByIdemPrefix(`drill:${ctx.id}:probe:`, 100_000);
  const keys = new Set(stored.map((e) => e.entry.idem));
  const missing = probes.filter((p) => !keys.has(p.idem));
  checks.push({
    name: 'nothing duplicated',
    ok: stored.length === probes.length && keys.size === stored.length && missing.length === 0,
    detail: `${probes.length} appends (${failed.length} retried with their idempotency key): ${stored.length} entries, ${keys.size} distinct keys${
      missing.length
        ? `; missing ${missing
            .map((p) => p.idem)
            .slice(0, 5)
            .join(', ')}`
        : ''
    }`,
  });
  checks.push(await ledgerVerifiesCheck(ctx.ledger));
  ctx.log(
    `${acknowledged.length} appends acknowledged, ${failed.length} failed during the outage and were retried; recovery ${recoverySeconds?.toFixed(3) ?? '—'} s`,
  );

  return {
    measured: { ...(recoverySeconds !== undefined ? { rtoSeconds: recoverySeconds } : {}), steps: timings },
    checks,
    steps: [
      `appended ${PROBE_TYPE} entries from ${APPENDERS} appenders every ${EVERY_MS} ms`,
      `held an EXCLUSIVE lock on the ledger entries for ${pauseSeconds} s and dropped ${terminated} connection(s) of the role`,
      `checked every acknowledged append, retried the ${failed.length} failed ones with their keys, verified the ledger`,
    ],
    files: [
      {
        path: 'chaos/appends.json',
        bytes: `${JSON.stringify(
          {
            scenario: 'db-pause',
            pauseSeconds,
            terminated,
            outage: { startMs: 0, endMs: Math.round(outageEnd - outageStart) },
            appends: probes.map((p) => ({
              n: p.n,
              idem: p.idem,
              startMs: Math.round(p.startedMs - outageStart),
              endMs: p.endedMs !== undefined ? Math.round(p.endedMs - outageStart) : null,
              seq: p.seq ?? null,
              error: p.error ?? null,
            })),
          },
          null,
          2,
        )}\n`,
      },
    ],
  };
}
