// The scheduled runbook run: a runbook of the server's catalogue (by id) or a file (relative to the
// schedules file), its inputs from the schedule, secret inputs from the server's environment (never the
// file), requested by the scheduler. The job waits for the run to end (through any approval gate),
// so the overrun policy sees a run still going; its id is the slot's ref.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { RunbookJob } from '@runledger/core';
import { TERMINAL_STATES, type RunState } from '@runledger/core/states';
import type { RunStore } from '@runledger/store';
import { environmentOrThrow, parseOrThrow, resolveSecretInputs } from '../../engine/open.js';
import type { StartRequest } from '../../engine/types.js';
import { RuntimeError } from '../../errors.js';
import { Redactor } from '../../redact.js';
import { catalogueEntry, loadCatalogue } from '../../runbooks/catalogue.js';
import type { JobHandler } from '../types.js';

export interface RunbookJobOptions {
  readonly runs: RunStore;
  /** The server's runbook catalogue. */
  readonly runbooksDir: string;
  /** A relative `path` is taken from here (the schedules file's directory). */
  readonly baseDir: string;
  /** Starts the run and answers as soon as it exists (the server: through its run worker). */
  readonly start: (req: StartRequest) => Promise<{ readonly runId: string }>;
  /** Where secret inputs are read from. Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How often the run's state is read while it goes on (ms). Default 1000. */
  readonly pollMs?: number;
}

export function runbookJob(o: RunbookJobOptions): JobHandler<RunbookJob> {
  const pollMs = o.pollMs ?? 1000;
  return async (job, jc) => {
    let runbook, source: string;
    if (job.name !== undefined) {
      const e = catalogueEntry(loadCatalogue(o.runbooksDir), job.name);
      if (!e) throw new RuntimeError('INPUT_INVALID', `no runbook ${job.name} in the catalogue ${o.runbooksDir}`);
      ({ runbook, source } = e);
    } else {
      const file = isAbsolute(job.path!) ? job.path! : resolve(o.baseDir, job.path!);
      try {
        source = readFileSync(file, 'utf8');
      } catch (e) {
        throw new RuntimeError('IO_ERROR', `cannot read the runbook ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
      }
      runbook = parseOrThrow(source, file);
    }
    for (const i of runbook.inputs)
      if (i.type === 'secret' && job.inputs[i.name] !== undefined)
        throw new RuntimeError(
          'INPUT_INVALID',
          `input ${i.name} of ${runbook.id} is a secret: it comes from the server's environment or files, never the schedules file`,
        );
    const environment = environmentOrThrow(runbook, job.environment);
    const secrets = await resolveSecretInputs(runbook, o.env ?? process.env);
    const mask = new Redactor(Object.values(secrets).filter((v): v is string => v !== undefined));
    const { runId } = await o.start({ runbook, source, inputs: job.inputs, secrets, environment, who: { actor: jc.actor, roles: ['operator'] } });
    for (;;) {
      const rec = await o.runs.getRun(runId);
      if (!rec) return { ok: false, ref: runId, detail: `run ${runId} is gone` };
      if (TERMINAL_STATES.includes(rec.state as RunState)) {
        const why = rec.reason ? `: ${mask.redact(rec.reason)}` : '';
        return { ok: rec.state === 'succeeded', ref: runId, detail: `run ${runId} of ${runbook.id} ${rec.state}${why}` };
      }
      if (jc.signal.aborted) return { ok: false, ref: runId, detail: `run ${runId} of ${runbook.id} was still ${rec.state} when the scheduler stopped` };
      await sleep(pollMs, jc.signal);
    }
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((res) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      res();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
