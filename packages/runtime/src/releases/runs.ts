// Running a release's runbooks through the engine, for the server and the CLI alike: the runbook from
// the catalogue, only the release inputs it declares, the release's environment, secrets from the
// environment; then the run is waited for (through any approval gate) by reading its stored state, so
// a run driven by another process or resumed after a restart ends the same way.
import { TERMINAL_STATES, type RunState } from '@runledger/core/states';
import type { RunStore } from '@runledger/store';
import { describeError } from '../errors.js';
import { environmentOrThrow, resolveSecretInputs } from '../engine/open.js';
import type { StartRequest } from '../engine/types.js';
import { catalogueEntry, loadCatalogue } from '../runbooks/catalogue.js';
import type { RunbookRequest, RunResult } from './ports.js';

export interface ReleaseRunnerOptions {
  readonly runs: RunStore;
  readonly runbooksDir: string;
  /** Starts a run and answers as soon as it exists (it may still be running or waiting for approval). */
  readonly start: (req: StartRequest) => Promise<{ readonly runId: string }>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How often a running run's state is read (ms). */
  readonly pollMs?: number;
}

export interface ReleaseRunner {
  runRunbook(req: RunbookRequest): Promise<RunResult>;
  awaitRun(runId: string): Promise<RunResult>;
}

const TAIL_LINES = 3;
const TAIL_CHARS = 400;

/**
 * The last lines the failed step printed (stderr first; stored output is already redacted), so a gate's
 * reason shows why, in the CLI and the UI alike, not only that a step exited 1.
 */
async function failedOutput(runs: RunStore, runId: string, reason: string | null): Promise<string | undefined> {
  const step = /step (\S+) failed/.exec(reason ?? '')?.[1];
  const outs = (await runs.outputs(runId, step)).filter((x) => x.phase === 'main' || step !== undefined);
  if (outs.length === 0) return undefined;
  const lastAttempt = Math.max(...outs.map((x) => x.attempt));
  const mine = outs.filter((x) => x.attempt === lastAttempt);
  const pick = mine.find((x) => x.stream === 'stderr' && x.data.length > 0) ?? mine.find((x) => x.data.length > 0);
  if (!pick) return undefined;
  const lines = pick.data
    .toString('utf8')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)
    .slice(-TAIL_LINES)
    .join(' / ');
  return lines.length > TAIL_CHARS ? `…${lines.slice(-TAIL_CHARS)}` : lines;
}

export function releaseRunner(o: ReleaseRunnerOptions): ReleaseRunner {
  const pollMs = o.pollMs ?? 250;
  const awaitRun = async (runId: string): Promise<RunResult> => {
    for (;;) {
      const rec = await o.runs.getRun(runId);
      if (!rec) return { runId, ok: false, reason: `run ${runId} is gone` };
      if (TERMINAL_STATES.includes(rec.state as RunState)) {
        if (rec.state === 'succeeded') return { runId, ok: true };
        const tail = await failedOutput(o.runs, runId, rec.reason);
        return {
          runId,
          ok: false,
          reason: `run ${runId} ${rec.state}${rec.reason ? `: ${rec.reason}` : ''}${tail ? ` — ${tail}` : ''}`,
        };
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
  return {
    awaitRun,
    async runRunbook(req) {
      let runId: string;
      try {
        const entry = catalogueEntry(loadCatalogue(o.runbooksDir), req.runbook);
        if (!entry) return { ok: false, reason: `no runbook ${req.runbook} in ${o.runbooksDir}` };
        const rb = entry.runbook;
        const inputs: Record<string, string> = {};
        for (const i of rb.inputs) if (i.type !== 'secret' && req.inputs[i.name] !== undefined) inputs[i.name] = req.inputs[i.name]!;
        const environment =
          rb.environments.length === 0 ? environmentOrThrow(rb, undefined) : rb.environments.includes(req.release.env) ? req.release.env : undefined;
        if (environment === undefined)
          return { ok: false, reason: `runbook ${rb.id} does not run in ${req.release.env} (it runs in ${rb.environments.join(', ')})` };
        const secrets = await resolveSecretInputs(rb, o.env ?? process.env);
        const kind = req.by.startsWith('token:') ? 'token' : req.by === 'system' ? 'system' : 'user';
        ({ runId } = await o.start({
          runbook: rb,
          source: entry.source,
          inputs,
          secrets,
          environment,
          who: { actor: { kind, id: req.by === 'system' ? 'runledger' : req.by }, roles: ['operator'] },
        }));
      } catch (e) {
        const d = describeError(e);
        return { ok: false, reason: `runbook ${req.runbook} did not start: ${d.code}: ${d.message}` };
      }
      req.started?.(runId);
      return awaitRun(runId);
    },
  };
}
