// What the CLI tests share: the CLI run in-process with its output captured, and runbook files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, type Io } from '../src/index.js';

export interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `runledger` in this process, as alice, on `home`, working in `root`; `env` adds to or overrides that. */
export function cliRunner(root: string, home: string): (env: Record<string, string>, ...args: string[]) => Promise<Ran> {
  return async (env, ...args) => {
    let out = '';
    let err = '';
    const io: Io = {
      out: (s) => void (out += s),
      err: (s) => void (err += s),
      env: { RUNLEDGER_HOME: home, RUNLEDGER_ACTOR: 'alice', ...env },
      cwd: root,
      tty: false,
    };
    return { code: await main(args, io), out, err };
  };
}

/** Writes a runbook (or any file) under `root` and returns its path. */
export function fileIn(root: string, name: string, text: string): string {
  const p = join(root, name);
  writeFileSync(p, text);
  return p;
}
