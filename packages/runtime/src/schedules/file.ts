// The schedules file on disk: `serve --schedules FILE`, else RUNLEDGER_SCHEDULES. Read whole, parsed by
// core (every problem at file:line:col), digested so a reload can say whether anything changed.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatFileProblem, parseSchedulesText, type JobSchedule } from '@runledger/core';
import { RuntimeError } from '../errors.js';

export const SCHEDULES_SETTING = 'RUNLEDGER_SCHEDULES';

export interface LoadedSchedules {
  readonly path: string;
  readonly digest: string;
  readonly schedules: readonly JobSchedule[];
}

/** The configured file: the flag, else RUNLEDGER_SCHEDULES; undefined when neither is set (no scheduler). */
export function schedulesPath(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): string | undefined {
  const p = flag ?? env[SCHEDULES_SETTING];
  return p === undefined || p.trim() === '' ? undefined : resolve(cwd, p);
}

export async function loadSchedulesFile(path: string): Promise<LoadedSchedules> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new RuntimeError('SCHEDULES_INVALID', `cannot read the schedules file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      cause: e,
    });
  }
  const r = parseSchedulesText(text, path);
  if (!r.ok) throw new RuntimeError('SCHEDULES_INVALID', `invalid schedules file:\n${r.problems.map(formatFileProblem).join('\n')}`);
  return { path, digest: createHash('sha256').update(text).digest('hex'), schedules: r.schedules };
}
