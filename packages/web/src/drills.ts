// Geometry of the drills chart: each drill's measured RTO, RPO or delivery time over time, on a log
// scale (a 1 s restore and the 60 min target must both be readable), with the target as a line. Pure:
// the component only draws what this returns, and the tests check it without a browser.

export interface DrillPoint {
  readonly id: string;
  /** RFC 3339. */
  readonly at: string;
  readonly passed: boolean;
  /** Seconds; null when this drill did not measure the figure. */
  readonly value: number | null;
}

export interface ChartBox {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

export interface DrillChartGeom {
  readonly dots: readonly {
    readonly id: string;
    readonly x: number;
    readonly y: number;
    readonly passed: boolean;
    readonly value: number;
    readonly at: string;
  }[];
  /** The polyline through the dots, oldest first; '' with fewer than two. */
  readonly line: string;
  /** The target's y, or null when there is no target. */
  readonly targetY: number | null;
  readonly yTicks: readonly { readonly y: number; readonly label: string }[];
  readonly xTicks: readonly { readonly x: number; readonly label: string }[];
}

const TICKS = [0.01, 0.1, 1, 10, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400];

/** 0.5 s, 12 s, 4 min, 1.5 h: the unit that keeps the number short. */
export function seconds(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 3600) return `${+(s / 60).toFixed(s < 600 ? 1 : 0)} min`;
  if (s < 86400) return `${+(s / 3600).toFixed(1)} h`;
  return `${+(s / 86400).toFixed(1)} d`;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;

export function drillChart(points: readonly DrillPoint[], target: number | null, box: ChartBox): DrillChartGeom {
  const pts = points
    .map((p) => ({ p, t: Date.parse(p.at) }))
    .filter((x): x is { p: DrillPoint & { value: number }; t: number } => !Number.isNaN(x.t) && x.p.value !== null && x.p.value >= 0)
    .sort((a, b) => a.t - b.t);
  const values = pts.map((x) => Math.max(x.p.value, 0.001));
  const lo = Math.min(...values, target ?? Infinity, 1);
  const hi = Math.max(...values, target ?? 0, 1);
  // Whole decades around the data and the target, so the ticks fall on round numbers.
  const l0 = Math.floor(Math.log10(lo)) - (lo === hi ? 1 : 0);
  const l1 = Math.max(Math.ceil(Math.log10(hi * 1.2)), l0 + 1);
  const plotW = Math.max(10, box.width - box.left - box.right);
  const plotH = Math.max(10, box.height - box.top - box.bottom);
  const y = (v: number): number => r1(box.top + plotH - ((Math.log10(Math.max(v, 0.001)) - l0) / (l1 - l0)) * plotH);
  const t0 = pts[0]?.t ?? 0;
  const t1 = pts.at(-1)?.t ?? 1;
  // One drill sits in the middle; several spread over the plot with a margin so edge dots stay whole.
  const x = (t: number): number => (t1 === t0 ? r1(box.left + plotW / 2) : r1(box.left + 6 + ((t - t0) / (t1 - t0)) * (plotW - 12)));
  const dots = pts.map(({ p, t }) => ({ id: p.id, x: x(t), y: y(p.value), passed: p.passed, value: p.value, at: p.at }));
  const line = dots.length < 2 ? '' : dots.map((d, i) => `${i === 0 ? 'M' : 'L'}${d.x},${d.y}`).join(' ');
  const yTicks = TICKS.filter((v) => Math.log10(v) >= l0 && Math.log10(v) <= l1).map((v) => ({ y: y(v), label: seconds(v) }));
  const xTicks: { x: number; label: string }[] = [];
  if (dots.length > 0) {
    const first = dots[0]!;
    xTicks.push({ x: first.x, label: first.at.slice(0, 10) });
    const last = dots.at(-1)!;
    if (last.at.slice(0, 10) !== first.at.slice(0, 10) && last.x - first.x > 80) xTicks.push({ x: last.x, label: last.at.slice(0, 10) });
  }
  return { dots, line, targetY: target !== null && target > 0 ? y(target) : null, yTicks, xTicks };
}
