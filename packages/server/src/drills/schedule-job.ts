// The scheduler's `drill` job: a scheduled drill runs through the same host as one started from the API
// (one at a time, the same evidence and ledger entries), and its verdict is the slot's outcome.
import type { DrillJob } from '@runledger/core';
import { describeError, type DrillOptions, type JobHandler } from '@runledger/runtime';
import type { DrillsHost } from './host.js';

/** Option values from YAML: strings and booleans as given, numbers as text (the kinds parse them). */
function optionsOf(o: Readonly<Record<string, unknown>>): DrillOptions {
  const out: Record<string, string | boolean> = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === 'boolean' ? v : String(v);
  return out;
}

export function drillJob(host: DrillsHost): JobHandler<DrillJob> {
  return async (job, ctx) => {
    try {
      const r = await host.run({
        kind: job.drill,
        ...(job.env !== undefined ? { env: job.env } : {}),
        options: optionsOf(job.options),
        actor: ctx.actor,
      });
      if (!r) return { ok: false, detail: `the ${job.drill} drill ran but its evidence could not be written (see the server log)` };
      return {
        ok: r.passed,
        detail: r.passed ? `${r.kind} drill passed` : `${r.kind} drill failed: ${r.reasons[0] ?? 'see its evidence'}`,
        ref: r.id,
      };
    } catch (e) {
      const d = describeError(e);
      return { ok: false, detail: `the ${job.drill} drill did not start: ${d.code}: ${d.message}` };
    }
  };
}
