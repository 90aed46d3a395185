// Releases, the pure part: state words and classes, gate outcomes, lanes per service and environment,
// the timeline's geometry (one column per release, oldest left, shared by every lane so columns read
// as time), the bake window's progress, and what a release's facts say in a sentence. Tested in
// test/helpers.test.ts; the views only draw.
import type { ReleaseGate, ReleaseTimelineItem, ReleaseView } from '@runledger/server/api-types';
import { absolute, actorName, duration } from './format.js';

/** Busy states: the view polls fast and shows progress while a release is in one. */
export const BUSY_STATES: readonly string[] = ['deploying', 'verifying'];

export function isBusy(r: ReleaseView): boolean {
  return BUSY_STATES.includes(r.state) || rollingBack(r);
}

/** A rollback that started and has not ended. */
export function rollingBack(r: ReleaseView): boolean {
  return r.rollback !== undefined && r.rollback.outcome === undefined;
}

/** What a release's badge says: its state, or "rolling back" while its rollback runs, or "waiting" with one pending. */
export function releaseStatus(r: ReleaseView): { cls: string; label: string } {
  if (rollingBack(r)) return { cls: 'rolling_back', label: 'rolling back' };
  return { cls: r.state, label: r.state.replace(/_/g, ' ') };
}

export const STATE_HELP: Record<string, string> = {
  planned: 'created; its deploy has not started',
  deploying: 'the deploy runbook is running',
  verifying: 'deployed; the gates run, then the bake window',
  announced: 'every gate passed and the bake window held',
  failed: 'a gate or the deploy failed',
  rolled_back: 'rolled back to an earlier release',
  rolling_back: 'the rollback runbook is running',
};

export type GateOutcome = 'passed' | 'failed' | 'pending' | 'running';

export function gateOutcome(g: ReleaseGate, r: ReleaseView): GateOutcome {
  if (g.passed === true) return 'passed';
  if (g.passed === false) return 'failed';
  // A gate with a run, or the bake while the window is open, is deciding now.
  if (r.state === 'verifying' && (g.runId !== undefined || (g.kind === 'bake' && r.bakeStartedAt !== undefined))) return 'running';
  return 'pending';
}

export const GATE_WORD: Record<GateOutcome, string> = { passed: 'passed', failed: 'failed', pending: 'not yet', running: 'running' };

export interface Lane {
  readonly key: string;
  readonly service: string;
  readonly env: string;
  /** Oldest first. */
  readonly releases: readonly ReleaseView[];
}

const t = (iso: string): number => Date.parse(iso);

/** One lane per service and environment, by service then environment; each lane oldest first. */
export function lanesOf(releases: readonly ReleaseView[]): Lane[] {
  const by = new Map<string, ReleaseView[]>();
  for (const r of releases) {
    const k = `${r.service}\u0000${r.env}`;
    let xs = by.get(k);
    if (!xs) by.set(k, (xs = []));
    xs.push(r);
  }
  return [...by.entries()]
    .map(([key, xs]) => ({
      key,
      service: xs[0]!.service,
      env: xs[0]!.env,
      releases: [...xs].sort((a, b) => t(a.createdAt) - t(b.createdAt) || (a.id < b.id ? -1 : 1)),
    }))
    .sort((a, b) => (a.service === b.service ? (a.env < b.env ? -1 : 1) : a.service < b.service ? -1 : 1));
}

export interface Marker {
  readonly release: ReleaseView;
  readonly lane: number;
  readonly col: number;
}

export interface TimelineLayout {
  readonly lanes: readonly Lane[];
  readonly markers: readonly Marker[];
  /** How many columns are drawn; the oldest releases beyond them are left to the list. */
  readonly cols: number;
  readonly hidden: number;
  /** Rollbacks whose both ends are drawn: from the rolled-back release to the one it went back to. */
  readonly arcs: readonly { readonly from: Marker; readonly to: Marker }[];
}

/**
 * Columns are shared by every lane, one per release in creation order, so a column to the right is
 * later in every lane. Only the newest `maxCols` are drawn.
 */
export function timelineLayout(releases: readonly ReleaseView[], maxCols: number): TimelineLayout {
  const lanes = lanesOf(releases);
  const all = [...releases].sort((a, b) => t(a.createdAt) - t(b.createdAt) || (a.id < b.id ? -1 : 1));
  const shown = all.slice(Math.max(0, all.length - Math.max(1, maxCols)));
  const col = new Map(shown.map((r, i) => [r.id, i]));
  const markers: Marker[] = [];
  lanes.forEach((l, li) => {
    for (const r of l.releases) {
      const c = col.get(r.id);
      if (c !== undefined) markers.push({ release: r, lane: li, col: c });
    }
  });
  const byId = new Map(markers.map((m) => [m.release.id, m]));
  const arcs = markers.flatMap((m) => {
    const to = m.release.rollback ? byId.get(m.release.rollback.to) : undefined;
    return to ? [{ from: m, to }] : [];
  });
  return { lanes, markers, cols: shown.length, hidden: all.length - shown.length, arcs };
}

