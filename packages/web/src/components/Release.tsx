// Releases' building blocks: the state badge, gate dots, and the timeline picture (one lane per service
// and environment, each release a marker coloured by state with its version, who and when, and a dot
// per gate; a dashed arc from a rolled-back release to the one it went back to).
import type { KeyboardEvent } from 'react';
import type { ReleaseView } from '../api/client';
import { actorName, relative, useNow } from '../format';
import { gateOutcome, GATE_WORD, releaseStatus, STATE_HELP, timelineLayout, type Marker } from '../releases';
import { navigate } from '../router';
import { useWidth } from './Gantt';

export function ReleaseBadge({ r, testId }: { r: ReleaseView; testId?: string }) {
  const s = releaseStatus(r);
  return (
    <span className={`badge rs-${s.cls}`} data-testid={testId} data-state={r.state} title={STATE_HELP[s.cls]}>
      {s.label}
    </span>
  );
}

/** One dot per gate: green passed, red failed, blue deciding now, grey not yet. */
export function GateDots({ r }: { r: ReleaseView }) {
  if (r.gates.length === 0) return <span className="muted small">no gates</span>;
  return (
    <span className="gate-dots" data-testid="gate-dots">
      {r.gates.map((g) => {
        const o = gateOutcome(g, r);
        return (
          <span
            key={g.name}
            className={`gdot gdot-${o}`}
            title={`${g.name} (${g.kind}): ${GATE_WORD[o]}${g.reason ? ` — ${g.reason}` : ''}`}
            data-gate={g.name}
            data-outcome={o}
          />
        );
      })}
    </span>
  );
}

const LABEL = 150;
const LANE = 110;
const TOP = 4;
const MIN_COL = 118;

/** The timeline picture; `current` holds the ids of the releases running now (a ring around them). */
export function ReleaseTimeline({ releases, current }: { releases: readonly ReleaseView[]; current: ReadonlySet<string> }) {
  const [ref, width] = useWidth();
  const now = useNow(5000);
  // Marker centres run from half a column right of the labels to half a column from the right edge.
  const usable = Math.max(0, width - LABEL - MIN_COL);
  const maxCols = Math.floor(usable / MIN_COL) + 1;
  const lay = timelineLayout(releases, maxCols);
  const colW = lay.cols <= 1 ? 0 : Math.min(180, usable / (lay.cols - 1));
  const x = (m: Marker): number => LABEL + MIN_COL / 2 + m.col * colW;
  const y = (lane: number): number => TOP + lane * LANE + 60;
  const height = TOP + lay.lanes.length * LANE + 4;
  const go = (id: string) => navigate(`/releases/${encodeURIComponent(id)}`);
  const key = (id: string) => (e: KeyboardEvent<SVGGElement>) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      go(id);
    }
  };

  return (
    <div className="rel-timeline" ref={ref} data-testid="release-timeline">
      <svg width={width} height={height} role="img" aria-label="Release timeline: one lane per service and environment, oldest release left">
        {lay.lanes.map((l, i) => {
          const ms = lay.markers.filter((m) => m.lane === i);
          const first = ms[0];
          const last = ms.at(-1);
          return (
            <g key={l.key} className="rl-lane" data-testid="release-lane" data-service={l.service} data-env={l.env}>
              {i > 0 && <line x1={0} x2={width} y1={TOP + i * LANE} y2={TOP + i * LANE} className="rl-sep" />}
              <text x={4} y={y(i) - 4} className="rl-svc">
                {l.service.length > 20 ? `${l.service.slice(0, 19)}…` : l.service}
              </text>
              <text x={4} y={y(i) + 12} className="rl-env">
                {l.env}
              </text>
              {first && last && <line x1={x(first) - 24} x2={Math.max(x(last) + 24, x(first) + 24)} y1={y(i)} y2={y(i)} className="rl-axis" />}
            </g>
          );
        })}
        {lay.arcs.map(({ from, to }) => {
          // Over the version labels, from the rolled-back release back to the one it returned to.
          const x1 = x(from);
          const x2 = x(to);
          const yy = y(from.lane) - 30;
          const mid = (x1 + x2) / 2;
          return (
            <g key={`arc:${from.release.id}`} className="rl-arc" data-testid="release-rollback-arc">
              <path d={`M ${x1} ${yy} C ${x1} ${yy - 22}, ${x2} ${yy - 22}, ${x2} ${yy - 2}`} className="rl-arc-path" markerEnd="url(#rl-arrow)" />
              <text x={mid} y={yy - 20} className="rl-arc-label">
                rollback
              </text>
            </g>
          );
        })}
        <defs>
          <marker id="rl-arrow" viewBox="0 0 8 8" refX="6" refY="4" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L8,4 L0,8 z" className="rl-arrow" />
          </marker>
        </defs>
        {lay.markers.map((m) => {
          const r = m.release;
          const s = releaseStatus(r);
          const cx = x(m);
          const cy = y(m.lane);
          const when = r.announcedAt ?? r.failedAt ?? r.deployStartedAt ?? r.createdAt;
          const gw = r.gates.length * 10;
          return (
            <g
              key={r.id}
              className={`rl-marker rl-${s.cls}`}
              data-testid="release-marker"
              data-release={r.id}
              data-state={r.state}
              data-version={r.version}
              role="link"
              tabIndex={0}
              onClick={() => go(r.id)}
              onKeyDown={key(r.id)}
              aria-label={`${r.service} ${r.version} in ${r.env}: ${s.label}`}
            >
              <title>{`${r.service} ${r.version} in ${r.env}: ${s.label}\nby ${actorName(r.requestedBy)}, ${when}${
                r.failure ? `\nfailed at ${r.failure.gate}: ${r.failure.reason}` : ''
              }`}</title>
              <rect x={cx - MIN_COL / 2 + 4} y={cy - 32} width={MIN_COL - 8} height={LANE - 24} rx={6} className="rl-hit" />
              <text x={cx} y={cy - 16} className="rl-version">
                {r.version.length > 16 ? `${r.version.slice(0, 15)}…` : r.version}
              </text>
              {current.has(r.id) && <circle cx={cx} cy={cy} r={12.5} className="rl-current" />}
              <circle cx={cx} cy={cy} r={8} className="rl-dot" />
              <text x={cx} y={cy + 24} className="rl-state">
                {s.label}
              </text>
              <text x={cx} y={cy + 37} className="rl-who">
                {`${actorName(r.requestedBy).slice(0, 10)} · ${relative(when, now)}`}
              </text>
              {r.gates.map((g, gi) => (
                <circle key={g.name} cx={cx - gw / 2 + 5 + gi * 10} cy={cy + 47} r={3.5} className={`rl-gate gdot-${gateOutcome(g, r)}`} />
              ))}
            </g>
          );
        })}
      </svg>
      <div className="small muted rl-legend">
        Oldest left; a ring marks the release running now; dots under a release are its gates (
        <span className="gdot gdot-passed" /> passed <span className="gdot gdot-failed" /> failed <span className="gdot gdot-running" /> running{' '}
        <span className="gdot gdot-pending" /> not yet); a dashed arrow is a rollback.
        {lay.hidden > 0 && ` ${lay.hidden} older release${lay.hidden === 1 ? '' : 's'} in the list below.`}
      </div>
    </div>
  );
}
