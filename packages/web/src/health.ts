// Continuous-health helpers shared by the services, service and checklist views and the dashboard:
// state order and counts, the explanation line, the geometry of the small charts (sparkline, check
// history, error budget, dependency graph) as SVG paths, checklist evidence as readable lines, and
// which incidents concern a service. Pure functions (tested in test/helpers.test.ts).
import type { IncidentSummary } from '@runledger/server/api-types';

export type State = 'up' | 'degraded' | 'down' | 'unknown';
export const STATES: readonly State[] = ['down', 'unknown', 'degraded', 'up'];

/** Worst first: down, unknown, degraded, up (anything else after them). */
export function stateRank(s: string): number {
  const i = STATES.indexOf(s as State);
  return i < 0 ? STATES.length : i;
}

export function stateCounts(states: readonly string[]): Record<State, number> {
  const out: Record<State, number> = { down: 0, unknown: 0, degraded: 0, up: 0 };
  for (const s of states) if (s in out) out[s as State]++;
  return out;
}

/**
 * The verdict without the service's own name in front: "down because of postgres (check
 * postgres/ready), via backend" from "proxy is down because of …". Anything else is kept as is.
 */
export function explanationLine(name: string, explanation: string): string {
  const prefix = `${name} is `;
  return explanation.startsWith(prefix) ? explanation.slice(prefix.length) : explanation;
}

/** 0.4 ms, 12 ms, 1.25 s: a probe's latency. */
export function latency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 10) return `${(Math.round(ms * 10) / 10).toString()} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(Math.round(ms / 10) / 100).toString()} s`;
}

/** "every 1 s", "every 30 s", "every 5 min": how often a check runs. */
export function interval(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 6000) / 10} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}

/** 0.99912 → "99.912 %" (up to `digits` decimals, trailing zeros dropped). */
export function percent(fraction: number | null | undefined, digits = 3): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '–';
  const s = (fraction * 100).toFixed(digits).replace(/\.?0+$/, '');
  return `${s} %`;
}

/** A window length: 30d, 7d, 1h, 5m. */
export function windowLabel(ms: number): string {
  const d = 86_400_000;
  if (ms % d === 0) return `${ms / d}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `v` (an axis maximum). */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const k = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * k >= v) return m * k;
  return 10 * k;
}

// ---- sparkline ----

export interface Spark {
  /** The latency line (`M … L …`), broken where a probe failed. */
  readonly line: string;
  /** Single points between failures (no line to draw): [x, y]. */
  readonly dots: readonly (readonly [number, number])[];
  /** x of each failed probe. */
  readonly fails: readonly number[];
  /** The largest latency shown (ms), null when every probe failed or there are none. */
  readonly max: number | null;
}

const r1 = (n: number): number => Math.round(n * 10) / 10;

/** A sparkline of recent latencies (oldest first; null = the probe failed) in a width × height box. */
export function sparkline(values: readonly (number | null)[], width: number, height: number, pad = 2): Spark {
  const n = values.length;
  const nums = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const max = nums.length > 0 ? Math.max(...nums) : null;
  const top = max === null || max <= 0 ? 1 : max;
  const step = n > 1 ? (width - 2 * pad) / (n - 1) : 0;
  const x = (i: number): number => r1(n > 1 ? pad + i * step : width / 2);
  const y = (v: number): number => r1(height - pad - (Math.max(0, v) / top) * (height - 2 * pad));
  const parts: string[] = [];
  const dots: [number, number][] = [];
  const fails: number[] = [];
  let run: [number, number][] = [];
  const close = (): void => {
    if (run.length === 1 && run[0]) dots.push(run[0]);
    else if (run.length > 1) parts.push(run.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px} ${py}`).join(' '));
    run = [];
  };
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      close();
      fails.push(x(i));
    } else run.push([x(i), y(v)]);
  });
  close();
  return { line: parts.join(' '), dots, fails, max };
}

// ---- a check's history ----

