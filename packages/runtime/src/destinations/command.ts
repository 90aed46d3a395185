// Running a `cmd:` destination (an anchor shipment, a backup): one rule for both.
//
// - No shell parses the line: the words are quoted one by one and the shell adapter runs `exec 'w1' 'w2' …`
//   in its own process group, so a timeout ends the whole tree (rsync's ssh too), not just the first child.
// - `{path}` in a word is replaced by the path handed over; a command without `{path}` gets the path as
//   its last argument. `extraEnv` adds variables such as RUNLEDGER_BACKUP_PATH.
// - The environment is the caller's without the store's DSNs (and their _FILE forms) and without the
//   names in `withhold` (a backup passphrase); a tool's own credentials (AWS_*, RCLONE_*, SSH_AUTH_SOCK)
//   pass. Output is captured, capped and redacted (the DSNs' values and `secrets`).
import { SECRET_SETTINGS } from '@runledger/store';
import { Redactor } from '../redact.js';
import { runShell } from '../shell/index.js';

export const PATH_PLACEHOLDER = '{path}';
/** Output kept per stream: enough for an error message, never a log file. */
const KEEP_BYTES = 64 * 1024;

export interface DestinationCommand {
  readonly argv: readonly string[];
  /** The file or directory handed to the command. */
  readonly path: string;
  /** The environment to start from (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** Variable names kept out of the command's environment, beyond the store's DSNs. */
  readonly withhold?: readonly string[];
  /** Values redacted from its output, beyond the DSNs in `env`. */
  readonly secrets?: readonly string[];
  readonly timeoutMs: number;
}

export interface CommandOutcome {
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly seconds: number;
  /** Redacted and capped. */
  readonly stdout: string;
  readonly stderr: string;
  /** One line: `exit 3`, `timed out after 60 s`, `killed by SIGTERM`, or why it could not start. */
  readonly summary: string;
}

/** The words with `{path}` substituted, or the path appended when no word holds it. */
export function commandArgv(argv: readonly string[], path: string): string[] {
  const has = argv.some((a) => a.includes(PATH_PLACEHOLDER));
  return has ? argv.map((a) => a.split(PATH_PLACEHOLDER).join(path)) : [...argv, path];
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function runDestinationCommand(c: DestinationCommand): Promise<CommandOutcome> {
  const base = c.env ?? process.env;
  const env: Record<string, string | undefined> = { ...base, ...c.extraEnv };
  const secrets: string[] = [...(c.secrets ?? [])];
  for (const s of SECRET_SETTINGS) {
    const v = base[s];
    if (v) secrets.push(v);
    env[s] = undefined;
    env[`${s}_FILE`] = undefined;
  }
  for (const name of c.withhold ?? []) env[name] = undefined;
  const words = commandArgv(c.argv, c.path);
  const r = await runShell({
    script: `exec ${words.map(shellQuote).join(' ')}`,
    env,
    timeoutMs: c.timeoutMs,
    maxOutputBytes: KEEP_BYTES,
    redactor: new Redactor(secrets),
  });
  const ok = r.exitCode === 0 && !r.timedOut && r.error === undefined;
  const summary = r.error
    ? `could not start: ${r.error}`
    : r.timedOut
      ? `timed out after ${c.timeoutMs / 1000} s`
      : r.signal
        ? `killed by ${r.signal}`
        : `exit ${r.exitCode ?? '?'}`;
  return {
    ok,
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: r.timedOut,
    seconds: r.durationMs / 1000,
    stdout: r.stdout,
    stderr: r.stderr,
    summary,
  };
}
