// Composition: a ready Engine over an opened ledger, the run store, the policy file and the real
// executor. The CLI and (later) the server both start here.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  formatDiagnostic,
  formatPolicyProblem,
  parsePolicyText,
  parseRunbook,
  resolveEnvironment,
  DEFAULT_POLICY,
  type InputSpec,
  type Policy,
  type Runbook,
} from '@runledger/core';
import { RunStore } from '@runledger/store';
import { RuntimeError } from '../errors.js';
import { assertSecretText } from '../redact.js';
import { openLedger, type LedgerContext, type LedgerLocation } from '../ledger/service.js';
import { requestTagged } from '../request-context.js';
import { Engine, type EngineObserver } from './engine.js';
import { realExecutor } from './executor.js';

export const POLICY_FILE = 'policy.yaml';

export interface EngineContext {
  readonly engine: Engine;
  readonly runs: RunStore;
  readonly ledger: LedgerContext;
  readonly policy: Policy;
  readonly policyFile: string | undefined;
  close(): Promise<void>;
}

/** Loads RUNLEDGER_POLICY, else <home>/policy.yaml, else the default (allow, no rules). */
export function loadPolicy(home: string, env: Readonly<Record<string, string | undefined>>): { policy: Policy; file: string | undefined } {
  const file = env.RUNLEDGER_POLICY ? resolve(env.RUNLEDGER_POLICY) : join(home, POLICY_FILE);
  if (!existsSync(file)) {
    if (env.RUNLEDGER_POLICY) throw new RuntimeError('INPUT_INVALID', `RUNLEDGER_POLICY=${file}: no such file`);
    return { policy: DEFAULT_POLICY, file: undefined };
  }
  const r = parsePolicyText(readFileSync(file, 'utf8'), file);
  if (!r.ok) throw new RuntimeError('INPUT_INVALID', `invalid policy:\n${r.problems.map(formatPolicyProblem).join('\n')}`);
  return { policy: r.policy, file };
}

/** Parses a runbook or throws RUNBOOK_INVALID listing every error as file:line:col. */
export function parseOrThrow(source: string, file: string): Runbook {
  const r = parseRunbook(source, file);
  if (!r.ok)
    throw new RuntimeError(
      'RUNBOOK_INVALID',
      r.diagnostics
        .filter((d) => d.severity === 'error')
        .map(formatDiagnostic)
        .join('\n'),
    );
  return r.runbook;
}

/**
 * The run's environment (core's resolveEnvironment), or ENV_REQUIRED when the runbook declares several
 * and none was chosen, INPUT_INVALID when the one chosen is not declared; both located at /environment.
 */
export function environmentOrThrow(runbook: Runbook, requested: string | undefined): string {
  const c = resolveEnvironment(runbook, requested);
  if (c.ok) return c.environment;
  throw new RuntimeError(c.code === 'ENV_REQUIRED' ? 'ENV_REQUIRED' : 'INPUT_INVALID', c.message, {
    details: [{ path: '/environment', code: c.code, message: c.message }],
  });
}

export async function openEngine(loc: LedgerLocation, opts: { observer?: EngineObserver; cwd?: string } = {}): Promise<EngineContext> {
  const ledger = await openLedger(loc, { write: true });
  try {
    const env = loc.env ?? process.env;
    const { policy, file } = loadPolicy(ledger.home, env);
    const runs = new RunStore(ledger.store);
    const engine = new Engine({
      runs,
      ledger: requestTagged(ledger.writer!),
      policy,
      exec: realExecutor,
      cwd: opts.cwd ?? loc.cwd ?? process.cwd(),
      ...(opts.observer ? { observer: opts.observer } : {}),
    });
    return { engine, runs, ledger, policy, policyFile: file, close: () => ledger.close() };
  } catch (e) {
    await ledger.close();
    throw e;
  }
}

/**
 * Secret inputs come from the environment, a file or a terminal prompt — never from a command line.
 * Returns the values found; `prompt` is called only for inputs that allow it.
 */
export async function resolveSecretInputs(
  rb: Runbook,
  env: Readonly<Record<string, string | undefined>>,
  prompt?: (input: InputSpec) => Promise<string | undefined>,
): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const i of rb.inputs) {
    if (i.type !== 'secret') continue;
    let v: string | undefined;
    let from = 'the terminal';
    if (i.from?.env && env[i.from.env] !== undefined) {
      v = env[i.from.env];
      from = `$${i.from.env}`;
    } else if (i.from?.file) {
      const path = resolve(i.from.file.replace(/^~(?=\/)/, env.HOME ?? '~'));
      if (existsSync(path)) {
        v = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
        from = path;
      }
    }
    if (v === undefined && i.from?.prompt && prompt) v = await prompt(i);
    if (v !== undefined) assertSecretText(i.name, v, from);
    out[i.name] = v;
  }
  return out;
}
