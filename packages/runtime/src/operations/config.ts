// The operations file on disk: where it lives, reading and checking it (core does the checking), and
// resolving the secret references it holds. Secrets are never in the file, only `env:NAME` or
// `file:/path`; their values are read here, on demand, and never put into a message.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_RULES, formatFileProblem, parseOperationsText, type FileProblem, type OperationsConfig, type SecretRef } from '@runledger/core';
import type { ErrorDetail } from '@runledger/ledger';
import { RuntimeError } from '../errors.js';
import { CONTROL } from '../redact.js';

/** The file name in the data directory. */
export const OPERATIONS_FILE = 'operations.yaml';
/** Points at another operations file (a `--config` flag wins over it). */
export const OPERATIONS_CONFIG_ENV = 'RUNLEDGER_CONFIG';

/**
 * Where the operations file is: the `--config` flag, else `$RUNLEDGER_CONFIG`, else
 * `<home>/operations.yaml`. Relative paths are taken from `cwd` (default: the process's).
 */
export function operationsConfigPath(opts: { env: Record<string, string | undefined>; home: string; flag?: string; cwd?: string }): string {
  const cwd = opts.cwd ?? process.cwd();
  const chosen = opts.flag || opts.env[OPERATIONS_CONFIG_ENV] || undefined;
  return chosen !== undefined ? resolve(cwd, chosen) : resolve(cwd, join(opts.home, OPERATIONS_FILE));
}

export interface LoadedOperations {
  readonly path: string;
  readonly exists: boolean;
  readonly config: OperationsConfig;
  /** `sha256:<hex>` of the file's bytes (of no bytes when the file is missing): which version is in force. */
  readonly digest: string;
  readonly text: string;
}

/**
 * What runs without an operations file: no integrations, receivers, people, schedules or escalation
 * policies, and the default incident rules (seed 001's deadlines). The route is `{}`, a tree with no
 * receiver: core's validator refuses `{}` as a file (a route needs a root receiver) and `routeFor`
 * throws on it, so check `exists` (or `receivers.length`) before routing. Nothing can arrive to route
 * anyway: with no integrations, no intake URL accepts an alert.
 */
export const EMPTY_OPERATIONS: OperationsConfig = Object.freeze({
  integrations: [],
  receivers: [],
  route: {},
  people: [],
  schedules: [],
  escalationPolicies: [],
  rules: DEFAULT_RULES,
});

/** Thrown for a file with errors; `problems` holds each one, located, for callers that show them apart. */
export class OperationsConfigError extends RuntimeError {
  constructor(
    readonly path: string,
    readonly problems: readonly FileProblem[],
  ) {
    super('OPERATIONS_CONFIG_INVALID', `invalid operations file ${path}:\n${problems.map(formatFileProblem).join('\n')}`, {
      details: problems.map((p): ErrorDetail => ({ path: jsonPointer(p.path), code: 'OPERATIONS_CONFIG_INVALID', message: formatFileProblem(p) })),
    });
  }
}

/** `$.receivers[0].email` → `/receivers/0/email` (ErrorDetail paths are JSON pointers). */
function jsonPointer(path: string): string {
  return path
    .replace(/^\$/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .slice(1)
    .map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('');
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Reads and checks the operations file. A missing file is not an error (see {@link EMPTY_OPERATIONS});
 * a file with errors throws {@link OperationsConfigError} (OPERATIONS_CONFIG_INVALID) listing every
 * problem as `file:line:col: $.json.path: message`; an unreadable one, IO_ERROR.
 */
export async function loadOperationsConfig(path: string): Promise<LoadedOperations> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path, exists: false, config: EMPTY_OPERATIONS, digest: sha256(new Uint8Array()), text: '' };
    throw new RuntimeError('IO_ERROR', `cannot read the operations file ${path} (${code ?? (e as Error).message})`, { cause: e });
  }
  const text = bytes.toString('utf8');
  const r = parseOperationsText(text, path);
  if (!r.ok) throw new OperationsConfigError(path, r.problems);
  return { path, exists: true, config: r.config, digest: sha256(bytes), text };
}

/** `env:NAME` or `file:/path`, as written in the operations file (a reference is not a secret: it may be shown). */
export function formatSecretRef(ref: SecretRef): string {
  return 'env' in ref ? `env:${ref.env}` : `file:${ref.file}`;
}

/**
 * The value of a secret reference: `env:NAME` reads the variable, `file:/path` the file (one trailing
 * newline trimmed; `~/` is `$HOME`, a relative path is taken from the process's working directory).
 * Unset, empty or unreadable → OPERATIONS_SECRET_MISSING naming the reference; a value with a control
 * character other than tab or a line break → the same code (secrets are text). Messages never hold a value.
 *
 * The caller owns the value: keep it out of logs and the ledger by holding it in the redaction registry
 * while it is in use — `const release = holdSecrets([value])` (or `withSecrets([value], fn)`), both
 * exported from @runledger/runtime — so the ledger writer refuses any entry that holds it in any form,
 * and redact any text that might quote it with a `Redactor` over the held values. Release when the
 * configuration is replaced.
 */
export function resolveSecret(ref: SecretRef, env: Record<string, string | undefined>): string {
  const name = formatSecretRef(ref);
  let value: string;
  if ('env' in ref) {
    const v = env[ref.env];
    if (v === undefined || v === '') throw new RuntimeError('OPERATIONS_SECRET_MISSING', `secret ${name}: the environment variable ${ref.env} is not set`);
    value = v;
  } else {
    const home = env['HOME'];
    const path = ref.file.startsWith('~/') && home ? join(home, ref.file.slice(2)) : isAbsolute(ref.file) ? ref.file : resolve(ref.file);
    try {
      value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new RuntimeError('OPERATIONS_SECRET_MISSING', `secret ${name}: cannot read ${path} (${code})`, { cause: e });
    }
    if (value === '') throw new RuntimeError('OPERATIONS_SECRET_MISSING', `secret ${name}: ${path} is empty`);
  }
  const m = CONTROL.exec(value);
  if (m) {
    const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new RuntimeError(
      'OPERATIONS_SECRET_MISSING',
      `secret ${name} contains the control character ${code}: secrets must be text (tabs and line breaks are allowed); check how the value was written`,
    );
  }
  return value;
}

/** Every secret reference in a configuration, with where it is used (`$.integrations[0].secret` …). */
export function secretRefsOf(config: OperationsConfig): { readonly ref: SecretRef; readonly usedAt: string }[] {
  const out: { ref: SecretRef; usedAt: string }[] = [];
  config.integrations.forEach((i, n) => i.secret && out.push({ ref: i.secret, usedAt: `$.integrations[${n}].secret` }));
  config.receivers.forEach((r, n) => {
    if (r.email?.smtp.password) out.push({ ref: r.email.smtp.password, usedAt: `$.receivers[${n}].email.smtp.password` });
    r.webhook?.secrets.forEach((s, k) => out.push({ ref: s, usedAt: `$.receivers[${n}].webhook.${k === 0 ? 'secret' : 'previousSecret'}` }));
  });
  return out;
}
