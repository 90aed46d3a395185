// Step output as the CLI prints it: the tail of a failed step (run, show) and whole logs (logs).
// Output is stored redacted and size-capped by the engine; nothing here sees a secret.
import type { RunModel, StepView } from '@runledger/core';
import type { RunStore, StepOutput } from '@runledger/store';

export const TAIL_LINES = 20;

/** The last `n` non-empty lines of a text. */
export function tailLines(text: string, n: number): string[] {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.slice(-n);
}

export interface FailureTail {
  readonly stepId: string;
  readonly phase: string;
  readonly attempt: number;
  readonly detail?: string;
  /** Last lines of stderr then stdout of the step's last attempt, each prefixed by its stream. */
  readonly lines: readonly string[];
  readonly truncated: boolean;
}

/** Steps that failed (or whose outcome is unknown), with the tail of their last attempt's output. */
export async function failureTails(runs: RunStore, runId: string, m: RunModel, n = TAIL_LINES): Promise<FailureTail[]> {
  const bad = [...m.steps, ...m.rollback].filter((s) => s.status === 'failed' || s.status === 'unknown');
  if (bad.length === 0) return [];
  const outputs = await runs.outputs(runId);
  return bad.map((s) => tailOf(s, outputs, n));
}

function tailOf(s: StepView, outputs: readonly StepOutput[], n: number): FailureTail {
  const mine = outputs.filter((o) => o.stepId === s.id && o.phase === s.phase && o.attempt === s.attempt);
  const lines: string[] = [];
  let truncated = false;
  for (const stream of ['stderr', 'stdout'] as const) {
    const o = mine.find((x) => x.stream === stream);
    if (!o || o.data.length === 0) continue;
    truncated ||= o.truncated;
    for (const l of tailLines(o.data.toString('utf8'), n)) lines.push(`${stream === 'stderr' ? '!' : '|'} ${l}`);
  }
  return { stepId: s.id, phase: s.phase, attempt: s.attempt, ...(s.detail ? { detail: s.detail } : {}), lines, truncated };
}

/** Human lines for failure tails (stderr lines marked `!`, stdout `|`). */
export function formatTails(runId: string, tails: readonly FailureTail[]): string {
  let out = '';
  for (const t of tails) {
    const name = `${t.phase === 'rollback' ? 'rollback/' : ''}${t.stepId}`;
    out += `\n✗ ${name} (attempt ${t.attempt})${t.detail ? `: ${t.detail}` : ''}\n`;
    if (t.lines.length === 0) out += '    (no output)\n';
    for (const l of t.lines) out += `    ${l}\n`;
    if (t.truncated) out += '    (output was capped when stored)\n';
    out += `    full output: runledger logs ${runId} ${t.stepId}\n`;
  }
  return out;
}

/** A stable key for one stored output block. */
export function outputKey(o: Pick<StepOutput, 'phase' | 'stepId' | 'attempt' | 'stream'>): string {
  return `${o.phase}/${o.stepId}/${o.attempt}/${o.stream}`;
}
