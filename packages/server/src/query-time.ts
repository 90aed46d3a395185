// Time bounds in query strings (`since`, `until`): ISO 8601 instants or dates, turned into the stored
// form (toISOString, so they compare as the stored times do). The schema's pattern checks the shape;
// this also refuses dates that do not exist (2026-02-31), which Date.parse would roll over.

/** The shape the schemas accept: a date, or a date and time with seconds optional, fraction optional, and Z or an offset. */
export const ISO_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$';

/** A request error located at `/querystring/<name>`, in the shape schema failures have (VALIDATION_FAILED). */
function invalid(name: string, message: string): Error {
  return Object.assign(new Error(`querystring/${name} ${message}`), {
    validation: [{ instancePath: `/${name}`, keyword: 'format', message }],
    validationContext: 'querystring',
  });
}

/** The parameter as a stored-form ISO instant; undefined when absent. Dates mean their start in UTC. */
export function isoParam(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  const t = Date.parse(value);
  if (!m || Number.isNaN(t)) throw invalid(name, 'must be an ISO 8601 time such as 2026-12-07T10:00:00Z or a date such as 2026-12-07');
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) throw invalid(name, `names no real date (${m[0]})`);
  return new Date(t).toISOString();
}

/** since < until when both are given. */
export function timeRange(q: { since?: string | undefined; until?: string | undefined }): { since?: string; until?: string } {
  const since = isoParam(q.since, 'since');
  const until = isoParam(q.until, 'until');
  if (since !== undefined && until !== undefined && since >= until) throw invalid('until', `must be after since (${since})`);
  return { ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) };
}
