// The operations layer as a server runs it: the configuration in force (reloaded on SIGHUP, its digest
// in the ledger), integration secrets held hashed, the incident service, and three background loops:
// due timers, due deliveries and the ledger outbox. One per process; several processes may share a
// database (timers fire once, deliveries are leased, outbox appends are idempotent).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { EntryDraft } from '@runledger/ledger';
import type { IncidentModel, IntakeAlert, Integration, OperationsConfig, RetryPolicy, SecretRef } from '@runledger/core';
import type { IncidentContext } from './recipients.js';
import type { DrillPlan } from './drill-plan.js';
import type { DeliveryRecord, Store } from '@runledger/store';
import { holdSecrets } from '../redact.js';
import { formatSecretRef, loadOperationsConfig, resolveSecret, secretRefsOf, type LoadedOperations } from '../operations/config.js';
import { requestApprovalNotifications, type ApprovalRequest } from './approvals.js';
import { DeliveryWorker } from './deliver.js';
import { configDraft } from './drafts.js';
import { WakeLoop } from './loop.js';
import { pumpOutbox } from './pump.js';
import { IncidentService, type IntakeResult, type OperationsState } from './service.js';
import { RuntimeError } from '../errors.js';

export interface OperationsHostOptions {
  readonly store: Store;
  readonly append: (d: EntryDraft) => Promise<unknown>;
  readonly configPath: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock?: () => Date;
  /** The web UI's address for links in notifications (`https://runledger.example/`). */
  readonly publicUrl?: string;
  readonly retry?: RetryPolicy;
  /** How often each loop looks for work other processes queued (ms). Default 1000. */
  readonly pollMs?: number;
  readonly sendTimeoutMs?: number;
  readonly onError?: (what: string, e: unknown) => void;
  readonly onDeliveryFinal?: (d: DeliveryRecord, state: 'delivered' | 'failed') => void;
  /** An incident was opened in this process (the server starts a route's `autoRun` runbook). */
  readonly onIncidentOpened?: (v: { incidentId: string; context: IncidentContext; model: IncidentModel }) => void;
  /** Each timer fired, with how late it fired (ms). */
  readonly onTimerFired?: (latenessMs: number, kind: string) => void;
}

interface Loaded extends OperationsState {
  readonly loaded: LoadedOperations;
  /** Integration name → SHA-256 of its secret (compared in constant time; the value is not kept here). */
  readonly integrationKeys: ReadonlyMap<string, Buffer>;
  readonly secrets: ReadonlyMap<string, string>;
  readonly release: () => void;
}

export type IntegrationCheck = { readonly ok: true; readonly integration: Integration } | { readonly ok: false; readonly why: 'unknown' | 'denied' };

const sha = (s: string): Buffer => createHash('sha256').update(s).digest();

export class OperationsHost {
  readonly service: IncidentService;
  readonly worker: DeliveryWorker;
  private current: Loaded;
  private readonly loops: WakeLoop[];
  private readonly timers: WakeLoop;
  private readonly sender: WakeLoop;
  private readonly pump: WakeLoop;
  private readonly clock: () => Date;

  private constructor(
    private readonly o: OperationsHostOptions,
    first: Loaded,
  ) {
    this.current = first;
    this.clock = o.clock ?? (() => new Date());
    this.service = new IncidentService({
      store: o.store,
      operations: () => this.current,
      clock: this.clock,
      ...(o.onTimerFired ? { onTimerFired: o.onTimerFired } : {}),
      ...(o.onIncidentOpened ? { onOpened: o.onIncidentOpened } : {}),
      onCommit: (c) => {
        if (c.timers) this.timers.wake();
        if (c.deliveries) this.sender.wake();
        this.pump.wake();
      },
    });
    const link = o.publicUrl ? (id: string) => new URL(`incidents/${encodeURIComponent(id)}`, o.publicUrl).toString() : undefined;
    const runLink = o.publicUrl ? (id: string) => new URL(`runs/${encodeURIComponent(id)}`, o.publicUrl).toString() : undefined;
    this.worker = new DeliveryWorker({
      service: this.service,
      secret: (ref) => this.secret(ref),
      clock: this.clock,
      ...(o.retry ? { retry: o.retry } : {}),
      ...(link ? { link } : {}),
      ...(runLink ? { runLink } : {}),
      ...(o.sendTimeoutMs ? { timeoutMs: o.sendTimeoutMs } : {}),
      onFinal: (d, s) => {
        o.onDeliveryFinal?.(d, s);
        this.pump.wake();
      },
    });
    const poll = o.pollMs ?? 1000;
    const now = (): number => this.clock().getTime();
    const onError = (what: string) => (e: unknown) => o.onError?.(what, e);
    this.timers = new WakeLoop({ name: 'timers', pollMs: poll, now, onError: onError('firing due timers'), work: () => this.fireTimers() });
    this.sender = new WakeLoop({ name: 'deliveries', pollMs: poll, now, onError: onError('sending notifications'), work: () => this.worker.runDue() });
    this.pump = new WakeLoop({
      name: 'outbox',
      pollMs: poll,
      now,
      onError: onError('appending operations entries to the ledger'),
      work: async () => {
        await pumpOutbox(this.service.outbox, o.append);
        return undefined;
      },
    });
    this.loops = [this.timers, this.sender, this.pump];
  }

  /** Loads the configuration (a missing file is the empty configuration) and resolves its secrets. */
  static async open(o: OperationsHostOptions): Promise<OperationsHost> {
    const host = new OperationsHost(o, await OperationsHost.load(o));
    // Without a file there is nothing to pin; a file's first load (and every change) is recorded.
    if (host.current.loaded.exists) await host.service.outbox.queue([host.configEntry()]);
    return host;
  }

