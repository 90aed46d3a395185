// The drills chart: one measured figure (RTO, RPO or delivery time) of every drill over time on a log
// scale, the target as a dashed red line, each drill a dot (green passed, red failed; a mark as well
// as a colour). Geometry from ../drills.ts; colours from classes (the CSP allows no inline style).
import { drillChart, seconds, type DrillPoint } from '../drills';
import { useWidth } from './Health';

const BOX = { height: 150, left: 52, right: 56, top: 10, bottom: 20 };

export function DrillChart({ title, points, target, testId }: { title: string; points: readonly DrillPoint[]; target: number | null; testId?: string }) {
  const [ref, width] = useWidth(240, 420);
  const g = drillChart(points, target, { width, ...BOX });
  const bottom = BOX.height - BOX.bottom;
  return (
    <div ref={ref} className="drill-chart" data-testid={testId} data-points={g.dots.length}>
      <div className="drill-chart-title">
        {title}
        {target !== null && <span className="muted small"> · target {seconds(target)}</span>}
      </div>
      <svg width={width} height={BOX.height} role="img" aria-label={`${title} of each drill over time${target !== null ? `, target ${seconds(target)}` : ''}`}>
        {g.yTicks.map((t) => (
          <g key={t.label}>
            <line x1={BOX.left} x2={width - BOX.right} y1={t.y} y2={t.y} className="hc-grid" />
            <text x={BOX.left - 4} y={t.y + 3} className="hc-ylabel">
              {t.label}
            </text>
          </g>
        ))}
        <line x1={BOX.left} x2={width - BOX.right} y1={bottom} y2={bottom} className="hc-axis" />
        {g.targetY !== null && target !== null && (
          <g data-testid="drill-target">
            <line x1={BOX.left} x2={width - BOX.right} y1={g.targetY} y2={g.targetY} className="bc-zero" />
            <text x={width - BOX.right + 4} y={g.targetY + 3} className="dc-target">
              target
            </text>
          </g>
        )}
        {g.xTicks.map((t) => (
          <text key={t.x} x={t.x} y={BOX.height - 5} className="hc-xlabel">
            {t.label}
          </text>
        ))}
        {g.line && <path d={g.line} className="dc-line" />}
        {g.dots.map((d) => (
          <g key={d.id} className={`dc-dot ${d.passed ? 'passed' : 'failed'}`} data-testid="drill-dot" data-passed={d.passed}>
            <title>{`${d.id}: ${seconds(d.value)}, ${d.passed ? 'passed' : 'failed'} (${d.at})`}</title>
            {d.passed ? (
              <circle cx={d.x} cy={d.y} r={4} />
            ) : (
              <path d={`M${d.x - 4},${d.y - 4} L${d.x + 4},${d.y + 4} M${d.x - 4},${d.y + 4} L${d.x + 4},${d.y - 4}`} />
            )}
          </g>
        ))}
        {g.dots.length === 0 && (
          <text x={(width + BOX.left - BOX.right) / 2} y={(BOX.top + bottom) / 2} className="bc-empty">
            no drill measured this yet
          </text>
        )}
      </svg>
    </div>
  );
}
