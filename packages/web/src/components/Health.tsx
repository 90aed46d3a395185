// Continuous-health building blocks: the state badge (colour and word), a check's latency sparkline,
// its 24 h history chart, an SLO's error-budget chart, the dependency graph, a check's conditions
// with what was seen, and checklist evidence. Charts are SVG drawn from the geometry in ../health.ts;
// colours come from classes (the CSP allows no inline style).
import { useEffect, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import { api, type CheckSummary, type ConditionResult, type SloView } from '../api/client';
import { absolute } from '../format';
import { budgetChart, dependencyGraph, evidenceLines, historyChart, latency, NODE_H, NODE_W, percent, sparkline, uptime, type Graph } from '../health';
import { navigate } from '../router';
import { ErrorBanner, useLoad } from './common';

const GLYPH: Record<string, string> = { up: '✔', down: '✖', degraded: '▲', unknown: '?' };

/** A service, component or check state: coloured, with a mark and the word (never colour alone). */
export function HealthBadge({ state, testId, big }: { state: string; testId?: string; big?: boolean }) {
  return (
    <span className={`badge hs hs-${state}${big ? ' big' : ''}`} data-testid={testId} data-state={state}>
      <span className="hs-glyph" aria-hidden="true">
        {GLYPH[state] ?? '•'}
      </span>
      {state}
    </span>
  );
}

/** The width of a container, followed as it resizes (charts draw to it). */
export function useWidth(min = 240, initial = 600): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement | null>(null);
  const [w, setW] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setW(Math.max(min, Math.floor(el.getBoundingClientRect().width)));
    const ro = new ResizeObserver(([e]) => {
      if (e) setW(Math.max(min, Math.floor(e.contentRect.width)));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [min]);
  return [ref, w];
}

/** Latency of the recent probes (oldest first); a failed probe is a red tick. */
export function Sparkline({ values, width = 120, height = 24, label }: { values: readonly (number | null)[]; width?: number; height?: number; label: string }) {
  const s = sparkline(values, width, height);
  const failed = values.filter((v) => v === null).length;
  const title =
    values.length === 0
      ? `${label}: no probe yet`
      : `${label}: last ${values.length} probes${s.max !== null ? `, up to ${latency(s.max)}` : ''}${failed ? `, ${failed} failed` : ''}`;
  return (
    <svg className="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} data-testid="sparkline">
      <title>{title}</title>
      <line x1={0} x2={width} y1={height - 1} y2={height - 1} className="spark-base" />
      {s.fails.map((x, i) => (
        <line key={`f${i}`} x1={x} x2={x} y1={2} y2={height - 1} className="spark-fail" />
      ))}
      {s.line && <path d={s.line} className="spark-line" />}
      {s.dots.map(([x, y], i) => (
        <circle key={`d${i}`} cx={x} cy={y} r={1.6} className="spark-dot" />
      ))}
    </svg>
  );
}

const HISTORY_BOX = { height: 120, left: 44, right: 10, top: 8, bottom: 20 };

/**
 * How often a check's history is fetched again: every 10 s, less often for a check probed so often
 * that its 24 h of samples are a large answer (the API sends every sample; 1 s → once a minute).
 */
export function historyPollMs(intervalMs: number): number {
  return Math.round(Math.max(10_000, Math.min(60_000, (86_400_000 / Math.max(1, intervalMs)) * 0.7)));
}

/** One check's last 24 h: latency as a line, red bands where probes failed. */
export function HistoryChart({ check }: { check: Pick<CheckSummary, 'id' | 'name' | 'intervalMs'> }) {
  const history = useLoad(() => api.checks.history(check.id, 24), `history:${check.id}`, historyPollMs(check.intervalMs));
  const [ref, width] = useWidth(280);
  const h = history.data;
  const g = h ? historyChart(h.samples, { width, ...HISTORY_BOX }, Date.parse(h.to)) : null;
  const up = h ? uptime(h.hours) : null;
  const bottom = HISTORY_BOX.height - HISTORY_BOX.bottom;
  return (
    <div ref={ref} className="history" data-testid="check-history" data-check={check.id}>
      <ErrorBanner error={history.error} what="History" />
      {!g ? (
        !history.error && <div className="history-placeholder muted small">Loading the history…</div>
      ) : (
        <>
          <svg width={width} height={HISTORY_BOX.height} role="img" aria-label={`Latency and failures of ${check.id}`}>
            <title>{`${check.id}: ${g.samples} probes since ${absolute(new Date(g.t0).toISOString())}, ${g.failures} failed`}</title>
            {g.bands.map((b) => (
              <rect key={b.from} x={b.x0} y={HISTORY_BOX.top} width={b.x1 - b.x0} height={bottom - HISTORY_BOX.top} className="hc-down">
                <title>{`failing from ${absolute(new Date(b.from).toISOString())} to ${absolute(new Date(b.to).toISOString())}`}</title>
              </rect>
            ))}
            {[0, 0.5, 1].map((f) => {
              const y = HISTORY_BOX.top + (1 - f) * (bottom - HISTORY_BOX.top);
              return (
                <g key={f}>
                  <line x1={HISTORY_BOX.left} x2={width - HISTORY_BOX.right} y1={y} y2={y} className={f === 0 ? 'hc-axis' : 'hc-grid'} />
                  <text x={HISTORY_BOX.left - 4} y={y + 4} className="hc-ylabel">
                    {latency(g.yMax * f)}
                  </text>
                </g>
              );
            })}
            {g.ticks
              .filter((t) => t.x > HISTORY_BOX.left + 16 && t.x < width - HISTORY_BOX.right - 22)
              .map((t) => (
                <g key={t.x}>
                  <line x1={t.x} x2={t.x} y1={bottom} y2={bottom + 4} className="hc-axis" />
                  <text x={t.x} y={HISTORY_BOX.height - 5} className="hc-xlabel">
                    {t.label}
                  </text>
                </g>
              ))}
            {g.line && <path d={g.line} className="hc-line" />}
            {g.dots.map(([x, y]) => (
              <circle key={`${x}:${y}`} cx={x} cy={y} r={2} className="hc-dot" />
            ))}
          </svg>
          <div className="history-legend small muted">
            <span className="lg lg-line" aria-hidden="true" /> latency of successful probes
            <span className="lg lg-down" aria-hidden="true" /> failing
            <span className="history-sum">
              {g.samples} probes since {absolute(new Date(g.t0).toISOString()).slice(11)}, {g.failures} failed
              {up !== null && <> · up {percent(up, 2)} (hourly figures, 24 h)</>}
            </span>
          </div>
        </>
      )}
    </div>
  );
}

const BUDGET_BOX = { height: 96, left: 40, right: 48, top: 8, bottom: 18 };

/** An SLO's error budget left over the last days (100 % at the top, exhausted at the red line). */
export function BudgetChart({ slo }: { slo: SloView }) {
  const [ref, width] = useWidth(240, 360);
  const g = budgetChart(slo.budgetSeries, { width, ...BUDGET_BOX });
  const noData = slo.budgetSeries.every((p) => p.remaining === null);
  const bottom = BUDGET_BOX.height - BUDGET_BOX.bottom;
  return (
    <div ref={ref} className="budget-chart" data-testid="budget-chart">
      <svg width={width} height={BUDGET_BOX.height} role="img" aria-label={`Error budget of ${slo.name} over the last days`}>
        <title>{`${slo.name}: error budget left, every 6 h over 7 days`}</title>
        {g.dataFrom !== null && (
          <rect x={BUDGET_BOX.left} y={BUDGET_BOX.top} width={Math.max(0, g.dataFrom - BUDGET_BOX.left)} height={bottom - BUDGET_BOX.top} className="bc-nodata">
            <title>no probes recorded yet</title>
          </rect>
        )}
        <line x1={BUDGET_BOX.left} x2={width - BUDGET_BOX.right} y1={g.yFull} y2={g.yFull} className="bc-grid" />
        <text x={BUDGET_BOX.left - 4} y={g.yFull + 4} className="hc-ylabel">
          100 %
        </text>
        <line x1={BUDGET_BOX.left} x2={width - BUDGET_BOX.right} y1={g.yZero} y2={g.yZero} className="bc-zero" />
        <text x={BUDGET_BOX.left - 4} y={g.yZero + 4} className="hc-ylabel">
          0 %
        </text>
        {g.ticks
          .filter((t) => t.x > BUDGET_BOX.left + 12 && t.x < width - BUDGET_BOX.right + 16)
          .map((t) => (
            <text key={t.x} x={t.x} y={BUDGET_BOX.height - 4} className="hc-xlabel">
              {t.label}
            </text>
          ))}
        {g.line && <path d={g.line} className={`bc-line${(g.last?.remaining ?? 1) < 0 ? ' over' : ''}`} />}
        {g.dots.map(([x, y]) => (
          <circle key={`${x}:${y}`} cx={x} cy={y} r={2.5} className={`bc-dot${(g.last?.remaining ?? 1) < 0 ? ' over' : ''}`} />
        ))}
        {g.last && (
          <text x={g.last.x - 5} y={g.last.y - 6} textAnchor="end" className={`bc-last${g.last.remaining < 0 ? ' over' : ''}`}>
            {g.last.remaining < -1 ? 'budget spent' : percent(g.last.remaining, 1)}
          </text>
        )}
        {noData && (
          <text x={(width + BUDGET_BOX.left - BUDGET_BOX.right) / 2} y={(BUDGET_BOX.top + bottom) / 2} className="bc-empty">
            no data yet
          </text>
        )}
      </svg>
    </div>
  );
}

/** The dependency graph: dependents on the left, the service in the middle, its dependencies on the right. */
export function DependencyGraph({
  self,
  dependsOn,
  dependents,
}: {
  self: { name: string; state: string };
  dependsOn: Parameters<typeof dependencyGraph>[1];
  dependents: Parameters<typeof dependencyGraph>[2];
}) {
  const [ref, width] = useWidth(560, 700);
  const g: Graph = dependencyGraph(self, dependsOn, dependents, width);
  const go = (service: string): void => {
    if (service !== self.name) navigate(`/services/${encodeURIComponent(service)}`);
  };
  const key = (service: string) => (e: KeyboardEvent<SVGGElement>) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      go(service);
    }
  };
  return (
    <div ref={ref} className="dep-graph" data-testid="dependency-graph">
      <svg width={g.width} height={g.height} role="img" aria-label={`Dependencies of ${self.name}`}>
        <defs>
          {['up', 'down', 'degraded', 'unknown'].map((s) => (
            <marker key={s} id={`arrow-${s}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0 0 L10 5 L0 10 z" className={`dg-arrow dg-${s}`} />
            </marker>
          ))}
        </defs>
        {g.columns.map((c) => (
          <text key={c.label} x={c.x + NODE_W / 2} y={12} className="dg-col">
            {c.label}
          </text>
        ))}
        {g.empty.map((c) => (
          <text key={c.label} x={c.x + NODE_W / 2} y={c.y} className="dg-none">
            {c.label}
          </text>
        ))}
        {g.edges.map((e) => (
          <path
            key={`${e.from}->${e.to}`}
            d={e.d}
            className={`dg-edge dg-${e.state}${e.optional ? ' optional' : ''}`}
            markerEnd={`url(#arrow-${['up', 'down', 'degraded', 'unknown'].includes(e.state) ? e.state : 'unknown'})`}
            data-testid="dependency-edge"
            data-optional={String(e.optional)}
          >
            <title>{`${e.from} ${e.optional ? 'optionally depends' : 'depends'} on ${e.to}`}</title>
          </path>
        ))}
        {g.nodes.map((n) => {
          const link = n.role !== 'self';
          return (
            <g
              key={`${n.role}:${n.name}`}
              className={`dg-node dg-${n.state}${link ? ' link' : ' self'}`}
              transform={`translate(${n.x} ${n.y})`}
              data-testid="dependency-node"
              data-service={n.service}
              data-role={n.role}
              data-state={n.state}
              {...(link ? { role: 'link', tabIndex: 0, onClick: () => go(n.service), onKeyDown: key(n.service), 'aria-label': `${n.name}: ${n.state}` } : {})}
            >
              <title>{`${n.name}: ${n.state}${link ? ' (open)' : ''}`}</title>
              <rect width={NODE_W} height={NODE_H} rx={6} className="dg-box" />
              <rect width={6} height={NODE_H} rx={3} className="dg-edge-mark" />
              <text x={14} y={15} className="dg-name">
                {n.name.length > 22 ? `${n.name.slice(0, 21)}…` : n.name}
              </text>
              <text x={14} y={29} className="dg-state">
                {GLYPH[n.state] ?? '•'} {n.state}
              </text>
            </g>
          );
        })}
      </svg>
      <div className="small muted dg-legend">
        Arrows point at what is depended on. <span className="lg lg-req" aria-hidden="true" /> required <span className="lg lg-opt" aria-hidden="true" />{' '}
        optional (down degrades, never takes the service down). Click a service to open it.
      </div>
    </div>
  );
}

/** Each condition of a check with what the probe saw. */
export function Conditions({ conditions, fallback }: { conditions: readonly ConditionResult[]; fallback?: readonly string[] }) {
  if (conditions.length === 0) {
    if (!fallback || fallback.length === 0) return <div className="muted small">No conditions: the probe completing is enough.</div>;
    return (
      <ul className="conds">
        {fallback.map((c) => (
          <li key={c} className="cond">
            <span className="cond-mark muted" aria-label="not judged yet">
              ·
            </span>
            <code className="cond-text">{c}</code>
          </li>
        ))}
      </ul>
    );
  }
  return (
    <ul className="conds" data-testid="conditions">
      {conditions.map((c, i) => (
        <li key={`${i}:${c.condition}`} className={`cond ${c.ok ? 'ok' : 'bad'}`} data-testid="condition" data-ok={String(c.ok)}>
          <span className="cond-mark" aria-label={c.ok ? 'holds' : 'fails'}>
            {c.ok ? '✔' : '✖'}
          </span>
          <code className="cond-text">{c.condition}</code>
          <span className="cond-actual">
            saw <code>{c.actual}</code>
          </span>
          {!c.ok && (c.message || c.reason) && <span className="cond-msg">{c.message ?? c.reason}</span>}
        </li>
      ))}
    </ul>
  );
}

/** Checklist evidence: text as itself, an object as key/value lines (never "[object Object]"). */
export function Evidence({ value }: { value: unknown }) {
  const e = evidenceLines(value);
  if (e.text !== null)
    return (
      <div className="evidence-text" data-testid="evidence">
        {e.text}
      </div>
    );
  return (
    <dl className="evidence-kv" data-testid="evidence">
      {e.lines.map((l, i) => (
        <div key={`${i}:${l.key}`} className="ev-line">
          <dt>{l.key}</dt>
          <dd>{l.value}</dd>
        </div>
      ))}
    </dl>
  );
}
