// The release service: a person's or CI's request in, the core machine's decision stored as ONE commit
// (facts, snapshot, bake timer, ledger drafts in the operations outbox), then its commands carried out
// through the ports (commands.ts). Several processes may share a database: a decision built on a stale
// revision is retried on the fresh one, and the busy index keeps one deploy per service and environment.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  applyReleaseFact,
  canStartDeploy,
  createRelease,
  currentRelease,
  decideRelease,
  ReleaseRuleError,
  type Release,
  type ReleaseDecision,
  type ReleaseInput,
  type ReleaseSpec,
} from '@runledger/core';
import { isStoreError, OpsOutbox, ReleaseStore, type Store, StoreError } from '@runledger/store';
import { releaseFactDraft } from './drafts.js';
import type { ReleasePorts } from './ports.js';
import { isBusy, loaded, summaryOf, type LoadedRelease, type PendingRollback } from './record.js';

export interface ReleaseServiceOptions {
  readonly store: Store;
  readonly ports: ReleasePorts;
  readonly clock?: () => Date;
  readonly newId?: (now: Date) => string;
  /** Appends the outbox to the ledger after each commit (the server's pump, the CLI's writer). */
  readonly pump?: () => void | Promise<void>;
  readonly onError?: (what: string, e: unknown) => void;
  /** How long a checklist may take to hold before its verdict stands (ms). Default 60000. */
  readonly checklistWaitMs?: number;
}

export interface CreateReleaseRequest {
  readonly service: string;
  readonly env: string;
  readonly version: string;
  readonly artifact: Release['artifact'];
  readonly manifestDigest?: string;
  readonly migration?: Release['migration'];
  readonly requestedBy: string;
  readonly bake?: ReleaseSpec['bake'];
}

export function newReleaseId(now: Date): string {
  const t = now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
  return `rel-${t}-${randomUUID().slice(0, 8)}`;
}

const MAX_RETRIES = 8;

export class ReleaseService {
  readonly releases: ReleaseStore;
  readonly outbox: OpsOutbox;
  readonly ports: ReleasePorts;
  readonly clock: () => Date;
  /** `changed` (release) after every commit; `error` is never emitted (onError instead). */
  readonly events = new EventEmitter();
  private readonly newId: (now: Date) => string;

  constructor(private readonly o: ReleaseServiceOptions) {
    this.releases = new ReleaseStore(o.store);
    this.outbox = new OpsOutbox(o.store);
    this.ports = o.ports;
    this.clock = o.clock ?? (() => new Date());
    this.newId = o.newId ?? newReleaseId;
    this.events.setMaxListeners(0);
  }

  now(): string {
    return this.clock().toISOString();
  }

  reportError(what: string, e: unknown): void {
    this.o.onError?.(what, e);
  }

  async load(idOrPrefix: string): Promise<LoadedRelease> {
    const id = await this.releases.resolveId(idOrPrefix);
    const row = await this.releases.get(id);
    if (!row) throw new StoreError('RELEASE_NOT_FOUND', `no release ${JSON.stringify(idOrPrefix)}`);
    return loaded(row);
  }

  async get(idOrPrefix: string): Promise<Release> {
    return (await this.load(idOrPrefix)).release;
  }

  /** Every release of a service in an environment, oldest first (what rollback planning reads). */
  async ofTarget(service: string, env: string): Promise<Release[]> {
    return (await this.releases.ofTarget(service, env)).map((r) => loaded(r).release);
  }

