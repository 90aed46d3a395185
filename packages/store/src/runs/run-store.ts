// Persistence of runs over the one Kysely interface. The state machine lives in @runledger/core; this
// stores its inputs (events) so a run can be rebuilt by replay after any crash.
import { hostname } from 'node:os';
import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool } from 'kysely';
import { StoreError, messageOf } from '../errors.js';
import type { Store } from '../open.js';
import { toSafeNumber } from '../util.js';
import type { RunsDatabase } from './schema.js';

export interface RunRecord {
  readonly id: string;
  readonly runbookId: string;
  readonly runbookTitle: string;
  readonly runbookHash: string;
  readonly file: string;
  readonly source: string;
  readonly environment: string;
  readonly requester: string;
  readonly state: string;
  readonly reason: string | null;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly lock: string | null;
  readonly eventCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What a list of runs shows: no source, no inputs (cheaper to read). */
export type RunSummaryRecord = Pick<
  RunRecord,
  'id' | 'runbookId' | 'runbookTitle' | 'runbookHash' | 'environment' | 'requester' | 'state' | 'reason' | 'createdAt' | 'updatedAt'
>;

export interface StoredEvent {
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly event: unknown;
}

export interface StepOutput {
  readonly phase: string;
  readonly stepId: string;
  readonly attempt: number;
  readonly stream: 'stdout' | 'stderr';
  readonly data: Buffer;
  readonly bytesTotal: number;
  readonly truncated: boolean;
  readonly sha256: string;
}

export interface FreezeState {
  readonly frozen: boolean;
  readonly reason: string;
  readonly by: string;
  readonly at: string;
}

export interface RunFilter {
  readonly state?: string;
  readonly runbookId?: string;
  readonly limit?: number;
  /** Runs created before this ISO time (paging). */
  readonly before?: string;
  /** Requested by any of these actor ids. */
  readonly requesters?: readonly [string, ...string[]];
  /** Created at or after this ISO time. */
  readonly since?: string;
  /** Created before this ISO time (as `before`; both may be given). */
  readonly until?: string;
}

/** The filter's conditions, shared by listRuns and listRunSummaries (none: always true). */
function matching(eb: ExpressionBuilder<RunsDatabase, 'runs'>, f: RunFilter): Expression<SqlBool> {
  const c: Expression<SqlBool>[] = [];
  if (f.state) c.push(eb('state', '=', f.state));
  if (f.runbookId) c.push(eb('runbook_id', '=', f.runbookId));
  if (f.before) c.push(eb('created_at', '<', f.before));
  if (f.requesters) c.push(eb('requester', 'in', [...f.requesters]));
  if (f.since) c.push(eb('created_at', '>=', f.since));
  if (f.until) c.push(eb('created_at', '<', f.until));
  return eb.and(c);
}

type Row = RunsDatabase['runs'];

function toRecord(r: Selectable<Row>): RunRecord {
  return {
    id: r.id,
    runbookId: r.runbook_id,
    runbookTitle: r.runbook_title,
    runbookHash: r.runbook_hash,
    file: r.file,
    source: r.source,
    environment: r.environment,
    requester: r.requester,
    state: r.state,
    reason: r.reason,
    inputs: JSON.parse(r.inputs) as Record<string, unknown>,
    lock: r.lock_name,
    eventCount: Number(r.event_count),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const TERMINAL = ['succeeded', 'failed', 'rolled_back', 'aborted'];

function isUniqueViolation(e: unknown): boolean {
  const m = messageOf(e);
  const code = (e as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed|duplicate key/.test(m);
}

export class RunStore {
  private readonly db: Kysely<RunsDatabase>;
  readonly owner: string;
  /** Durable commits this store made (write transactions and single write statements), for benchmarks. */
  readonly stats = { commits: 0 };

  constructor(private readonly store: Store) {
    // Same connection as the ledger tables; the run tables have their own Kysely type.
    this.db = store.db as unknown as Kysely<RunsDatabase>;
    this.owner = `${hostname()}:${process.pid}`;
  }

  /** Creates a run with its first event; takes the runbook's lock in the same transaction. */
  async createRun(rec: Omit<RunRecord, 'eventCount' | 'updatedAt'>, first: StoredEvent): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (rec.lock) {
        const held = await trx
          .selectFrom('run_locks')
          .innerJoin('runs', 'runs.id', 'run_locks.run_id')
          .select(['run_locks.run_id', 'runs.state'])
          .where('run_locks.name', '=', rec.lock)
          .executeTakeFirst();
        if (held && !TERMINAL.includes(held.state)) {
          throw new StoreError(
            'LOCK_HELD',
            `lock ${JSON.stringify(rec.lock)} is held by run ${held.run_id} (${held.state}); two runs holding one lock never overlap`,
          );
        }
        if (held) await trx.deleteFrom('run_locks').where('name', '=', rec.lock).execute();
        await trx.insertInto('run_locks').values({ name: rec.lock, run_id: rec.id, acquired_at: rec.createdAt }).execute();
      }
      await trx
        .insertInto('runs')
        .values({
          id: rec.id,
          runbook_id: rec.runbookId,
          runbook_title: rec.runbookTitle,
          runbook_hash: rec.runbookHash,
          file: rec.file,
          source: rec.source,
          environment: rec.environment,
          requester: rec.requester,
          state: rec.state,
          reason: rec.reason,
          inputs: JSON.stringify(rec.inputs),
          lock_name: rec.lock,
          event_count: 1,
          created_at: rec.createdAt,
          updated_at: rec.createdAt,
        })
        .execute();
      await trx
        .insertInto('run_events')
        .values({ run_id: rec.id, seq: 0, at: first.at, type: first.type, event: JSON.stringify(first.event) })
        .execute();
    });
    this.stats.commits++;
  }

  /**
   * Appends the run's next event, expecting `seq` to be the next number (optimistic concurrency:
   * two processes driving one run cannot both append seq N), and updates the run's projection.
   */
  async appendEvent(
    runId: string,
    seq: number,
    ev: Omit<StoredEvent, 'seq'>,
    projection: { state: string; reason: string | null },
    outputs: readonly StepOutput[] = [],
  ): Promise<void> {
    await this.appendEvents(runId, seq, [ev], projection, outputs);
  }

  /**
   * Appends several consecutive events from `seq` on in one transaction (one durable commit), with
   * the projection after the last and the outputs of the steps they finish.
   */
  async appendEvents(
    runId: string,
    seq: number,
    evs: ReadonlyArray<Omit<StoredEvent, 'seq'>>,
    projection: { state: string; reason: string | null },
    outputs: readonly StepOutput[] = [],
  ): Promise<void> {
    const last = evs[evs.length - 1];
    if (!last) return;
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('run_events')
          .values(evs.map((ev, i) => ({ run_id: runId, seq: seq + i, at: ev.at, type: ev.type, event: JSON.stringify(ev.event) })))
          .execute();
        if (outputs.length > 0) {
          await trx
            .insertInto('run_outputs')
            .values(
              outputs.map((o) => ({
                run_id: runId,
                phase: o.phase,
                step_id: o.stepId,
                attempt: o.attempt,
                stream: o.stream,
                data: o.data,
                bytes_total: o.bytesTotal,
                truncated: o.truncated ? 1 : 0,
                sha256: o.sha256,
              })),
            )
            .execute();
        }
        const r = await trx
          .updateTable('runs')
          .set({ state: projection.state, reason: projection.reason, event_count: seq + evs.length, updated_at: last.at })
          .where('id', '=', runId)
          .where('event_count', '=', seq)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw new StoreError('RUN_CONFLICT', `run ${runId} changed under us (expected event ${seq})`);
        if (TERMINAL.includes(projection.state)) await trx.deleteFrom('run_locks').where('run_id', '=', runId).execute();
      });
      this.stats.commits++;
    } catch (e) {
      if (e instanceof StoreError) throw e;
      if (isUniqueViolation(e)) throw new StoreError('RUN_CONFLICT', `run ${runId}: another process appended event ${seq} first`, { cause: e });
      throw e;
    }
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const r = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toRecord(r);
  }

  /** A run by id or by a unique id prefix (as people type them). */
  async findRun(idOrPrefix: string): Promise<RunRecord> {
    const exact = await this.getRun(idOrPrefix);
    if (exact) return exact;
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('id', 'like', `${idOrPrefix.replace(/[%_]/g, '')}%`)
      .limit(2)
      .execute();
    if (rows.length === 1) return toRecord(rows[0]!);
    throw new StoreError('RUN_NOT_FOUND', rows.length === 0 ? `no run ${idOrPrefix}` : `run id prefix ${idOrPrefix} is ambiguous`);
  }

  async listRuns(f: RunFilter = {}): Promise<RunRecord[]> {
    const q = this.db
      .selectFrom('runs')
      .selectAll()
      .where((eb) => matching(eb, f))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(f.limit ?? 50);
    return (await q.execute()).map(toRecord);
  }

  /** listRuns without the columns a list does not show. */
  async listRunSummaries(f: RunFilter = {}): Promise<RunSummaryRecord[]> {
    const q = this.db
      .selectFrom('runs')
      .select(['id', 'runbook_id', 'runbook_title', 'runbook_hash', 'environment', 'requester', 'state', 'reason', 'created_at', 'updated_at'])
      .where((eb) => matching(eb, f))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(f.limit ?? 50);
    return (await q.execute()).map((r) => ({
      id: r.id,
      runbookId: r.runbook_id,
      runbookTitle: r.runbook_title,
      runbookHash: r.runbook_hash,
      environment: r.environment,
      requester: r.requester,
      state: r.state,
      reason: r.reason,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async events(runId: string): Promise<StoredEvent[]> {
    const rows = await this.db.selectFrom('run_events').select(['seq', 'at', 'type', 'event']).where('run_id', '=', runId).orderBy('seq').execute();
    return rows.map((r) => ({ seq: Number(r.seq), at: r.at, type: r.type, event: JSON.parse(r.event) as unknown }));
  }

  async outputs(runId: string, stepId?: string): Promise<StepOutput[]> {
    let q = this.db.selectFrom('run_outputs').selectAll().where('run_id', '=', runId);
    if (stepId) q = q.where('step_id', '=', stepId);
    const rows = await q.orderBy('phase').orderBy('step_id').orderBy('attempt').orderBy('stream').execute();
    return rows.map((r) => ({
      phase: r.phase,
      stepId: r.step_id,
      attempt: Number(r.attempt),
      stream: r.stream as 'stdout' | 'stderr',
      data: r.data,
      bytesTotal: toSafeNumber(r.bytes_total, 'run_outputs.bytes_total'),
      truncated: Number(r.truncated) === 1,
      sha256: r.sha256,
    }));
  }

  /**
   * Takes (or renews) the right to drive a run. A lease held by a live process elsewhere is
   * respected until it expires; one held by a dead process on this host is taken over at once.
   */
  async acquireLease(runId: string, ttlMs: number, now = Date.now()): Promise<{ ok: true } | { ok: false; owner: string }> {
    return this.db.transaction().execute(async (trx) => {
      const cur = await trx.selectFrom('run_leases').selectAll().where('run_id', '=', runId).executeTakeFirst();
      if (cur && cur.owner !== this.owner) {
        const expired = toSafeNumber(cur.expires_ms, 'run_leases.expires_ms') <= now;
        const deadHere = cur.host === hostname() && !processAlive(Number(cur.pid));
        if (!expired && !deadHere) return { ok: false as const, owner: cur.owner };
      }
      if (cur) await trx.deleteFrom('run_leases').where('run_id', '=', runId).execute();
      await trx
        .insertInto('run_leases')
        .values({ run_id: runId, owner: this.owner, host: hostname(), pid: process.pid, expires_ms: now + ttlMs })
        .execute();
      this.stats.commits++;
      return { ok: true as const };
    });
  }

  /** Whether the run's driver is alive (a lease that has not expired, held by a live process). */
  async leaseAlive(runId: string, now = Date.now()): Promise<boolean> {
    const cur = await this.db.selectFrom('run_leases').selectAll().where('run_id', '=', runId).executeTakeFirst();
    if (!cur) return false;
    if (cur.host === hostname() && !processAlive(Number(cur.pid))) return false;
    return toSafeNumber(cur.expires_ms, 'run_leases.expires_ms') > now;
  }

  async releaseLease(runId: string): Promise<void> {
    await this.db.deleteFrom('run_leases').where('run_id', '=', runId).where('owner', '=', this.owner).execute();
    this.stats.commits++;
  }

  async getFreeze(): Promise<FreezeState | undefined> {
    const r = await this.db.selectFrom('settings').select('value').where('key', '=', 'freeze').executeTakeFirst();
    if (!r) return undefined;
    const f = JSON.parse(r.value) as FreezeState;
    return f.frozen ? f : undefined;
  }

  async setFreeze(f: FreezeState): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('settings').where('key', '=', 'freeze').execute();
      await trx
        .insertInto('settings')
        .values({ key: 'freeze', value: JSON.stringify(f), updated_at: f.at })
        .execute();
    });
  }

  /** A JSON setting by key (e.g. the last ledger verification), or undefined. */
  async getSetting<T>(key: string): Promise<T | undefined> {
    const r = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return r ? (JSON.parse(r.value) as T) : undefined;
  }

  async putSetting(key: string, value: unknown, now: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('settings').where('key', '=', key).execute();
      await trx
        .insertInto('settings')
        .values({ key, value: JSON.stringify(value), updated_at: now })
        .execute();
    });
  }

  /** A per-store secret for keyed hashes of secret inputs; created on first use. */
  async hashKey(generate: () => string, now: string): Promise<string> {
    const r = await this.db.selectFrom('settings').select('value').where('key', '=', 'input-hash-key').executeTakeFirst();
    if (r) return r.value;
    const k = generate();
    try {
      await this.db.insertInto('settings').values({ key: 'input-hash-key', value: k, updated_at: now }).execute();
      return k;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const again = await this.db.selectFrom('settings').select('value').where('key', '=', 'input-hash-key').executeTakeFirstOrThrow();
      return again.value;
    }
  }

  get kind(): string {
    return this.store.kind;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
