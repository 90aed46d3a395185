// The incident service: alerts in (Alertmanager, PagerDuty Events v2, Runledger's own probes), people's
// actions and due timers in; each turned into one decision of the pure machine and committed with its
// timers, delivery records and ledger drafts in one transaction. Conflicting writers (two processes on
// one PostgreSQL) are resolved by optimistic versions: the loser re-reads and decides again.
import { createHash, randomUUID } from 'node:crypto';
import {
  DEFAULT_GROUP_BY,
  decideIncident,
  incidentKey,
  openIncident,
  routeAlert,
  routeFor,
  applyFact,
  type AlertSnapshot,
  type IncidentCommand,
  type IncidentDecision,
  type IncidentFact,
  type IncidentInput,
  type IncidentModel,
  type IntakeAlert,
  type OperationsConfig,
  type PagerDutyEvent,
  type RouteMatch,
  parseAlertmanagerWebhook,
  parsePagerDutyEvent,
} from '@runledger/core';
import { canonicalize } from '@runledger/ledger';
import {
  DeliveryStore,
  IncidentStore,
  IntakeStore,
  isStoreError,
  OpsOutbox,
  StoreError,
  SilenceStore,
  type IncidentCommit,
  type IncidentRow,
  type OpsTransaction,
  type Store,
  type StoredFact,
} from '@runledger/store';
import { buildCommit, rulesFor } from './decide.js';
import { GroupCommit } from './group-commit.js';
import { bodyDraft } from './drafts.js';
import { drillKey, type DrillPlan } from './drill-plan.js';
import { silencesOf, type IncidentContext, type Recipient } from './recipients.js';

/** The operations configuration in force (reloaded on SIGHUP by the server). */
export interface OperationsState {
  readonly config: OperationsConfig;
  readonly digest: string;
  readonly path: string;
}

export interface IncidentServiceOptions {
  readonly store: Store;
  readonly operations: () => OperationsState;
  readonly clock?: () => Date;
  readonly newId?: (now: Date) => string;
  /** Called after every commit (wakes the timer loop, the delivery worker and the outbox pump). */
  readonly onCommit?: (c: { incidentId: string; timers: boolean; deliveries: boolean }) => void;
  /** An incident was opened (its route may start its runbook). */
  readonly onOpened?: (v: { incidentId: string; context: IncidentContext; model: IncidentModel }) => void;
  /** Each timer that fired, with how late (ms after its due time). */
  readonly onTimerFired?: (latenessMs: number, kind: string) => void;
}

export interface IncidentView {
  readonly row: IncidentRow;
  readonly model: IncidentModel;
  readonly context: IncidentContext;
  readonly facts: readonly StoredFact[];
}

export interface IntakeResult {
  readonly body: 'stored' | 'duplicate';
  readonly bodyId: string;
  readonly alerts: number;
  readonly incidents: readonly string[];
}

const MAX_TRIES = 8;

/** One body waiting in a batch: what is stored and what its alerts are. */
interface Arrival {
  readonly body: Parameters<IntakeStore['putMany']>[0][number];
  readonly integration: string;
  readonly alerts: readonly IntakeAlert[];
  /** An in-process drill's plan for the incidents these alerts open. */
  readonly drill?: DrillPlan;
}

interface Arrived {
  readonly stored: 'stored' | 'duplicate';
  readonly incidents: readonly string[];
}

/**
 * Applying inside the storing transaction of a batch: reads and commits go through `trx`, and what
 * must only happen once the change is durable (wake-ups, auto-run) waits in `after`.
 */
interface Batch {
  readonly trx: OpsTransaction;
  readonly after: (() => void)[];
  /** Newest incident per key as read in this batch; emptied by any commit in it (bodies of one group repeat). */
  readonly latest: Map<string, IncidentRow | undefined>;
}