export interface Box {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

export interface Tick {
  readonly x: number;
  readonly label: string;
}

export interface HistoryGeom {
  readonly t0: number;
  readonly t1: number;
  /** The latency axis' top (ms). */
  readonly yMax: number;
  readonly line: string;
  readonly dots: readonly (readonly [number, number])[];
  /** Spans where probes failed: from a failed sample to the next sample (or the end). */
  readonly bands: readonly { readonly x0: number; readonly x1: number; readonly from: number; readonly to: number }[];
  readonly ticks: readonly Tick[];
  readonly samples: number;
  readonly failures: number;
}

interface SampleLike {
  readonly at: string;
  readonly state: string;
  readonly latencyMs?: number;
}

const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Time ticks at round local times, at most one per ~90 px. */
export function timeTicks(t0: number, t1: number, x: (t: number) => number, plotWidth: number): Tick[] {
  const span = Math.max(1, t1 - t0);
  const max = Math.max(2, Math.floor(plotWidth / 90));
  const step = TICK_STEPS.find((s) => span / s <= max) ?? 86_400_000 * Math.ceil(span / 86_400_000 / max);
  const offset = new Date(t0).getTimezoneOffset() * 60_000;
  const first = Math.ceil((t0 - offset) / step) * step + offset;
  const out: Tick[] = [];
  for (let t = first; t <= t1; t += step) {
    const d = new Date(t);
    const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
    out.push({ x: r1(x(t)), label: step < 60_000 ? `${hm}:${pad2(d.getSeconds())}` : hm });
  }
  return out;
}

/**
 * The history chart of one check: latency of the successful probes as a line (the highest per 2 px
 * column, so a spike is never averaged away), red bands where probes failed, over the span the
 * samples cover (at most the requested one) up to `to`.
 */
export function historyChart(samples: readonly SampleLike[], box: Box, to: number): HistoryGeom {
  const pts = samples.map((s) => ({ t: Date.parse(s.at), s })).filter((p) => !Number.isNaN(p.t));
  const t1 = Math.max(to, pts.at(-1)?.t ?? to);
  const t0 = Math.min(pts[0]?.t ?? t1 - 60_000, t1 - 10_000);
  const plotW = Math.max(10, box.width - box.left - box.right);
  const plotH = Math.max(10, box.height - box.top - box.bottom);
  const x = (t: number): number => box.left + ((t - t0) / (t1 - t0)) * plotW;
  const lat = pts.filter((p) => p.s.state === 'up' && p.s.latencyMs !== undefined).map((p) => p.s.latencyMs ?? 0);
  const yMax = niceMax(lat.length > 0 ? Math.max(...lat) * 1.1 : 1);
  const y = (v: number): number => r1(box.top + plotH - (Math.min(v, yMax) / yMax) * plotH);

  const cols = Math.max(1, Math.floor(plotW / 2));
  const colOf = (t: number): number => Math.min(cols - 1, Math.max(0, Math.floor(((t - t0) / (t1 - t0)) * cols)));
  const colX = (c: number): number => r1(box.left + ((c + 0.5) / cols) * plotW);
  const segments: { col: number; v: number }[][] = [];
  let cur: { col: number; v: number }[] = [];
  const bands: { x0: number; x1: number; from: number; to: number }[] = [];
  let failures = 0;
  pts.forEach((p, i) => {
    if (p.s.state === 'up' && p.s.latencyMs !== undefined) {
      const col = colOf(p.t);
      const last = cur.at(-1);
      if (last && last.col === col) last.v = Math.max(last.v, p.s.latencyMs);
      else cur.push({ col, v: p.s.latencyMs });
      return;
    }
    if (cur.length > 0) segments.push(cur);
    cur = [];
    if (p.s.state !== 'down') return;
    failures++;
    const end = pts[i + 1]?.t ?? t1;
    const prev = bands.at(-1);
    if (prev && prev.to >= p.t) {
      prev.to = end;
      prev.x1 = r1(Math.max(x(end), prev.x0 + 2));
    } else bands.push({ from: p.t, to: end, x0: r1(x(p.t)), x1: r1(Math.max(x(end), x(p.t) + 2)) });
  });
  if (cur.length > 0) segments.push(cur);
  const dots: [number, number][] = [];
  const line = segments
    .filter((seg) => {
      if (seg.length === 1 && seg[0]) dots.push([colX(seg[0].col), y(seg[0].v)]);
      return seg.length > 1;
    })
    .map((seg) => seg.map((p, i) => `${i === 0 ? 'M' : 'L'}${colX(p.col)} ${y(p.v)}`).join(' '))
    .join(' ');
  return { t0, t1, yMax, line, dots, bands, ticks: timeTicks(t0, t1, x, plotW), samples: pts.length, failures };
}

/** The share of time up over the hourly figures (null when nothing was measured). */
export function uptime(hours: readonly { readonly upMs: number; readonly downMs: number }[]): number | null {
  let up = 0;
  let down = 0;
  for (const h of hours) {
    up += h.upMs;
    down += h.downMs;
  }
  return up + down > 0 ? up / (up + down) : null;
}

// ---- error budget ----

export interface BudgetGeom {
  readonly line: string;
  readonly dots: readonly (readonly [number, number])[];
  /** y of 100 % and 0 % of the budget left. */
  readonly yFull: number;
  readonly yZero: number;
  /** The lowest fraction on the axis (below 0 when the budget was overspent). */
  readonly min: number;
  readonly ticks: readonly Tick[];
  /** The last point with data. */
  readonly last: { readonly x: number; readonly y: number; readonly remaining: number } | null;
  /** Where the data starts (x), when the first points have none. */
  readonly dataFrom: number | null;
}

/** The error budget left over time (fractions, null = no data then), as a line from 100 % down. */
export function budgetChart(series: readonly { readonly at: string; readonly remaining: number | null }[], box: Box): BudgetGeom {
  // Plotted between −100 % and 100 %: a budget spent many times over would flatten every other point.
  const clamp = (v: number | null): number | null => (v === null ? null : Math.max(-1, Math.min(1, v)));
  const pts = series.map((p) => ({ t: Date.parse(p.at), v: clamp(p.remaining), raw: p.remaining })).filter((p) => !Number.isNaN(p.t));
  const t0 = pts[0]?.t ?? 0;
  const t1 = Math.max(t0 + 1, pts.at(-1)?.t ?? 1);
  const vals = pts.map((p) => p.v).filter((v): v is number => v !== null && Number.isFinite(v));
  const top = Math.max(1, ...vals);
  const min = Math.min(0, ...vals);
  const plotW = Math.max(10, box.width - box.left - box.right);
  const plotH = Math.max(10, box.height - box.top - box.bottom);
  const x = (t: number): number => r1(box.left + ((t - t0) / (t1 - t0)) * plotW);
  const y = (v: number): number => r1(box.top + ((top - v) / (top - min)) * plotH);
  const parts: string[] = [];
  const dots: [number, number][] = [];
  let run: [number, number][] = [];
  const close = (): void => {
    if (run.length === 1 && run[0]) dots.push(run[0]);
    else if (run.length > 1) parts.push(run.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px} ${py}`).join(' '));
    run = [];
  };
  let last: BudgetGeom['last'] = null;
  let dataFrom: number | null = null;
  for (const p of pts) {
    if (p.v === null || !Number.isFinite(p.v)) {
      close();
      continue;
    }
    if (dataFrom === null) dataFrom = x(p.t);
    run.push([x(p.t), y(p.v)]);
    last = { x: x(p.t), y: y(p.v), remaining: p.raw ?? p.v };
  }
  close();
  const ticks: Tick[] = [];
  const day = 86_400_000;
  if (pts.length > 1) {
    const stepDays = Math.max(1, Math.ceil((t1 - t0) / day / Math.max(2, Math.floor(plotW / 70))));
    const start = new Date(t0);
    start.setHours(0, 0, 0, 0);
    for (let t = start.getTime() + day; t <= t1; t += stepDays * day) {
      const d = new Date(t);
      ticks.push({ x: x(t), label: `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}` });
    }
  }
  return { line: parts.join(' '), dots, yFull: y(1), yZero: y(0), min, ticks, last, dataFrom: dataFrom !== null && pts[0]?.v === null ? dataFrom : null };
}

// ---- the dependency graph ----

export interface GraphNode {
  /** What is drawn: a service name or `service/component`. */
  readonly name: string;
  /** The service page it links to. */
  readonly service: string;
  readonly state: string;
  readonly role: 'self' | 'dependency' | 'dependent';
  readonly x: number;
  readonly y: number;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly optional: boolean;
  /** The state of what the edge points at (what is depended on). */
  readonly state: string;
  readonly d: string;
}

export interface Graph {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly columns: readonly { readonly x: number; readonly label: string }[];
  /** Notes for an empty side ("nothing depends on it"). */
  readonly empty: readonly { readonly x: number; readonly y: number; readonly label: string }[];
}

export const NODE_W = 168;
export const NODE_H = 36;
const GAP = 14;
const HEAD = 22;

/**
 * This service in the middle, what depends on it on the left, what it depends on on the right; the
 * edges point from the one that depends to the one depended on.
 */
export function dependencyGraph(
  self: { readonly name: string; readonly state: string },
  dependsOn: readonly { readonly target: string; readonly optional: boolean; readonly state: string }[],
  dependents: readonly { readonly name: string; readonly optional: boolean; readonly state: string }[],
  width: number,
): Graph {
  const w = Math.max(3 * NODE_W + 80, width);
  const rows = Math.max(1, dependsOn.length, dependents.length);
  const height = HEAD + rows * (NODE_H + GAP) + 4;
  const colY = (i: number, n: number): number => HEAD + ((rows - n) * (NODE_H + GAP)) / 2 + i * (NODE_H + GAP);
  const leftX = 4;
  const midX = Math.round((w - NODE_W) / 2);
  const rightX = w - NODE_W - 4;
  const me: GraphNode = { name: self.name, service: self.name, state: self.state, role: 'self', x: midX, y: colY(0, 1) };
  const deps: GraphNode[] = dependsOn.map((d, i) => ({
    name: d.target,
    service: d.target.split('/')[0] ?? d.target,
    state: d.state,
    role: 'dependency',
    x: rightX,
    y: colY(i, dependsOn.length),
  }));
  const users: GraphNode[] = dependents.map((d, i) => ({
    name: d.name,
    service: d.name,
    state: d.state,
    role: 'dependent',
    x: leftX,
    y: colY(i, dependents.length),
  }));
  const curve = (a: GraphNode, b: GraphNode): string => {
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x - 2;
    const y2 = b.y + NODE_H / 2;
    const mx = Math.round((x1 + x2) / 2);
    return `M${x1} ${y1} C${mx} ${y1} ${mx} ${y2} ${x2} ${y2}`;
  };
  const edges: GraphEdge[] = [
    ...users.map((u, i) => ({ from: u.name, to: me.name, optional: dependents[i]?.optional ?? false, state: me.state, d: curve(u, me) })),
    ...deps.map((d, i) => ({ from: me.name, to: d.name, optional: dependsOn[i]?.optional ?? false, state: d.state, d: curve(me, d) })),
  ];
  return {
    width: w,
    height,
    nodes: [...users, me, ...deps],
    edges,
    columns: [
      { x: leftX, label: 'depended on by' },
      { x: midX, label: 'this service' },
      { x: rightX, label: 'depends on' },
    ],
    empty: [
      ...(dependents.length === 0 ? [{ x: leftX, y: me.y + NODE_H / 2 + 4, label: 'nothing depends on it' }] : []),
      ...(dependsOn.length === 0 ? [{ x: rightX, y: me.y + NODE_H / 2 + 4, label: 'no dependencies' }] : []),
    ],
  };
}

// ---- checklist evidence ----

export interface EvidenceLine {
  readonly key: string;
  readonly value: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function scalar(key: string, v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number' && /(^|[._])at$/.test(key) && v > 1e11 && v < 1e14) return new Date(v).toISOString();
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return inline(v);
}

/** An object or list on one line: `id: x, severity: SEV-1` / `a, b`. */
function inline(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map((x) => (isRecord(x) || Array.isArray(x) ? `(${inline(x)})` : scalar('', x))).join(', ');
  if (isRecord(v)) {
    const es = Object.entries(v).filter(([, x]) => x !== undefined);
    return es.length === 0 ? '–' : es.map(([k, x]) => `${k}: ${isRecord(x) || Array.isArray(x) ? inline(x) : scalar(k, x)}`).join(', ');
  }
  return scalar('', v);
}

/**
 * Checklist evidence as people read it: a text as itself; an object as key/value lines (nested
 * objects with dotted keys, a list of objects one line per element, other lists joined).
 */
export function evidenceLines(e: unknown): { readonly text: string | null; readonly lines: readonly EvidenceLine[] } {
  if (e === null || e === undefined) return { text: 'no evidence', lines: [] };
  if (!isRecord(e) && !Array.isArray(e)) return { text: scalar('', e), lines: [] };
  const lines: EvidenceLine[] = [];
  const walk = (prefix: string, v: unknown): void => {
    if (isRecord(v)) {
      const es = Object.entries(v).filter(([, x]) => x !== undefined);
      if (es.length === 0 && prefix) lines.push({ key: prefix, value: '–' });
      for (const [k, x] of es) walk(prefix ? `${prefix}.${k}` : k, x);
    } else if (Array.isArray(v)) {
      if (v.length === 0) lines.push({ key: prefix || 'items', value: 'none' });
      else if (v.some((x) => isRecord(x) || Array.isArray(x))) v.forEach((x, i) => lines.push({ key: `${prefix || 'item'} ${i + 1}`, value: inline(x) }));
      else lines.push({ key: prefix || 'items', value: v.map((x) => scalar('', x)).join(', ') });
    } else lines.push({ key: prefix || 'value', value: scalar(prefix, v) });
  };
  walk('', e);
  return { text: null, lines };
}

// ---- incidents ----

/**
 * Incidents about these services: health alerts carry the service (the root cause's, when a
 * dependency is the cause) in their grouping key and the check id at the start of their title.
 */
export function incidentsOf<T extends Pick<IncidentSummary, 'key' | 'title'>>(incidents: readonly T[], services: readonly string[]): T[] {
  return incidents.filter((i) => services.some((s) => `,${i.key},`.includes(`,service=${JSON.stringify(s)},`) || i.title.startsWith(`${s}/`) || i.title === s));
}
