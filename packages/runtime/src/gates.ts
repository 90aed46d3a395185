// What each approval gate of a run asks, as the approver should read it: the gate's Markdown with
// the run's input values, environment and run id in place. Secret inputs are masked (the stored
// run holds only their keyed hashes anyway); `{{ steps.ID.output }}` takes the step's stored,
// already redacted stdout. Shared by the API's run view and the CLI's `show` and `run`.
import { renderTemplate, templateRefs, type Runbook } from '@runledger/core';
import type { RunRecord, StepOutput } from '@runledger/store';
import { parseOrThrow } from './engine/open.js';

export interface GateText {
  readonly phase: 'main' | 'rollback';
  readonly step: string;
  /** Markdown. */
  readonly text: string;
}

/** The stored outputs of one run's step, as RunStore.outputs gives them. */
export type OutputsOf = (runId: string, stepId: string) => Promise<readonly StepOutput[]>;

/**
 * Parsed runbooks by content hash and file: parsing takes milliseconds and a run view is read on
 * every event of a live run. A run's stored source never changes, so entries never go stale.
 */
const parsed = new Map<string, Runbook>();
const PARSED_MAX = 64;

function runbookOf(rec: RunRecord): Runbook {
  const key = `${rec.runbookHash}:${rec.file}`;
  let rb = parsed.get(key);
  if (!rb) {
    rb = parseOrThrow(rec.source, rec.file);
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value as string);
    parsed.set(key, rb);
  }
  return rb;
}

/** Every approval gate of the run with its rendered text; none when the runbook has no gate. */
export async function gateTexts(rec: RunRecord, outputsOf: OutputsOf, runbook?: Runbook): Promise<GateText[]> {
  const rb = runbook ?? runbookOf(rec);
  const gates = [...rb.steps.map((s) => ['main', s] as const), ...rb.rollback.map((s) => ['rollback', s] as const)].filter(([, s]) => s.kind === 'approve');
  if (gates.length === 0) return [];
  const secretNames = rb.inputs.filter((i) => i.type === 'secret').map((i) => i.name);
  const inputs: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(rec.inputs)) {
    if (!secretNames.includes(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) inputs[k] = v;
  }
  const out: GateText[] = [];
  for (const [phase, s] of gates) {
    if (s.kind !== 'approve') continue;
    const steps: Record<string, string> = {};
    for (const r of templateRefs(s.text)) {
      if (r.kind !== 'step-output' || r.name === undefined || r.name in steps) continue;
      const rows = (await outputsOf(rec.id, r.name)).filter((o) => o.stream === 'stdout' && o.phase === phase);
      steps[r.name] = rows.at(-1)?.data.toString('utf8') ?? '';
    }
    const text = renderTemplate(s.text, { inputs, secretNames, steps, env: rec.environment, runId: rec.id }, 'text', { mask: true });
    out.push({ phase, step: s.id, text });
  }
  return out;
}
