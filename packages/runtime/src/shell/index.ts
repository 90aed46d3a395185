// The shell adapter: runs one script with `sh -c`, in its own process group, and reports what happened.
//
// - The script is the only argument. Inputs and secrets reach it through the environment (or stdin),
//   never through argv, where `ps` shows them to every user of the machine.
// - `detached: true` makes the shell a session and group leader, so a timeout or an abort kills the
//   whole tree it started (`kill(-pgid)`): SIGTERM, then SIGKILL after a grace period. Nothing is left
//   behind still holding a lock or a port. The same happens to background processes still in the group
//   when the script itself exits (`sleep 100 &`), unless the caller keeps them (`keepChildren`).
// - With `onSpawn` the script is held before its first instruction until the caller has recorded the
//   group (a step's started event): a driver that dies first leaves nothing running unrecorded, since
//   the held shell sees its gate pipe close and exits without running the script.
// - Output goes through the caller's Redactor before anything else sees it: the live `onOutput`
//   callback, the kept (capped) text and the digests.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { Writable } from 'node:stream';
import type { RedactionStream, Redactor } from '../redact.js';
import { GROUP_POLL_MS, groupAlive, identityOf, killGroup, type ProcessIdentity } from './process-group.js';

export { endGroup, groupAlive, identityAlive, identityOf, killGroup, processAlive, type ProcessIdentity } from './process-group.js';

export type OutputStreamName = 'stdout' | 'stderr';

export interface ShellOptions {
  readonly script: string;
  /**
   * Variables for the script, over a minimal base taken from this process (PATH, HOME, USER, LANG,
   * LC_*, TZ, TMPDIR, TERM, SHELL, LOGNAME). `undefined` removes a variable. The rest of this process's
   * environment (the runner's own database URL, key paths, tokens) is not passed on unless `inheritEnv`.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Start from this process's whole environment instead of the minimal base. */
  readonly inheritEnv?: boolean;
  readonly cwd?: string;
  /** Kill the group after this long. 0 or absent: no limit. */
  readonly timeoutMs?: number;
  /** Bytes of each stream kept in the result (default 1 MiB). The rest is counted and digested, not kept. */
  readonly maxOutputBytes?: number;
  /**
   * Live output, redacted, decoded as UTF-8 on character boundaries; every byte, cap or no cap. With a
   * redactor it lags by up to the longest pattern's length (a secret may be completing in the next chunk).
   */
  readonly onOutput?: (stream: OutputStreamName, chunk: string) => void;
  readonly signal?: AbortSignal;
  /** Applied to every byte of output before it is kept, digested or handed to `onOutput`. */
  readonly redactor?: Redactor;
  /** Written to the script's stdin (otherwise stdin is /dev/null, so a stray `read` cannot hang a step). */
  readonly input?: string | Uint8Array;
  /** Between SIGTERM and SIGKILL (default 2000 ms). */
  readonly killGraceMs?: number;
  /**
   * After the shell exits, how long to wait for its output pipes to close (default 250 ms). A background
   * process that inherited them (`daemon &`) would otherwise hold the step open for as long as it lives.
   */
  readonly drainMs?: number;
  /** Default `/bin/sh`. */
  readonly shell?: string;
  /**
   * Called once the process group exists, before the script runs; the script starts when the promise
   * resolves. If it rejects the script never runs and the result carries `error`.
   */
  readonly onSpawn?: (group: ProcessIdentity) => Promise<void>;
  /** Leave processes the script started in the background running after it exits (default: end them). */
  readonly keepChildren?: boolean;
}

export interface ShellResult {
  /** Null when the shell was killed by a signal or never started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly durationMs: number;
  /**
   * SHA-256 (hex) of the whole stream as emitted: every byte, past the cap too, after redaction. Not of
   * the raw bytes: a digest of `echo "$TOKEN"`'s raw output is a dictionary oracle for the token, and
   * could never be checked against the (redacted) output that is stored. Without a redactor, or when no
   * secret occurs, it is the digest of the raw bytes.
   */
  readonly stdoutSha256: string;
  readonly stderrSha256: string;
  /** The first `maxOutputBytes` of the redacted stream, cut on a UTF-8 character boundary. */
  readonly stdout: string;
  readonly stderr: string;
  /** Total length of each (redacted) stream, kept or not. */
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  /** Some output was not kept. */
  readonly truncated: boolean;
  /** Background processes were still running when the script exited, and were ended with the group. */
  readonly childrenEnded: boolean;
  /** Why the script could not be started (bad cwd, missing shell, invalid env). */
  readonly error?: string;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_KILL_GRACE_MS = 2000;
export const DEFAULT_DRAIN_MS = 250;

const BASE_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'LC_MESSAGES', 'TZ', 'TMPDIR', 'TERM'];
const FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin';
/** After SIGKILL, how long to wait for the kernel to finish off the group before reporting anyway. */
const REAP_WAIT_MS = 2000;
/** Exit status of a held shell whose gate closed without the word to go: the script never ran. */
const NOT_STARTED = 125;
/**
 * The held shell: reads one line from fd 3; only `go` runs the script (as `$0 -c "$1"`, so `ps` shows the
 * same command line as an unheld step). EOF (the caller died) or anything else exits without running it.
 */