/** The alerts a stored body holds, parsed again the way it was first (the body was valid when stored). */
export function alertsOfBody(kind: string, id: string, body: unknown): IntakeAlert[] {
  if (kind === 'alertmanager') {
    const r = parseAlertmanagerWebhook(body);
    return r.ok ? [...r.value.alerts] : [];
  }
  if (kind === 'events') {
    // Stored without its routing key (the integration's secret): put a stand-in back to parse it.
    const r = parsePagerDutyEvent({ ...(body as Record<string, unknown>), routing_key: 'stored' }, () => generatedDedupKey(id));
    if (!r.ok || r.value.action === 'acknowledge') return [];
    const ev = r.value;
    const at = ev.timestamp ?? new Date(0).toISOString();
    return [
      ev.action === 'trigger'
        ? { fingerprint: ev.dedupKey, labels: ev.labels ?? {}, annotations: ev.annotations ?? {}, startsAt: at, status: 'firing' }
        : { fingerprint: ev.dedupKey, labels: {}, annotations: {}, startsAt: at, status: 'resolved' },
    ];
  }
  const alerts = (body as { alerts?: IntakeAlert[] }).alerts;
  return Array.isArray(alerts) ? alerts : [];
}

/** A trigger without a dedup_key gets one from its body's digest: the same body always gets the same key. */
export function generatedDedupKey(bodyDigest: string): string {
  return `rl-${bodyDigest.slice(0, 32)}`;
}

