// Probe results → stored samples and hourly rollups, batched: results arrive one by one from many
// checks (5,000 per 10 s at the benchmark's load), and each flush writes what gathered since the last one
// in ONE transaction. Each check keeps its newest sample (the predecessor the next span starts from)
// and the rollups of the hours still changing, so a rollup is always written whole.
import { addSample, rollupHourOf, type Rollup } from '@runledger/core';
import type { CheckRecord, HealthBatch, HealthStore, OutboxDraft, ServiceRecord, StoredSample, VerdictRecord } from '@runledger/store';

export interface RecordedCheck {
  readonly id: string;
  readonly no: number;
  /** How long a sample's state holds without a successor (2× the interval): see core/slo/samples. */
  readonly maxGapMs: number;
  /** Latency thresholds (ms) the SLOs count samples under. */
  readonly thresholds: readonly number[];
}

interface Track {
  readonly check: RecordedCheck;
  prev: StoredSample | undefined;
  readonly rollups: Map<number, Rollup>;
}

const HOUR = 3_600_000;

export class HealthRecorder {
  private readonly tracks = new Map<string, Track>();
  private samples: (StoredSample & { checkNo: number })[] = [];
  private dirty = new Set<Rollup>();
  private checks = new Map<number, Omit<CheckRecord, 'id'>>();
  private services = new Map<string, ServiceRecord>();
  private verdicts = new Map<string, VerdictRecord>();
  private outbox: OutboxDraft[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly store: HealthStore) {}

  /** Resumes each check from what is stored: its newest sample and the rollup of that sample's hour. */
  async open(checks: readonly RecordedCheck[]): Promise<void> {
    const keep = new Set(checks.map((c) => c.id));
    for (const id of [...this.tracks.keys()]) if (!keep.has(id)) this.tracks.delete(id);
    for (const c of checks) {
      const had = this.tracks.get(c.id);
      if (had && had.check.no === c.no && had.check.maxGapMs === c.maxGapMs && same(had.check.thresholds, c.thresholds)) continue;
      const prev = await this.store.lastSample(c.no);
      const rollups = new Map<number, Rollup>();
      if (prev) {
        const hour = rollupHourOf(prev.at);
        for (const r of await this.store.rollups([c.no], hour - HOUR, hour + HOUR)) rollups.set(r.hourStart, { ...r, check: c.id });
      }
      this.tracks.set(c.id, { check: c, prev, rollups });
    }
  }

  /** Adds one result; false when it is older than the check's newest (a slow probe cannot rewrite history). */
  add(checkId: string, sample: StoredSample): boolean {
    const t = this.tracks.get(checkId);
    if (!t) throw new Error(`health recorder: unknown check ${checkId}`);
    const changed = addSample(t.rollups, t.prev, sample, { check: checkId, maxGapMs: t.check.maxGapMs, thresholds: t.check.thresholds });
    if (changed.length === 0) return false;
    for (const r of changed) this.dirty.add(r);
    t.prev = sample;
    this.samples.push({ ...sample, checkNo: t.check.no });
    // Hours that can no longer change (older than the newest sample's hour minus the max gap) leave memory.
    const oldest = rollupHourOf(sample.at - t.check.maxGapMs) - HOUR;
    for (const h of t.rollups.keys()) if (h < oldest) t.rollups.delete(h);
    return true;
  }

  checkChanged(c: Omit<CheckRecord, 'id'>): void {
    this.checks.set(c.no, c);
  }

  serviceChanged(s: ServiceRecord): void {
    this.services.set(s.name, s);
  }

  verdictChanged(v: VerdictRecord): void {
    this.verdicts.set(v.checklist, v);
  }

  entry(draft: OutboxDraft): void {
    this.outbox.push(draft);
  }

  /** Results waiting for the next flush. */
  get pending(): number {
    return this.samples.length + this.outbox.length;
  }

  /** Writes what gathered (one transaction); concurrent calls share the flush in progress, then run again. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const batch: HealthBatch = {
      samples: this.samples,
      rollups: [...this.dirty].map((r) => ({ ...r, checkNo: this.tracks.get(r.check)?.check.no ?? -1 })).filter((r) => r.checkNo >= 0),
      checks: [...this.checks.values()],
      services: [...this.services.values()],
      verdicts: [...this.verdicts.values()],
      outbox: this.outbox,
    };
    if (batch.samples!.length + batch.rollups!.length + batch.checks!.length + batch.services!.length + batch.verdicts!.length + batch.outbox!.length === 0)
      return;
    this.samples = [];
    this.dirty = new Set();
    this.checks = new Map();
    this.services = new Map();
    this.verdicts = new Map();
    this.outbox = [];
    this.flushing = this.store.record(batch).finally(() => (this.flushing = undefined));
    try {
      await this.flushing;
    } catch (e) {
      // Put it back (newer changes win) so the next flush retries; samples are idempotent by (check, time).
      this.samples = [...batch.samples!, ...this.samples];
      // The live accumulator where it is still in memory (it may have grown since), else what was to be written.
      for (const r of batch.rollups!) this.dirty.add(this.tracks.get(r.check)?.rollups.get(r.hourStart) ?? r);
      for (const c of batch.checks!) if (!this.checks.has(c.no)) this.checks.set(c.no, c);
      for (const s of batch.services!) if (!this.services.has(s.name)) this.services.set(s.name, s);
      for (const v of batch.verdicts!) if (!this.verdicts.has(v.checklist)) this.verdicts.set(v.checklist, v);
      this.outbox = [...batch.outbox!, ...this.outbox];
      throw e;
    }
  }
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
