// What the engine needs from the world, passed in (tests and the server pass the same real ones).
import type { ProbeResult, ProbeSpec, StepProcess } from '@runledger/core';
import type { Redactor } from '../redact.js';

export interface ExecResult {
  readonly ok: boolean;
  readonly exitCode?: number;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** One human line: what happened. */
  readonly detail: string;
  /** Output as kept: redacted, at most the cap. */
  readonly stdout: string;
  readonly stderr: string;
  /** SHA-256 (hex) of each whole redacted stream, and its length: what the ledger records. */
  readonly stdoutSha256: string;
  readonly stderrSha256: string;
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  readonly truncated: boolean;
}

export interface ShellRequest {
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly onOutput: (stream: 'stdout' | 'stderr', chunk: string) => void;
  /** Applied to every byte before it is kept, digested or shown. */
  readonly redactor: Redactor;
  readonly maxOutputBytes: number;
  /** Called with the step's process group before the script runs; the script waits for it (see runShell). */
  readonly onSpawn?: (group: StepProcess) => Promise<void>;
  /** Leave background processes running after the script exits (the step's `keep-children`). */
  readonly keepChildren?: boolean;
}

export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly expectStatus?: readonly number[];
  readonly expectBodyContains?: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly redactor: Redactor;
  readonly maxOutputBytes: number;
}

export interface ProbeRequest {
  readonly spec: ProbeSpec;
  readonly signal: AbortSignal;
  readonly redactor: Redactor;
  /** Command probes: variables for the script. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

export interface StepExecutor {
  shell(req: ShellRequest): Promise<ExecResult>;
  http(req: HttpRequest): Promise<ExecResult>;
  probe(req: ProbeRequest): Promise<ProbeResult>;
}
