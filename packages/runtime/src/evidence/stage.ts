// A directory written whole or not at all: files go into a hidden sibling, renamed into place at the
// end, so a crash or an error never leaves a half-written bundle where a reader would look.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RuntimeError } from '../errors.js';

export interface Staged {
  /** The final directory (absolute). */
  readonly dir: string;
  /** Where to write meanwhile: a sibling of `dir`, so the final rename stays on one file system. */
  readonly tmp: string;
  /** Moves the staged directory into place. */
  commit(): Promise<void>;
  /** Removes the staged directory (idempotent). */
  abort(): Promise<void>;
}

/** Stages `target`. Refuses (EXPORT_TARGET_EXISTS) a target that exists and is not an empty directory. */
export async function stageDirectory(target: string): Promise<Staged> {
  const dir = resolve(target);
  const existing = await readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  if (existing && existing.length > 0) throw new RuntimeError('EXPORT_TARGET_EXISTS', `${dir} exists and is not empty; choose a new directory`);
  await mkdir(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp);
  return {
    dir,
    tmp,
    async commit() {
      // rename() cannot replace a directory on every platform: the empty one found above goes first.
      if (existing) await rmdir(dir);
      await rename(tmp, dir);
    },
    abort: () => rm(tmp, { recursive: true, force: true }),
  };
}