/** Incident ids sort by opening time and carry a short random tail: `20261207T130501Z-1a2b3c4d`. */
export function newIncidentId(now: Date): string {
  const t = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${t}-${randomUUID().slice(0, 8)}`;
}

/**
 * The body's identity for de-duplication: the integration and the canonical body without the fields
 * in which two Alertmanagers of one HA pair differ (`externalURL`), so a retry or an HA twin is stored once.
 */
export function bodyId(integration: string, body: unknown): string {
  const b = typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : body;
  if (typeof b === 'object' && b !== null && !Array.isArray(b)) delete (b as Record<string, unknown>)['externalURL'];
  return createHash('sha256')
    .update(`${integration}\n${canonicalize(b)}`)
    .digest('hex');
}

export class IncidentService {
  readonly incidents: IncidentStore;
  readonly intake: IntakeStore;
  readonly deliveries: DeliveryStore;
  readonly silences: SilenceStore;
  readonly outbox: OpsOutbox;
  private readonly clock: () => Date;
  private readonly newId: (now: Date) => string;
  /** Concurrent senders' bodies share one durable commit: stored, applied and marked together. */
  private readonly arrivals: GroupCommit<Arrival, Arrived>;

  constructor(private readonly opts: IncidentServiceOptions) {
    this.incidents = new IncidentStore(opts.store);
    this.intake = new IntakeStore(opts.store);
    this.deliveries = new DeliveryStore(opts.store);
    this.silences = new SilenceStore(opts.store);
    this.outbox = new OpsOutbox(opts.store);
    this.clock = opts.clock ?? (() => new Date());
    this.newId = opts.newId ?? newIncidentId;
    this.arrivals = new GroupCommit((items) => this.holdingWakes(() => this.storeAndApply(items)));
  }

  get config(): OperationsConfig {
    return this.opts.operations().config;
  }

  // ---- intake -------------------------------------------------------------------------------

  /**
   * Stores a body (once) and applies its alerts, with whatever other bodies arrive at the same moment
   * (one transaction, one durable commit). Resolves only after the body is durably stored; a failure
   * to apply it after that leaves it for `applyPending` (the sender must not resend). `drill` is an
   * in-process drill's plan (never from a request): incidents these alerts open follow it.
   */
  async receive(
    integration: string,
    kind: 'alertmanager' | 'events' | 'internal',
    body: unknown,
    alerts: readonly IntakeAlert[],
    requestId?: string,
    drill?: DrillPlan,
  ): Promise<IntakeResult> {
    const id = bodyId(integration, body);
    const text = JSON.stringify(body);
    const now = this.clock();
    const r = await this.arrivals.submit({
      body: {
        body: { id, integration, kind, receivedAt: now.toISOString(), body: text, alertCount: alerts.length },
        draft: bodyDraft({ id, integration, kind, alerts: alerts.length, bytes: Buffer.byteLength(text), ...(requestId ? { requestId } : {}) }),
      },
      integration,
      alerts,
      ...(drill ? { drill } : {}),
    });
    return { body: r.stored, bodyId: id, alerts: alerts.length, incidents: r.incidents };
  }

  /**
   * One batch of bodies: stored and applied in ONE transaction (one durable commit, the body rows
   * written once). A body is applied as a whole, so a grouped notification pages once with all of
   * its alerts. When applying fails (a conflict with another process, a rule error), the bodies stay
   * stored and are applied one by one after the commit, each in its own transactions with retries.
   */
  private async storeAndApply(items: readonly Arrival[]): Promise<Arrived[]> {
    const touched = new Map<number, readonly string[]>();
    let after: (() => void)[] = [];
    const outcome = await this.intake.putMany(
      items.map((i) => i.body),
      async (trx, stored) => {
        const batch: Batch = { trx, after: [], latest: new Map() };
        const marks: { id: string; incidents: readonly string[] }[] = [];
        for (const k of stored) {
          const it = items[k]!;
          const incidents = await this.applyAlerts(it.integration, it.alerts, it.body.body.id, batch, it.drill);
          touched.set(k, incidents);
          marks.push({ id: it.body.body.id, incidents });
        }
        after = batch.after;
        return marks;
      },
    );
    if (outcome.applied) for (const f of after) f();
    else {
      touched.clear();
      for (const [k, result] of outcome.results.entries()) {
        if (result !== 'stored') continue;
        const it = items[k]!;
        const incidents = await this.applyAlerts(it.integration, it.alerts, it.body.body.id, undefined, it.drill);
        await this.intake.markProcessed(it.body.body.id, incidents);
        touched.set(k, incidents);
      }
    }
    return outcome.results.map((stored, k) => ({ stored, incidents: touched.get(k) ?? [] }));
  }

  /** PagerDuty Events v2: a trigger is a firing alert; acknowledge and resolve act on the alert with that key. */
  async receiveEvent(integration: string, body: unknown, ev: PagerDutyEvent, requestId?: string): Promise<IntakeResult> {
    const now = this.clock().toISOString();
    if (ev.action === 'trigger') {
      const alert: IntakeAlert = {
        fingerprint: ev.dedupKey,
        labels: ev.labels ?? {},
        annotations: ev.annotations ?? {},
        startsAt: ev.timestamp ?? now,
        status: 'firing',
      };
      return this.receive(integration, 'events', body, [alert], requestId);
    }
    if (ev.action === 'resolve') {
      const alert: IntakeAlert = { fingerprint: ev.dedupKey, labels: {}, annotations: {}, startsAt: now, status: 'resolved', endsAt: now };
      return this.receive(integration, 'events', body, [alert], requestId);
    }
    const r = await this.receive(integration, 'events', body, [], requestId);
    const incidentId = await this.incidents.incidentOfAlert(integration, ev.dedupKey);
    if (r.body === 'stored' && incidentId) {
      await this.intake.markProcessed(r.bodyId, [incidentId]);
      const view = await this.get(incidentId);
      if (view.model.state === 'triggered') await this.act(incidentId, { type: 'acknowledge', by: `integration:${integration}` });
    }
    return { ...r, incidents: incidentId ? [incidentId] : [] };
  }

  /** Applies the bodies a crash left stored but unapplied (idempotent per alert). */
  async applyPending(): Promise<number> {
    let n = 0;
    for (const b of await this.intake.unprocessed()) {
      const incidents = await this.applyAlerts(b.integration, alertsOfBody(b.kind, b.id, JSON.parse(b.body) as unknown), b.id);
      await this.intake.markProcessed(b.id, incidents);
      n++;
    }
    return n;
  }

  /**
   * Applies a body's alerts in order. Firing alerts of one incident key are decided together and
   * committed once (a grouped notification is one decision: one page, one transaction).
   */
  private async applyAlerts(integration: string, alerts: readonly IntakeAlert[], bodyId: string, batch?: Batch, drill?: DrillPlan): Promise<string[]> {
    const touched = new Set<string>();
    for (let i = 0; i < alerts.length;) {
      const a = alerts[i]!;
      if (a.status === 'resolved') {
        const id = await this.applyResolved(integration, a, bodyId, batch);
        if (id) touched.add(id);
        i++;
        continue;
      }
      const key = this.keyOf(a, drill);
      let j = i + 1;
      while (j < alerts.length && alerts[j]!.status === 'firing' && this.keyOf(alerts[j]!, drill) === key) j++;
      touched.add(await this.applyFiring(integration, alerts.slice(i, j), bodyId, batch, drill));
      i = j;
    }
    return [...touched];
  }

  private keyOf(a: IntakeAlert, drill?: DrillPlan): string {
    const routes = this.routes(a.labels);
    return drillKey(incidentKey(a.labels, routes[0]?.groupBy ?? DEFAULT_GROUP_BY), drill?.id ?? a.labels['drill']);
  }

  private routes(labels: Readonly<Record<string, string>>): RouteMatch[] {
    const root = this.config.route;
    return root.receiver ? routeFor(root, labels) : [];
  }

  private contextFor(integration: string, alert: AlertSnapshot, drill?: string, plan?: DrillPlan): IncidentContext {
    const routes = this.routes(alert.labels);
    const first = routes[0];
    return {
      integration,
      routes: routes.map((r) => ({ path: r.path, receiver: r.receiver })),
      groupBy: first?.groupBy ?? DEFAULT_GROUP_BY,
      ...(first?.escalation ? { escalation: first.escalation } : {}),
      ...(alert.labels['runbook'] || alert.annotations['runbook'] || first?.runbook
        ? { runbook: alert.labels['runbook'] ?? alert.annotations['runbook'] ?? first!.runbook! }
        : {}),
      ...(first?.autoRun ? { autoRun: true } : {}),
      labels: alert.labels,
      ...(drill ? { drill } : {}),
      ...(plan ? { drillPlan: plan } : {}),
    };
  }

  /** Firing alerts that share one incident key: opened, attached or reopened in one decision. */
  private async applyFiring(integration: string, group: readonly IntakeAlert[], bodyId: string, batch?: Batch, plan?: DrillPlan): Promise<string> {
    const snaps: AlertSnapshot[] = group.map((a) => ({ fingerprint: a.fingerprint, labels: a.labels, annotations: a.annotations, startsAt: a.startsAt }));
    const first = group[0]!;
    return this.attempt(batch, async () => {
      const now = this.clock();
      const at = now.toISOString();
      const drill = plan?.id ?? first.labels['drill'];
      const fresh = this.contextFor(integration, snaps[0]!, drill, plan);
      const key = drillKey(incidentKey(first.labels, fresh.groupBy), drill);
      const latest = await this.latestByKey(key, batch);
      const cfg = this.config;
      const alertRows = group.map((a) => ({ integration, fingerprint: a.fingerprint, status: 'firing', labels: a.labels }));
      const opening =
        routeAlert(latest?.model as IncidentModel | undefined, at, rulesFor(cfg, latest ? (latest.context as IncidentContext) : fresh)) === 'new' || !latest;
      // A new incident after a resolved one (past the flap window) starts from nothing, not from the old model.
      let model = opening ? undefined : (latest.model as IncidentModel);
      const id = opening ? this.newId(now) : latest.id;
      const ctx = opening ? fresh : (latest.context as IncidentContext);
      const rules = rulesFor(cfg, ctx);
      const facts: IncidentFact[] = [];
      const commands: IncidentCommand[] = [];
      const take = (d: IncidentDecision): void => {
        facts.push(...d.facts);
        commands.push(...d.commands);
        for (const f of d.facts) model = applyFact(model, f);
      };
      snaps.forEach((snap, i) => {
        if (opening && i === 0) take(openIncident(id, key, { at, alert: snap }, rules, ctx.groupBy));
        else take(decideIncident(model!, { type: 'alert.firing', at, alert: snap }, rules));
      });
      if (facts.length > 0)
        await this.commit({ id, row: opening ? undefined : latest, ctx, decision: { facts, commands }, now, alerts: alertRows, bodyId }, batch);
      return id;
    });
  }

  private async latestByKey(key: string, batch: Batch | undefined): Promise<IncidentRow | undefined> {
    if (!batch) return this.incidents.latestByKey(key);
    if (batch.latest.has(key)) return batch.latest.get(key);
    const row = await this.incidents.latestByKey(key, batch.trx);
    batch.latest.set(key, row);
    return row;
  }

  private async applyResolved(integration: string, alert: IntakeAlert, bodyId: string, batch?: Batch): Promise<string | undefined> {
    return this.attempt(batch, async () => {
      const id = await this.incidents.incidentOfAlert(integration, alert.fingerprint, batch?.trx);
      if (!id) return undefined;
      const row = await this.incidents.get(id, batch?.trx);
      if (!row) return undefined;
      const now = this.clock();
      const ctx = row.context as IncidentContext;
      const decision = decideIncident(
        row.model as IncidentModel,
        { type: 'alert.resolved', at: now.toISOString(), fingerprint: alert.fingerprint },
        rulesFor(this.config, ctx),
      );
      const alerts = [
        {
          integration,
          fingerprint: alert.fingerprint,
          status: 'resolved',
          labels: (row.model as IncidentModel).alerts.find((a) => a.fingerprint === alert.fingerprint)?.labels ?? alert.labels,
        },
      ];
      if (decision.facts.length > 0) await this.commit({ id, row, ctx, decision, now, alerts, bodyId }, batch);
      return id;
    });
  }

  // ---- people's actions and timers ----------------------------------------------------------

  /** Acknowledge, resolve, note, escalate or set the severity; refusals throw IncidentRuleError. */
  async act(
    idOrPrefix: string,
    input: DistributiveOmit<Exclude<IncidentInput, { type: 'alert.firing' | 'alert.resolved' | 'timer' }>, 'at'>,
  ): Promise<IncidentView> {
    const id = await this.incidents.resolveId(idOrPrefix);
    await this.retrying(async () => {
      const row = await this.mustGet(id);
      const now = this.clock();
      const ctx = row.context as IncidentContext;
      const decision = decideIncident(row.model as IncidentModel, { ...input, at: now.toISOString() } as IncidentInput, rulesFor(this.config, ctx));
      if (decision.facts.length > 0) await this.commit({ id, row, ctx, decision, now, alerts: [] });
    });
    return this.get(id);
  }

  /**
   * Fires every timer due at the clock's now. Each fires once: the decision consumes the stored timer
   * in its own transaction, so a second process (or a second pass) finds it gone and does nothing.
   */
  async fireDue(limit = 200): Promise<number> {
    const now = this.clock();
    let fired = 0;
    for (const t of await this.incidents.dueTimers(now.getTime(), limit)) {
      const done = await this.retrying(async () => {
        const row = await this.incidents.get(t.incidentId);
        if (!row) return false;
        const ctx = row.context as IncidentContext;
        const at = this.clock();
        const decision = decideIncident(
          row.model as IncidentModel,
          { type: 'timer', at: at.toISOString(), kind: t.kind as 'deadline', due: t.due },
          rulesFor(this.config, ctx),
        );
        try {
          await this.commit({ id: row.id, row, ctx, decision, now: at, alerts: [], consumeTimer: { kind: t.kind, due: t.due } });
        } catch (e) {
          // Gone: another process (or an acknowledgement) took it first. Not an error, not a retry.
          if (isStoreError(e, 'INCIDENT_CONFLICT') && /already fired/.test(e.message)) return false;
          throw e;
        }
        return decision.facts.length > 0;
      });
      if (done) {
        fired++;
        this.opts.onTimerFired?.(Math.max(0, this.clock().getTime() - t.dueMs), t.kind);
      }
    }
    return fired;
  }

  // ---- reads --------------------------------------------------------------------------------

  async get(idOrPrefix: string): Promise<IncidentView> {
    const id = await this.incidents.resolveId(idOrPrefix);
    const row = await this.mustGet(id);
    return { row, model: row.model as IncidentModel, context: row.context as IncidentContext, facts: await this.incidents.facts(id) };
  }

  private async mustGet(id: string): Promise<IncidentRow> {
    const row = await this.incidents.get(id);
    if (!row) throw new StoreError('INCIDENT_NOT_FOUND', `no incident ${JSON.stringify(id)}`);
    return row;
  }

  // ---- the commit path ----------------------------------------------------------------------

  private async commit(
    p: {
      id: string;
      row: IncidentRow | undefined;
      ctx: IncidentContext;
      decision: IncidentDecision;
      now: Date;
      alerts: IncidentCommit['alerts'];
      consumeTimer?: IncidentCommit['consumeTimer'];
      /** The alert body this decision came from: linked to the incident in the same transaction (evidence). */
      bodyId?: string;
    },
    batch?: Batch,
  ): Promise<void> {
    const notifies = p.decision.commands.filter((c) => c.type === 'notify');
    const silences = notifies.length > 0 ? silencesOf(await this.silences.list(p.now.toISOString(), false, batch?.trx)) : [];
    const prior = notifies.some((c) => c.event === 'resolved') && p.row ? await this.priorRecipients(p.id, batch?.trx) : [];
    const { commit, model } = buildCommit({ ...p, cfg: this.config, silences, prior });
    await this.incidents.commit(p.bodyId ? { ...commit, bodyId: p.bodyId } : commit, batch?.trx);
    batch?.latest.clear();
    const done = (): void => {
      if (p.decision.facts.some((f) => f.type === 'incident.created')) this.opts.onOpened?.({ incidentId: p.id, context: p.ctx, model });
      this.wakeAfterCommit({ incidentId: p.id, timers: commit.setTimers.length > 0, deliveries: commit.deliveries.some((d) => d.state === 'pending') });
    };
    // In a batch the change is durable only when the batch commits (and gone if its applying rolls back).
    if (batch) batch.after.push(done);
    else done();
  }

  private held: { incidentId: string; timers: boolean; deliveries: boolean }[] | undefined;

  private wakeAfterCommit(c: { incidentId: string; timers: boolean; deliveries: boolean }): void {
    if (this.held) this.held.push(c);
    else this.opts.onCommit?.(c);
  }

  private applying = 0;
  private settledWaiters: (() => void)[] = [];

  /**
   * Resolves when no alert body is half applied in this process (or after `maxWaitMs`), so a
   * notification rendered now shows every alert of the body that caused it (the delivery worker waits
   * for this before it takes work).
   */
  settled(maxWaitMs = 250): Promise<void> {
    if (this.applying === 0) return Promise.resolve();
    // Bounded: under a steady stream of bodies the count may never reach zero, and pages must still go.
    return new Promise((r) => {
      const t = setTimeout(r, maxWaitMs);
      this.settledWaiters.push(() => {
        clearTimeout(t);
        r();
      });
    });
  }

  /** Runs `fn` with commit wake-ups held, then gives them (nested calls join the outer hold). */
  private async holdingWakes<T>(fn: () => Promise<T>): Promise<T> {
    this.applying++;
    const outer = !this.held;
    if (outer) this.held = [];
    try {
      return await fn();
    } finally {
      if (--this.applying === 0) for (const w of this.settledWaiters.splice(0)) w();
      if (outer) {
        const held = this.held ?? [];
        this.held = undefined;
        for (const c of held) this.opts.onCommit?.(c);
      }
    }
  }

  private async priorRecipients(id: string, on?: OpsTransaction): Promise<Recipient[]> {
    const seen = new Map<string, Recipient>();
    for (const d of await this.deliveries.list({ incidentId: id }, on))
      if (d.state !== 'skipped' && d.event !== 'resolved' && !seen.has(d.receiver))
        seen.set(d.receiver, { name: d.receiver, channel: d.channel as Recipient['channel'], via: 'notified before' });
    return [...seen.values()];
  }

  /** In a batch, once (a conflict rolls the batch's applying back; its bodies are then applied one by one); else with retries. */
  private attempt<T>(batch: Batch | undefined, fn: () => Promise<T>): Promise<T> {
    return batch ? fn() : this.retrying(fn);
  }

  /** Runs `fn` again after a version conflict (another writer got there first), up to MAX_TRIES. */
  private async retrying<T>(fn: () => Promise<T>): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (e) {
        if (!isStoreError(e, 'INCIDENT_CONFLICT') || i >= MAX_TRIES || /already fired/.test(e.message)) throw e;
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 5 * i)));
      }
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
