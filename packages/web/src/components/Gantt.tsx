// The run's timeline as an SVG Gantt chart: one bar per step from its start to its end (or to now
// while it runs or waits), coloured by status, on a time axis from the run's creation. Approval
// gates carry no start time of their own: their wait starts when the step before them ended.
import { useEffect, useRef, useState, type RefObject } from 'react';
import type { RunDetail, Step } from '../api/client';
import { absolute, duration } from '../format';

const ROW = 22;
const BAR = 12;
const LABEL = 170;
const AXIS = 24;
const RIGHT = 100;

interface Bar {
  readonly step: Step;
  readonly start: number | undefined;
  readonly end: number | undefined;
  readonly open: boolean; // still running or waiting: the bar grows with the clock
  /** No start of its own (skipped, denied): drawn as a mark at the decision, not a bar. */
  readonly mark: boolean;
}

const ms = (iso: string | undefined): number | undefined => {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

export function barsOf(run: RunDetail, now: number): Bar[] {
  const out: Bar[] = [];
  let prevEnd = ms(run.createdAt) ?? now;
  for (const step of [...run.steps, ...run.rollback]) {
    const open = step.status === 'running' || step.status === 'waiting_approval';
    let start = ms(step.startedAt);
    const finished = ms(step.finishedAt);
    if (start === undefined && step.kind === 'approve' && (open || finished !== undefined)) start = prevEnd;
    const end = finished ?? (open ? now : undefined);
    const mark = start === undefined && finished !== undefined;
    if (mark) start = finished;
    out.push({ step, start, end, open, mark });
    if (end !== undefined) prevEnd = end;
  }
  return out;
}

/** A tick step (s) giving at most ~8 ticks over `spanMs`. */
function tickStep(spanMs: number, px: number): number {
  const max = Math.max(2, Math.min(10, Math.floor(px / 80)));
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];
  for (const s of steps) if (spanMs / 1000 / s <= max) return s;
  return 86400 * Math.ceil(spanMs / 1000 / 86400 / max);
}

function tickLabel(s: number): string {
  if (s === 0) return '0';
  if (s < 1) return `+${Math.round(s * 1000)}ms`;
  if (s < 60) return `+${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  if (s < 3600) return `+${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  return `+${Math.floor(s / 3600)}h${s % 3600 ? `${Math.floor((s % 3600) / 60)}m` : ''}`;
}

/** The width of the element `ref` is on, followed as it resizes (a chart lays itself out to it). */
export function useWidth(): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement | null>(null);
  const [w, setW] = useState(800);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([e]) => {
      if (e) setW(Math.max(360, Math.floor(e.contentRect.width)));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

export function Gantt({ run, now, selected, onSelect }: { run: RunDetail; now: number; selected: string | null; onSelect: (stepId: string) => void }) {
  const [ref, width] = useWidth();
  const bars = barsOf(run, now);
  const t0 = ms(run.createdAt) ?? now;
  const ends = bars.map((b) => b.end ?? b.start ?? t0);
  const t1 = Math.max(t0 + 1000, ...ends);
  const span = t1 - t0;
  const plot = Math.max(100, width - LABEL - RIGHT);
  const x = (t: number): number => LABEL + ((t - t0) / span) * plot;
  const rollbackAt = run.steps.length;
  const hasRollback = run.rollback.length > 0;
  const rows = bars.length + (hasRollback ? 1 : 0);
  const height = AXIS + rows * ROW + 6;
  const step = tickStep(span, plot);
  const ticks: number[] = [];
  for (let i = 0; i * step * 1000 <= span; i++) ticks.push(Math.round(i * step * 10) / 10);
  const y = (i: number): number => AXIS + (i + (hasRollback && i >= rollbackAt ? 1 : 0)) * ROW;
  const active = bars.some((b) => b.open);

  return (
    <div ref={ref} className="gantt" data-testid="timeline">
      <svg width={width} height={height} role="img" aria-label={`Timeline of run ${run.id}`}>
        <defs>
          <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" className="hatch-bg" />
            <line x1="0" y1="0" x2="0" y2="6" className="hatch-line" />
          </pattern>
        </defs>
        <text x={4} y={14} className="g-axis-start">
          {absolute(run.createdAt).slice(11)} start
        </text>
        {ticks.map((s) => (
          <g key={s}>
            <line x1={x(t0 + s * 1000)} x2={x(t0 + s * 1000)} y1={AXIS - 4} y2={height} className="g-grid" />
            <text x={x(t0 + s * 1000)} y={14} className="g-tick">
              {tickLabel(s)}
            </text>
          </g>
        ))}
        {hasRollback && (
          <text x={4} y={AXIS + rollbackAt * ROW + 15} className="g-section">
            rollback
          </text>
        )}
        {bars.map((b, i) => {
          const top = y(i);
          const sel = b.step.id === selected;
          const cls = `g-bar g-${b.step.status}${b.step.kind === 'approve' ? ' g-approve' : ''}${b.open ? ' g-open' : ''}`;
          const title = `${b.step.id} (${b.step.kind}): ${b.step.status}${b.step.startedAt ? `, started ${absolute(b.step.startedAt)}` : ''}${b.step.finishedAt ? `, finished ${absolute(b.step.finishedAt)}` : ''}${b.step.durationMs !== undefined ? `, ${duration(b.step.durationMs)}` : ''}`;
          const x0 = b.start !== undefined ? x(b.start) : undefined;
          const x1 = b.end !== undefined ? x(b.end) : undefined;
          const len = b.start !== undefined && b.end !== undefined ? b.end - b.start : undefined;
          return (
            <g
              key={`${b.step.phase}:${b.step.id}`}
              className={`g-row${sel ? ' selected' : ''}`}
              onClick={() => onSelect(b.step.id)}
              data-testid="timeline-bar"
              data-step={b.step.id}
              data-status={b.step.status}
            >
              <title>{title}</title>
              <rect x={0} y={top} width={width} height={ROW} className="g-hit" />
              <text x={8} y={top + 15} className={`g-label${b.step.status === 'pending' ? ' muted' : ''}`}>
                {b.step.id.length > 22 ? `${b.step.id.slice(0, 21)}…` : b.step.id}
              </text>
              {x0 !== undefined && x1 !== undefined && !b.mark ? (
                <rect x={x0} y={top + (ROW - BAR) / 2} width={Math.max(3, x1 - x0)} height={BAR} rx={2} className={cls} />
              ) : x0 !== undefined ? (
                <path d={`M${x0} ${top + 5} l5 6 l-5 6 l-5 -6 z`} className={cls} />
              ) : null}
              {x1 !== undefined && len !== undefined && !b.mark && (
                <text x={Math.max(x1, (x0 ?? x1) + 3) + 6} y={top + 15} className="g-dur">
                  {b.step.kind === 'approve' && b.open ? `waiting ${duration(len)}` : duration(b.step.durationMs ?? len)}
                </text>
              )}
            </g>
          );
        })}
        {active && <line x1={x(now)} x2={x(now)} y1={AXIS - 4} y2={height} className="g-now" />}
      </svg>
    </div>
  );
}