  /** A planned release with the catalog's gates and runbooks fixed in it. */
  async create(req: CreateReleaseRequest): Promise<Release> {
    const d = this.ports.defaults(req.service);
    if (!d)
      throw new ReleaseRuleError('RELEASE_INVALID', `service ${req.service} is not in the catalog: a release needs its deploy, verify and rollback runbooks`);
    const at = this.clock();
    const previous = currentRelease(await this.ofTarget(req.service, req.env), req.service, req.env);
    const spec: ReleaseSpec = {
      id: this.newId(at),
      service: req.service,
      env: req.env,
      version: req.version,
      artifact: req.artifact,
      ...(req.manifestDigest !== undefined ? { manifestDigest: req.manifestDigest } : {}),
      ...(req.migration ? { migration: req.migration } : {}),
      ...(previous ? { previous: previous.id } : {}),
      requestedBy: req.requestedBy,
      gates: { runbooks: d.gates.runbooks, ...(d.gates.checklist !== undefined ? { checklist: d.gates.checklist } : {}) },
      runbooks: d.runbooks,
      ...(d.postRollbackChecklist !== undefined ? { postRollbackChecklist: d.postRollbackChecklist } : {}),
      bake: { ...d.bake, ...req.bake },
      ...(d.inputs ? { runbookInputs: d.inputs } : {}),
    };
    const decision = createRelease(spec, at.toISOString());
    const release = (decision.facts[0] as Extract<ReleaseDecision['facts'][number], { type: 'release.created' }>).release;
    await this.releases.commit({
      id: release.id,
      expectRev: 0,
      summary: summaryOf(release, decision.facts.length),
      updatedAt: release.updatedAt,
      facts: decision.facts.map((f, i) => ({ seq: i + 1, at: f.at, type: f.type, fact: f })),
      outbox: decision.facts.map((f, i) => releaseFactDraft(release.id, i + 1, f)),
    });
    this.after(release);
    return release;
  }

  /** Starts a planned release's deploy; refused while another release of the service and environment is busy. */
  async deploy(idOrPrefix: string, by: string): Promise<Release> {
    const { release } = await this.load(idOrPrefix);
    const check = canStartDeploy(await this.ofTarget(release.service, release.env), release.service, release.env);
    if (!check.ok) throw new ReleaseRuleError('RELEASE_BUSY', check.message);
    try {
      return await this.apply(release.id, { type: 'deploy.started', at: this.now(), by });
    } catch (e) {
      // Two processes deployed at once: the busy index let one in.
      if (isStoreError(e) && e.code === 'RELEASE_CONFLICT')
        throw new ReleaseRuleError('RELEASE_BUSY', `${release.service} in ${release.env} is busy: another release started deploying; one deploy at a time`);
      throw e;
    }
  }

  /**
   * Decides an input on the newest stored release and commits it (retrying on a concurrent change),
   * then carries out its commands in the background. Throws what the machine refuses.
   */
  async apply(id: string, input: ReleaseInput, opts: { pending?: PendingRollback | null } = {}): Promise<Release> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.load(id);
      const decision = decideRelease(cur.release, input);
      if (decision.facts.length === 0 && opts.pending === undefined) {
        this.run(cur.release, decision);
        return cur.release;
      }
      let release = cur.release;
      for (const f of decision.facts) release = applyReleaseFact(release, f);
      try {
        await this.releases.commit({
          id,
          expectRev: cur.rev,
          summary: summaryOf(release, cur.facts + decision.facts.length),
          updatedAt: release.updatedAt,
          facts: decision.facts.map((f, i) => ({ seq: cur.facts + i + 1, at: f.at, type: f.type, fact: f })),
          ...(opts.pending !== undefined ? { pending: opts.pending } : {}),
          outbox: decision.facts.map((f, i) => releaseFactDraft(id, cur.facts + i + 1, f)),
        });
      } catch (e) {
        if (isStoreError(e) && e.code === 'RELEASE_CONFLICT' && attempt < MAX_RETRIES && !(isBusy(release) && !isBusy(cur.release))) continue;
        throw e;
      }
      this.after(release);
      this.run(release, decision);
      return release;
    }
  }

  /** Stores (or clears) the rollback waiting for approval without a fact. */
  async setPending(id: string, pending: PendingRollback | null): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.load(id);
      try {
        await this.releases.commit({
          id,
          expectRev: cur.rev,
          summary: summaryOf(cur.release, cur.facts),
          updatedAt: this.now(),
          facts: [],
          pending,
          outbox: [],
        });
        this.after(cur.release);
        return;
      } catch (e) {
        if (isStoreError(e) && e.code === 'RELEASE_CONFLICT' && attempt < MAX_RETRIES) continue;
        throw e;
      }
    }
  }

  private after(release: Release): void {
    this.events.emit('changed', release);
    if (this.o.pump) Promise.resolve(this.o.pump()).catch((e: unknown) => this.reportError('appending release entries to the ledger', e));
  }

  /** Carries out a decision's commands (commands.ts, set by the driver that owns this service). */
  run: (release: Release, decision: ReleaseDecision) => void = () => undefined;
}
