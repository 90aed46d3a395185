// The real step executor: sh through the process-group shell adapter, http through fetch, probes
// through the probes module. Wired by openEngine; the same one runs in tests and in production.
import { createHash } from 'node:crypto';
import { runProbe } from '../probes/index.js';
import { runShell } from '../shell/index.js';
import type { Redactor } from '../redact.js';
import type { ExecResult, HttpRequest, ShellRequest, StepExecutor } from './adapters.js';

/** Redacts, digests and caps output that did not come through the shell adapter. */
export function keep(raw: string, redactor: Redactor, cap: number): { text: string; sha256: string; bytes: number; truncated: boolean } {
  const red = Buffer.from(redactor.redact(raw), 'utf8');
  return {
    text: red.subarray(0, cap).toString('utf8'),
    sha256: createHash('sha256').update(red).digest('hex'),
    bytes: red.byteLength,
    truncated: red.byteLength > cap,
  };
}

export const realExecutor: StepExecutor = {
  async shell(req: ShellRequest): Promise<ExecResult> {
    const r = await runShell({
      script: req.script,
      env: req.env,
      cwd: req.cwd,
      timeoutMs: req.timeoutMs,
      maxOutputBytes: req.maxOutputBytes,
      onOutput: req.onOutput,
      signal: req.signal,
      redactor: req.redactor,
      ...(req.onSpawn ? { onSpawn: req.onSpawn } : {}),
      ...(req.keepChildren ? { keepChildren: true } : {}),
    });
    const ok = !r.timedOut && r.exitCode === 0 && r.error === undefined;
    const ended = r.childrenEnded ? '; background processes ended with the step' : '';
    const detail =
      r.error ??
      (r.timedOut
        ? `timed out after ${(req.timeoutMs / 1000).toFixed(1)}s (process group killed)`
        : r.exitCode !== null
          ? `exit ${r.exitCode}${ended}`
          : `killed by ${r.signal ?? 'signal'}`);
    return {
      ok,
      ...(r.exitCode !== null ? { exitCode: r.exitCode } : {}),
      timedOut: r.timedOut,
      durationMs: r.durationMs,
      detail,
      stdout: r.stdout,
      stderr: r.stderr,
      stdoutSha256: r.stdoutSha256,
      stderrSha256: r.stderrSha256,
      stdoutBytes: r.stdoutBytes,
      stderrBytes: r.stderrBytes,
      truncated: r.truncated,
    };
  },

  async http(req: HttpRequest): Promise<ExecResult> {
    const t0 = performance.now();
    const signal = AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]);
    try {
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        signal,
        redirect: 'manual',
      });
      const body = await res.text();
      const okStatus = req.expectStatus ? req.expectStatus.includes(res.status) : res.status >= 200 && res.status < 300;
      const okBody = req.expectBodyContains === undefined || body.includes(req.expectBodyContains);
      const want = req.expectStatus ? req.expectStatus.join('|') : '2xx';
      const detail = `${req.method} ${req.url} → ${res.status}${okStatus ? '' : ` (expected ${want})`}${okBody ? '' : `; body lacks ${JSON.stringify(req.expectBodyContains)}`}`;
      const out = keep(body, req.redactor, req.maxOutputBytes);
      const none = keep('', req.redactor, req.maxOutputBytes);
      return {
        ok: okStatus && okBody,
        timedOut: false,
        durationMs: performance.now() - t0,
        detail: req.redactor.redact(detail),
        stdout: out.text,
        stderr: '',
        stdoutSha256: out.sha256,
        stderrSha256: none.sha256,
        stdoutBytes: out.bytes,
        stderrBytes: 0,
        truncated: out.truncated,
      };
    } catch (e) {
      const timedOut = (e as Error).name === 'TimeoutError';
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      const detail = `${req.method} ${req.url} → ${timedOut ? `no answer within ${req.timeoutMs}ms` : (cause ?? (e as Error).message)}`;
      const none = keep('', req.redactor, req.maxOutputBytes);
      return {
        ok: false,
        timedOut,
        durationMs: performance.now() - t0,
        detail: req.redactor.redact(detail),
        stdout: '',
        stderr: '',
        stdoutSha256: none.sha256,
        stderrSha256: none.sha256,
        stdoutBytes: 0,
        stderrBytes: 0,
        truncated: false,
      };
    }
  },

  probe(req) {
    return runProbe(req.spec, { signal: req.signal, redactor: req.redactor, env: req.env, cwd: req.cwd });
  },
};
