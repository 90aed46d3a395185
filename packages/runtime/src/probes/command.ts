// Command probe: a script through the shell adapter (its own process group, killed whole on timeout).
import type { Redactor } from '../redact.js';
import { runShell } from '../shell/index.js';
import { fail, pass, type Outcome } from './outcome.js';
import type { PhaseClock } from './phases.js';
import type { CommandProbe, ProbeObservation } from './spec.js';
import { oneLine, quote } from './util.js';

/** Output kept for the check; a probe's output is evidence of one line, not a log. */
const PROBE_OUTPUT_BYTES = 64 * 1024;

export interface CommandContext {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly redactor?: Redactor;
}

export async function commandProbe(
  spec: CommandProbe,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  ctx: CommandContext,
  clock: PhaseClock,
): Promise<Outcome> {
  clock.start();
  const expectExit = spec.expectExit ?? 0;
  const target = `command ${quote(spec.run, 60)}`;
  const r = await runShell({
    script: spec.run,
    timeoutMs,
    maxOutputBytes: PROBE_OUTPUT_BYTES,
    killGraceMs: 1000,
    ...(ctx.env ? { env: ctx.env } : {}),
    ...(ctx.cwd ? { cwd: ctx.cwd } : {}),
    ...(ctx.redactor ? { redactor: ctx.redactor } : {}),
    ...(signal ? { signal } : {}),
  });
  if (r.error !== undefined) return fail('error', `${target} → could not start: ${r.error}`);
  if (r.timedOut) return fail('timeout', `${target} → timeout after ${timeoutMs}ms (process group killed), expected exit ${expectExit}`);
  if (r.aborted) return fail('aborted', `${target} → aborted (process group killed)`);
  // The output is already capped (PROBE_OUTPUT_BYTES) and redacted by the shell adapter.
  const observation: ProbeObservation = { ...(r.exitCode === null ? {} : { exit: r.exitCode }), output: r.stdout, latencyMs: clock.now() };
  const seen = r.exitCode === null ? `killed by ${r.signal ?? 'a signal'}` : `exit ${r.exitCode}`;
  if (r.exitCode !== expectExit) return fail('exit', `${target} → ${seen}, expected exit ${expectExit}${hint(r.stderr, r.stdout)}`, observation);
  if (spec.expectStdoutContains !== undefined) {
    if (!r.stdout.includes(spec.expectStdoutContains)) {
      return fail('output', `${target} → ${seen}, but stdout lacks ${quote(spec.expectStdoutContains)}${hint('', r.stdout)}`, observation);
    }
    return pass(`${target} → ${seen}, stdout contains ${quote(spec.expectStdoutContains)}`, observation);
  }
  return pass(`${target} → ${seen}`, observation);
}

/** The last non-empty line the command wrote (stderr first): usually the reason it failed. */
function hint(stderr: string, stdout: string): string {
  for (const [name, text] of [
    ['stderr', stderr],
    ['stdout', stdout],
  ] as const) {
    const line = text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop();
    if (line) return ` (${name}: ${quote(oneLine(line, 100), 100)})`;
  }
  return '';
}
