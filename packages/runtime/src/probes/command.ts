// Command probe: a script through the shell adapter (its own process group, killed whole on timeout).
import type { Redactor } from '../redact.js';
import { runShell } from '../shell/index.js';
import type { Outcome } from './http.js';
import type { CommandProbe } from './spec.js';
import { oneLine, quote } from './util.js';

/** Output kept for the check; a probe's output is evidence of one line, not a log. */
const PROBE_OUTPUT_BYTES = 64 * 1024;

export interface CommandContext {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly redactor?: Redactor;
}

export async function commandProbe(spec: CommandProbe, timeoutMs: number, signal: AbortSignal | undefined, ctx: CommandContext): Promise<Outcome> {
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
  if (r.error !== undefined) return { ok: false, detail: `${target} → could not start: ${r.error}` };
  if (r.timedOut) return { ok: false, detail: `${target} → timeout after ${timeoutMs}ms (process group killed), expected exit ${expectExit}` };
  if (r.aborted) return { ok: false, detail: `${target} → aborted (process group killed)` };
  const seen = r.exitCode === null ? `killed by ${r.signal ?? 'a signal'}` : `exit ${r.exitCode}`;
  if (r.exitCode !== expectExit) return { ok: false, detail: `${target} → ${seen}, expected exit ${expectExit}${hint(r.stderr, r.stdout)}` };
  if (spec.expectStdoutContains !== undefined) {
    if (!r.stdout.includes(spec.expectStdoutContains)) {
      return { ok: false, detail: `${target} → ${seen}, but stdout lacks ${quote(spec.expectStdoutContains)}${hint('', r.stdout)}` };
    }
    return { ok: true, detail: `${target} → ${seen}, stdout contains ${quote(spec.expectStdoutContains)}` };
  }
  return { ok: true, detail: `${target} → ${seen}` };
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
