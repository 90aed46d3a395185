// Append throughput: one appender and 64 concurrent appenders, on SQLite and PostgreSQL, against raw
// durable commits/s (a bare INSERT+COMMIT loop with the same durability settings) in the same run.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { BundleVerifier, checkpointFileName, generateSigner, manifestBytes } from '@runledger/ledger';
import { LedgerReader, LedgerWriter, openStore, type StoreConfig } from '@runledger/store';
import { pgFactory, sqliteFactory, type Fixture } from '@runledger/testkit';
import { status, statusDone, type Figure } from './lib.js';

const ORIGIN = 'bench.runledger.local/append';
const payload = { step: 'restart', exitCode: 0, durationMs: 1234, stdoutSha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' };

/** Runs `fn` repeatedly for about `ms`; returns operations per second. */
async function rate(ms: number, fn: () => Promise<number>): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) n += await fn();
  return (n / (performance.now() - t0)) * 1000;
}

function rawSqlite(file: string, ms: number): number {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS raw_commits (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  const ins = db.prepare('INSERT INTO raw_commits (body) VALUES (?)');
  const body = randomBytes(300);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) {
    ins.run(body); // autocommit: one durable commit per row
    n++;
  }
  const r = (n / (performance.now() - t0)) * 1000;
  db.close();
  return r;
}

async function rawPostgres(url: string, ms: number): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('CREATE TABLE IF NOT EXISTS raw_commits (id bigserial PRIMARY KEY, body bytea NOT NULL)');
  const body = randomBytes(300);
  const r = await rate(ms, async () => {
    await c.query('INSERT INTO raw_commits (body) VALUES ($1)', [body]);
    return 1;
  });
  await c.end();
  return r;
}

interface Measured {
  single: number;
  concurrent: number;
  commitsPerBatch: number;
  /** Process CPU (user + system) per entry over the 64-way run, µs. */
  writerCpu: number;
  /** CPU per entry of the ledger package's verifier over the same ledger, µs. */
  verifierCpu: number;
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}

/** Verifies the appended ledger (entries in memory, latest checkpoint) and returns CPU µs per entry. */
async function verifierCpuPerEntry(store: Awaited<ReturnType<typeof openStore>>, signer: ReturnType<typeof generateSigner>): Promise<number> {
  const reader = new LedgerReader(store);
  const cp = (await reader.latestCheckpoint())!;
  const lines: Uint8Array[] = [];
  for await (const e of reader.iterateEntries(0, cp.size)) lines.push(e.bytes);
  const files = { manifest: manifestBytes(ORIGIN, cp.size), checkpoints: [{ name: checkpointFileName(cp.size), text: cp.note }] };
  // Several passes, the least CPU wins: the first warms the JIT (the writer's figure is taken after
  // its own warm-up too), and the least is the one least disturbed by other load on the machine.
  let best = Infinity;
  const t0 = performance.now();
  for (let pass = 0; pass < 20 && (pass < 3 || performance.now() - t0 < 300); pass++) {
    const c0 = process.cpuUsage();
    const v = new BundleVerifier(files, { trusted: [signer] });
    for (const l of lines) if (!v.push(l)) break;
    const r = v.finish();
    best = Math.min(best, cpuMicros(c0));
    if (!r.ok) throw new Error(`the appended ledger does not verify: ${r.reason} at ${r.index}: ${r.detail}`);
  }
  return best / lines.length;
}

async function measure(config: StoreConfig, ms: number): Promise<Measured> {
  const store = await openStore(config);
  const signer = generateSigner(ORIGIN);
  const writer = await LedgerWriter.open({ store, origin: ORIGIN, signers: [signer] });
  await writer.init({ actor: { kind: 'system', id: 'bench' } });
  let i = 0;
  const append = () =>
    writer.append({ type: 'run.step.finished', actor: { kind: 'service', id: 'engine' }, subject: { kind: 'run', id: `r${i++ % 50}` }, data: payload });
  // Warm up (JIT, statement caches).
  for (let k = 0; k < 50; k++) await append();
  const single = await rate(ms, async () => {
    await append();
    return 1;
  });
  const c0 = writer.stats.commits;
  const e0 = writer.stats.entries;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let done = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() - t0 < ms) {
        await append();
        done++;
      }
    }),
  );
  const concurrent = (done / (performance.now() - t0)) * 1000;
  const writerCpu = cpuMicros(cpu0) / done;
  const commitsPerBatch = (writer.stats.entries - e0) / Math.max(1, writer.stats.commits - c0);
  await writer.close();
  const verifierCpu = await verifierCpuPerEntry(store, signer);
  await store.close();
  return { single, concurrent, commitsPerBatch, writerCpu, verifierCpu };
}

function figures(dialect: string, raw: number, m: Measured): Figure[] {
  return [
    {
      section: 'ledger.append',
      name: `${dialect}: single appender`,
      value: m.single,
      unit: 'entries/s',
      baseline: { name: 'raw durable INSERT+COMMIT loop', value: raw },
      goal: '≥ 0.7× raw commits/s',
      met: m.single / raw >= 0.7,
    },
    {
      section: 'ledger.append',
      name: `${dialect}: 64 concurrent appenders`,
      value: m.concurrent,
      unit: 'entries/s',
      baseline: { name: 'single appender, same run', value: m.single },
      goal: '≥ 10× single appender',
      met: m.concurrent / m.single >= 10,
      note: `(${m.commitsPerBatch.toFixed(1)} entries per commit)`,
    },
    {
      section: 'ledger.append',
      name: `${dialect}: writer CPU per entry, 64 concurrent appenders`,
      value: m.writerCpu,
      unit: 'µs',
      baseline: { name: 'verifier CPU per entry over the same ledger', value: m.verifierCpu },
      goal: '≤ 4× verifier CPU per entry',
      met: m.writerCpu / m.verifierCpu <= 4,
      note: '(process.cpuUsage, user + system, all threads)',
    },
  ];
}

export async function benchAppend(_outDir: string, quick: boolean): Promise<Figure[]> {
  const ms = quick ? 1000 : 4000;
  const out: Figure[] = [];

  status('ledger.append: SQLite (WAL, synchronous=FULL)…');
  await sqliteFactory.setup();
  const sq: Fixture = await sqliteFactory.create();
  const rawSq = rawSqlite(join(sq.home, 'raw.db'), ms);
  out.push(...figures('SQLite', rawSq, await measure(sq.config, ms)));
  await sqliteFactory.teardown();

  status('ledger.append: PostgreSQL (fsync on)…');
  const pgf = pgFactory();
  await pgf.setup();
  try {
    const f = await pgf.create();
    const rawPg = await rawPostgres(pgf.urls(await pgf.createDatabase()).main, ms);
    out.push(...figures('PostgreSQL', rawPg, await measure(f.config, ms)));
  } finally {
    await pgf.teardown();
  }
  statusDone();
  return out;
}