  private static async load(o: OperationsHostOptions): Promise<Loaded> {
    const loaded = await loadOperationsConfig(o.configPath);
    // Every reference resolves now, so a missing secret fails the start or the reload, not a 3 a.m. page.
    const secrets = new Map<string, string>();
    for (const { ref } of secretRefsOf(loaded.config)) secrets.set(formatSecretRef(ref), resolveSecret(ref, o.env));
    const integrationKeys = new Map<string, Buffer>();
    for (const i of loaded.config.integrations) if (i.secret) integrationKeys.set(i.name, sha(secrets.get(formatSecretRef(i.secret))!));
    const release = holdSecrets(secrets.values());
    return { config: loaded.config, digest: loaded.digest, path: loaded.path, loaded, integrationKeys, secrets, release };
  }

  get config(): OperationsConfig {
    return this.current.config;
  }

  get state(): OperationsState & { readonly exists: boolean } {
    return { config: this.current.config, digest: this.current.digest, path: this.current.path, exists: this.current.loaded.exists };
  }

  private configEntry() {
    return configDraft(this.current.loaded);
  }

  /**
   * Reads the file again (SIGHUP). An invalid file or a missing secret keeps the configuration in force
   * and throws; a valid one replaces it and records its digest in the ledger.
   */
  async reload(): Promise<{ readonly digest: string; readonly changed: boolean }> {
    const next = await OperationsHost.load(this.o);
    const prev = this.current;
    this.current = next;
    prev.release();
    const changed = next.digest !== prev.digest;
    if (changed && next.loaded.exists) {
      await this.service.outbox.queue([this.configEntry()]);
      this.pump.wake();
    }
    return { digest: next.digest, changed };
  }

  private secret(ref: SecretRef): string {
    const v = this.current.secrets.get(formatSecretRef(ref));
    if (v === undefined) throw new Error(`secret ${formatSecretRef(ref)} is not loaded`);
    return v;
  }

  /** Whether `presented` is the secret of the integration `name` of this kind (constant-time compare). */
  checkIntegration(name: string, kind: 'alertmanager' | 'events', presented: string | undefined): IntegrationCheck {
    const integration = this.current.config.integrations.find((i) => i.name === name && i.type === kind);
    if (!integration) return { ok: false, why: 'unknown' };
    const want = this.current.integrationKeys.get(name);
    // An integration without a secret accepts nothing over HTTP: fail closed.
    if (!want || presented === undefined) return { ok: false, why: 'denied' };
    return timingSafeEqual(sha(presented), want) ? { ok: true, integration } : { ok: false, why: 'denied' };
  }

  /**
   * Raises (or resolves) alerts through an `internal` integration: Runledger's own probes and runbook
   * steps page people by the same path as Alertmanager, without one. Fingerprints are the caller's
   * stable names for its alerts (`probe:db-ready`).
   */
  async raise(
    integration: string,
    alerts: readonly { fingerprint: string; labels: Record<string, string>; annotations?: Record<string, string>; status?: 'firing' | 'resolved' }[],
  ): Promise<IntakeResult> {
    const i = this.current.config.integrations.find((x) => x.name === integration);
    if (!i || i.type !== 'internal')
      throw new RuntimeError('INPUT_INVALID', `no internal integration named ${JSON.stringify(integration)} in ${this.current.path}`);
    return this.raiseFrom(integration, alerts);
  }

  /**
   * Raises alerts from a part of Runledger itself (continuous health, drills), under `source` as the
   * integration name: the same path as any internal integration, without one declared in the file.
   * `drill`: an escalation drill's plan for the incident the alerts open (drill-plan.ts).
   */
  async raiseFrom(
    source: string,
    alerts: readonly { fingerprint: string; labels: Record<string, string>; annotations?: Record<string, string>; status?: 'firing' | 'resolved' }[],
    drill?: DrillPlan,
  ): Promise<IntakeResult> {
    const at = this.clock().toISOString();
    const list: IntakeAlert[] = alerts.map((a) => ({
      fingerprint: a.fingerprint,
      labels: a.labels,
      annotations: a.annotations ?? {},
      startsAt: at,
      status: a.status ?? 'firing',
    }));
    // The body is what was raised, with when: raising the same thing later is a new body.
    return this.service.receive(source, 'internal', { at, alerts: list }, list, undefined, drill);
  }

  /** A run stopped at a gate: tell who can approve it (see approvals.ts). */
  async approvalRequested(r: ApprovalRequest): Promise<string[]> {
    const added = await requestApprovalNotifications(this.service, r, this.clock());
    if (added.length > 0) this.wake();
    return added;
  }

  /** Starts the loops after applying bodies a crash left unapplied. */
  async start(): Promise<void> {
    await this.service.applyPending();
    for (const l of this.loops) l.start();
  }

  /** Wakes every loop (tests and `notify test` use it to not wait for a poll). */
  wake(): void {
    for (const l of this.loops) l.wake();
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops.map((l) => l.stop()));
    // What is queued now is appended by the next start (or another process).
    await pumpOutbox(this.service.outbox, this.o.append).catch((e: unknown) => this.o.onError?.('appending operations entries to the ledger', e));
    this.current.release();
  }

  private async fireTimers(): Promise<number | undefined> {
    while ((await this.service.fireDue()) > 0);
    return this.service.incidents.nextTimerMs();
  }
}