export interface BakeProgress {
  readonly startedAt: string;
  readonly endsAt: string;
  readonly fraction: number;
  readonly leftMs: number;
  /** open: the window is running; over: it ended (announced, or the release failed or was rolled back during it). */
  readonly open: boolean;
}

export function bakeProgress(r: ReleaseView, now: number): BakeProgress | null {
  if (!r.bakeStartedAt || !r.bakeEndsAt) return null;
  const s = t(r.bakeStartedAt);
  const e = t(r.bakeEndsAt);
  const open = r.state === 'verifying';
  const end = open ? now : r.announcedAt !== undefined ? e : Math.min(e, t(r.failedAt ?? r.rollback?.startedAt ?? r.updatedAt));
  const span = Math.max(1, e - s);
  const fraction = e <= s ? 1 : Math.max(0, Math.min(1, (end - s) / span));
  return { startedAt: r.bakeStartedAt, endsAt: r.bakeEndsAt, fraction, leftMs: open ? Math.max(0, e - now) : 0, open };
}

/** The fact's words in the release's timeline (the stored fact is one click away). */
export function factText(item: ReleaseTimelineItem): string {
  const f = item.fact;
  const s = (k: string): string => (typeof f[k] === 'string' ? (f[k] as string) : '');
  const why = (k = 'reason'): string => (s(k) ? `: ${s(k)}` : '');
  switch (item.type) {
    case 'release.created': {
      const r = f['release'] as { version?: string; requestedBy?: string } | undefined;
      return `created${r?.version ? ` ${r.version}` : ''}${r?.requestedBy ? ` by ${actorName(r.requestedBy)}` : ''}`;
    }
    case 'deploy.started':
      return `deploy started by ${actorName(s('by'))}${s('runbook') ? ` (runbook ${s('runbook')})` : ''}`;
    case 'deploy.finished':
      return f['ok'] === true ? 'deployed' : `deploy failed${why()}`;
    case 'gate.decided':
      return `gate ${s('gate')} ${f['passed'] === true ? 'passed' : 'failed'}${why()}`;
    case 'bake.started':
      return `bake window started, ends ${absolute(s('endsAt'))}`;
    case 'release.announced':
      return 'announced';
    case 'release.failed':
      return `failed at ${s('gate')}${why()}`;
    case 'rollback.proposed':
      return `rollback ${f['mode'] === 'on' ? 'started automatically' : 'proposed for approval'}${why()}`;
    case 'ledger.override':
      return `ledger check overridden by ${actorName(s('by'))}${why()}`;
    case 'rollback.started':
      return `rollback started: ${s('fromVersion')} → ${s('toVersion')} (${s('mode')}) by ${actorName(s('actor'))}${
        s('approvedBy') ? `, approved by ${actorName(s('approvedBy'))}` : ''
      }${why()}`;
    case 'release.rollback':
      return `rollback ${s('outcome') === 'success' ? 'succeeded' : 'failed'}${s('detail') ? `: ${s('detail')}` : ''}`;
    case 'post-rollback.checked':
      return `post-rollback checks ${f['passed'] === true ? 'passed' : 'failed'}${why()}`;
    case 'run.started':
      return `${s('purpose')} run started${s('gate') ? ` (gate ${s('gate')})` : ''}`;
    case 'rollback.refused':
      return `rollback refused (${s('code')})${why()}`;
    default:
      return `${item.type}${why()}`;
  }
}

/** The run a fact links to, if any. */
export function factRun(item: ReleaseTimelineItem): string | undefined {
  const v = item.fact['runId'];
  return typeof v === 'string' ? v : undefined;
}

/** "2.1.0 → 2.0.0, image-only" */
export function rollbackLine(r: ReleaseView): string {
  const rb = r.rollback;
  if (!rb) return '';
  return `${rb.fromVersion} → ${rb.toVersion}, ${rb.mode}${rb.revision ? ` to revision ${rb.revision}` : ''}`;
}

/** "10 min bake; fails on SEV-1, burn ≥ 14.4; automatic rollback on" */
export function bakeSummary(r: ReleaseView): string {
  const b = r.bake;
  const auto = b.autoRollback === 'on' ? 'automatic rollback' : b.autoRollback === 'approval' ? 'rollback proposed for approval' : 'no automatic rollback';
  return `${b.durationMs === 0 ? 'no bake window' : `${duration(b.durationMs)} bake`}; fails on ${b.failSeverity} or worse, burn rate ≥ ${b.maxBurnRate}${
    b.failHealth.length > 0 ? `, health ${b.failHealth.join('/')}` : ''
  }; ${auto}`;
}