const GATE = `IFS= read -r go <&3 && [ "$go" = go ] || exit ${NOT_STARTED}; exec 3<&-; exec "$0" -c "$1"`;

export function buildEnv(env: ShellOptions['env'], inheritEnv = false): Record<string, string> {
  const out: Record<string, string> = {};
  if (inheritEnv) {
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  } else {
    for (const k of BASE_ENV) {
      const v = process.env[k];
      if (v !== undefined) out[k] = v;
    }
  }
  if (out['PATH'] === undefined) out['PATH'] = FALLBACK_PATH;
  for (const [k, v] of Object.entries(env ?? {})) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** One output stream: redaction, digest, the capped copy and the live callback. */
class Capture {
  readonly #name: OutputStreamName;
  readonly #cap: number;
  readonly #hash = createHash('sha256');
  readonly #kept: Buffer[] = [];
  readonly #redact: RedactionStream | null;
  readonly #decoder = new StringDecoder('utf8');
  readonly #onOutput: ShellOptions['onOutput'];
  #keptBytes = 0;
  #ended = false;
  total = 0;
  truncated = false;

  constructor(name: OutputStreamName, cap: number, redactor: Redactor | undefined, onOutput: ShellOptions['onOutput']) {
    this.#name = name;
    this.#cap = cap;
    this.#redact = redactor && !redactor.isEmpty ? redactor.stream() : null;
    this.#onOutput = onOutput;
  }

  write(raw: Buffer): void {
    if (this.#ended) return;
    this.#take(this.#redact ? this.#redact.push(raw) : raw);
  }

  end(): void {
    if (this.#ended) return;
    if (this.#redact) this.#take(this.#redact.end());
    this.#ended = true;
    const rest = this.#decoder.end();
    if (rest) this.#emit(rest);
  }

  #take(b: Buffer): void {
    if (b.length === 0) return;
    this.#hash.update(b);
    this.total += b.length;
    const room = this.#cap - this.#keptBytes;
    if (room > 0) {
      const keep = b.length <= room ? b : b.subarray(0, room);
      this.#kept.push(keep);
      this.#keptBytes += keep.length;
    }
    if (b.length > room) this.truncated = true;
    if (this.#onOutput) {
      const s = this.#decoder.write(b);
      if (s) this.#emit(s);
    }
  }

  #emit(s: string): void {
    try {
      this.#onOutput?.(this.#name, s);
    } catch {
      // A failing display or log sink must not take the step (or its process group) down with it.
    }
  }

  text(): string {
    let buf = Buffer.concat(this.#kept);
    if (this.truncated) buf = buf.subarray(0, utf8Boundary(buf));
    return buf.toString('utf8');
  }

  digest(): string {
    return this.#hash.digest('hex');
  }
}

/** The length of `buf` without a trailing, incomplete UTF-8 sequence. */
function utf8Boundary(buf: Buffer): number {
  let i = buf.length - 1;
  while (i >= 0 && (buf[i]! & 0xc0) === 0x80) i--;
  if (i < 0) return buf.length;
  const lead = buf[i]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return i + need > buf.length ? i : buf.length;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `sh -c script`. Never rejects: a script that cannot start is reported in `error`. */
export function runShell(opts: ShellOptions): Promise<ShellResult> {
  const cap = Math.max(0, opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
  const out = new Capture('stdout', cap, opts.redactor, opts.onOutput);
  const err = new Capture('stderr', cap, opts.redactor, opts.onOutput);

  let started = performance.now();
  const result = (r: {
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    timedOut: boolean;
    aborted: boolean;
    childrenEnded?: boolean;
    error?: string;
  }): ShellResult => {
    out.end();
    err.end();
    return {
      ...r,
      durationMs: performance.now() - started,
      stdoutSha256: out.digest(),
      stderrSha256: err.digest(),
      stdout: out.text(),
      stderr: err.text(),
      stdoutBytes: out.total,
      stderrBytes: err.total,
      truncated: out.truncated || err.truncated,
      childrenEnded: r.childrenEnded ?? false,
      ...(r.error === undefined ? {} : { error: r.error }),
    };
  };

  if (opts.signal?.aborted) return Promise.resolve(result({ exitCode: null, signal: null, timedOut: false, aborted: true, error: 'aborted before start' }));

  return new Promise<ShellResult>((resolve) => {
    let child: ChildProcess;
    const shell = opts.shell ?? '/bin/sh';
    const held = opts.onSpawn !== undefined;
    try {
      child = spawn(shell, held ? ['-c', GATE, shell, opts.script] : ['-c', opts.script], {
        cwd: opts.cwd,
        env: buildEnv(opts.env, opts.inheritEnv),
        detached: true,
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', ...(held ? (['pipe'] as const) : [])],
      });
    } catch (e) {
      resolve(result({ exitCode: null, signal: null, timedOut: false, aborted: false, error: message(e) }));
      return;
    }
    const pid = child.pid;

    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let exited = false;
    let outputDone = false;
    let spawnError: string | undefined;
    let killReason: 'timeout' | 'abort' | 'children' | null = null;
    let holdFailed: string | undefined;
    // The caller's onSpawn is still running: the result waits for it, so the two never overlap.
    let holding = held;
    let groupGone = false;
    let done = false;
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, fn: () => void): void => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    };

    const settle = (): void => {
      if (done || !exited || !outputDone || holding) return;
      if (killReason !== null && !groupGone) {
        // The leader is gone, but a member that ignored SIGTERM may live on: the grace timer's SIGKILL
        // settles it. Reporting earlier would let a "killed" step keep running.
        if (pid === undefined || !groupAlive(pid)) groupGone = true;
        else return;
      }
      done = true;
      for (const t of timers) clearTimeout(t);
      opts.signal?.removeEventListener('abort', onAbort);
      const error = spawnError ?? holdFailed;
      resolve(
        result({
          exitCode,
          signal: exitSignal,
          timedOut: killReason === 'timeout',
          aborted: killReason === 'abort',
          childrenEnded: killReason === 'children',
          ...(error === undefined ? {} : { error }),
        }),
      );
    };

    const kill = (reason: 'timeout' | 'abort' | 'children'): void => {
      if (done || killReason !== null || pid === undefined) return;
      killReason = reason;
      killGroup(pid, 'SIGTERM');
      // Members that go on SIGTERM settle the step at once, without waiting out the grace period.
      const watch = (): void => {
        if (groupGone || done) return;
        if (!groupAlive(pid)) {
          groupGone = true;
          settle();
        } else later(GROUP_POLL_MS, watch);
      };
      later(GROUP_POLL_MS, watch);
      later(opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS, () => {
        killGroup(pid, 'SIGKILL');
        const deadline = Date.now() + REAP_WAIT_MS;
        const poll = (): void => {
          if (!groupAlive(pid) || Date.now() > deadline) {
            groupGone = true;
            settle();
          } else later(10, poll);
        };
        poll();
      });
    };
    const onAbort = (): void => kill('abort');

    child.stdout!.on('data', (b: Buffer) => out.write(b));
    child.stderr!.on('data', (b: Buffer) => err.write(b));
    if (child.stdin) {
      child.stdin.on('error', () => {
        // EPIPE: the script did not read its input. Not an error of the step.
      });
      child.stdin.end(opts.input);
    }
    child.on('exit', (code, sig) => {
      exited = true;
      exitCode = code;
      exitSignal = sig;
      // The script is done; what it left running in the background ends with it unless kept.
      if (!opts.keepChildren && killReason === null && holdFailed === undefined && pid !== undefined && groupAlive(pid)) kill('children');
      if (!outputDone) {
        later(opts.drainMs ?? DEFAULT_DRAIN_MS, () => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          outputDone = true;
          settle();
        });
      }
    });
    child.on('close', () => {
      outputDone = true;
      exited = true;
      settle();
    });
    child.on('error', (e) => {
      // Emitted when spawning failed (then 'close' follows) or when a kill failed (harmless here).
      if (pid === undefined) spawnError = message(e);
    });

    const go = (): void => {
      started = performance.now();
      if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
        later(opts.timeoutMs, () => {
          if (!exited) kill('timeout');
        });
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    };
    const gate = child.stdio[3] as Writable | null | undefined;
    if (!held || !gate || pid === undefined) {
      gate?.destroy();
      go();
      return;
    }
    gate.on('error', () => {
      // EPIPE: the held shell is gone already; its exit is reported as usual.
    });
    opts.onSpawn!(identityOf(pid)).then(
      () => {
        holding = false;
        if (exited) return settle();
        gate.end('go\n');
        go();
      },
      (e: unknown) => {
        holding = false;
        holdFailed = `not started: ${message(e)}`;
        // Closing the gate makes the held shell exit without running the script.
        gate.destroy();
        settle();
      },
    );
  });
}
