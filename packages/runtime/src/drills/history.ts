// Drill history from the ledger: each drill.finished entry is one drill (its verdict, figures and the
// digest of its evidence), so the history needs no table of its own and cannot disagree with the proof.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDrillKind, type DrillKind, type DrillMeasured, type DrillTargets } from '@runledger/core';
import type { LedgerReader, StoredEntry } from '@runledger/store';
import { RuntimeError } from '../errors.js';

export const DRILL_STARTED = 'drill.started';
export const DRILL_FINISHED = 'drill.finished';
export const drillIdem = (id: string, what: 'started' | 'finished'): string => `drill:${id}:${what}`;

/** One finished drill, as the ledger recorded it. */
export interface DrillRecord {
  readonly id: string;
  readonly kind: DrillKind;
  readonly env: string | null;
  readonly actor: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly passed: boolean;
  readonly reasons: readonly string[];
  readonly measured: DrillMeasured;
  readonly targets: DrillTargets;
  /** The drill.finished entry that pins the evidence bundle, and the bundle's manifest digest. */
  readonly evidence: { readonly manifestSha256: string; readonly index: number };
}

interface FinishedData {
  readonly drill?: unknown;
  readonly env?: unknown;
  readonly passed?: unknown;
  readonly reasons?: unknown;
  readonly measured?: unknown;
  readonly targets?: unknown;
  readonly startedAt?: unknown;
  readonly finishedAt?: unknown;
  readonly manifestSha256?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A drill.finished entry as a record; undefined for an entry of that type that is not one (written by hand). */
export function drillRecordOf(e: StoredEntry): DrillRecord | undefined {
  const en = e.entry;
  const d = (en.data ?? {}) as FinishedData;
  if (en.type !== DRILL_FINISHED || en.subject?.kind !== 'drill' || !isDrillKind(d.drill) || typeof d.passed !== 'boolean') return undefined;
  if (typeof d.manifestSha256 !== 'string') return undefined;
  return {
    id: en.subject.id,
    kind: d.drill,
    env: typeof d.env === 'string' ? d.env : null,
    actor: en.actor.id,
    startedAt: typeof d.startedAt === 'string' ? d.startedAt : en.ts,
    finishedAt: typeof d.finishedAt === 'string' ? d.finishedAt : en.ts,
    passed: d.passed,
    reasons: Array.isArray(d.reasons) ? d.reasons.filter((r): r is string => typeof r === 'string') : [],
    measured: isObject(d.measured) ? (d.measured as DrillMeasured) : {},
    targets: isObject(d.targets) ? (d.targets as DrillTargets) : {},
    evidence: { manifestSha256: d.manifestSha256, index: e.seq },
  };
}

export interface DrillPage {
  /** Newest first. */
  readonly drills: DrillRecord[];
  /** Pass as `before` for older drills; null when there are none. */
  readonly next: number | null;
}

/** Finished drills, newest first (optionally of one kind), `limit` at most, before ledger index `before`. */
export async function listDrills(reader: LedgerReader, o: { kind?: DrillKind; limit?: number; before?: number } = {}): Promise<DrillPage> {
  const limit = o.limit ?? 100;
  const drills: DrillRecord[] = [];
  let before = o.before;
  for (;;) {
    const page = await reader.search({
      types: [DRILL_FINISHED],
      limit: limit - drills.length,
      scanLimit: 100_000,
      ...(before !== undefined ? { before } : {}),
      ...(o.kind ? { match: (en) => (en.data as FinishedData | undefined)?.drill === o.kind } : {}),
    });
    for (const e of page.entries) {
      const r = drillRecordOf(e);
      if (r) drills.push(r);
    }
    if (page.next === null) return { drills, next: null };
    if (drills.length >= limit) return { drills, next: drills.at(-1)!.evidence.index };
    before = page.next;
  }
}

/** The newest finished drill of each kind (what /metrics shows). */
export async function lastDrillPerKind(reader: LedgerReader): Promise<Map<DrillKind, DrillRecord>> {
  const out = new Map<DrillKind, DrillRecord>();
  let before: number | undefined;
  // Drills are rare: a few pages of drill.finished entries reach every kind that ever ran.
  for (let pages = 0; pages < 20; pages++) {
    const page = await listDrills(reader, { limit: 200, ...(before !== undefined ? { before } : {}) });
    for (const d of page.drills) if (!out.has(d.kind)) out.set(d.kind, d);
    if (page.next === null) break;
    before = page.next;
  }
  return out;
}

const DRILL_ID_RE = /^drill-\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export function checkDrillId(id: string): void {
  if (!DRILL_ID_RE.test(id)) throw new RuntimeError('DRILL_INVALID', `${JSON.stringify(id)} is not a drill id (drill-YYYYMMDDTHHMMSSZ-xxxxxx)`);
}

/** A finished drill by id, or DRILL_NOT_FOUND (a drill still running has no drill.finished entry yet). */
export async function getDrill(reader: LedgerReader, id: string): Promise<DrillRecord> {
  checkDrillId(id);
  const e = await reader.entryByIdem(drillIdem(id, 'finished'));
  const r = e && drillRecordOf(e);
  if (!r) {
    const started = await reader.entryByIdem(drillIdem(id, 'started'));
    throw new RuntimeError(
      'DRILL_NOT_FOUND',
      started ? `drill ${id} started (ledger entry ${started.seq}) and has not finished` : `no drill ${id} in the ledger`,
    );
  }
  return r;
}

/** The drill's summary.json from its evidence bundle under `dir` (undefined when the bundle is not there). */
export async function readDrillSummary(dir: string, id: string): Promise<Record<string, unknown> | undefined> {
  checkDrillId(id);
  try {
    return JSON.parse(await readFile(join(dir, id, 'summary.json'), 'utf8')) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RuntimeError('IO_ERROR', `cannot read the summary of drill ${id} in ${dir}: ${(e as Error).message}`, { cause: e });
  }
}
