// Reading an anchor directory and writing a shipment into one, whole or not at all.
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ANCHOR_FILE_RE, type AnchorFile } from '@runledger/ledger';

/** The directory's shipments (name and text), in size order; a missing directory has none. */
export async function readAnchorDir(dir: string): Promise<AnchorFile[]> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
  const wanted = names.filter((n) => ANCHOR_FILE_RE.test(n)).sort();
  return Promise.all(wanted.map(async (name) => ({ name, text: await readFile(join(dir, name), 'utf8') })));
}

/** The newest shipment's file name, or undefined. */
export async function newestAnchorName(dir: string): Promise<string | undefined> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
  return names
    .filter((n) => ANCHOR_FILE_RE.test(n))
    .sort()
    .at(-1);
}

/**
 * Temp file, fsync, rename, fsync the directory: a reader (or a crash) sees the whole shipment or
 * none, and a shipment reported written survives a power cut of the destination's host.
 */
export async function writeFileDurably(dir: string, name: string, text: string): Promise<string> {
  const tmp = join(dir, `.${name}.tmp-${process.pid}-${Date.now()}`);
  const target = join(dir, name);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // Some filesystems (and Windows) refuse fsync on a directory; the rename is still atomic.
  } finally {
    await d.close();
  }
  return target;
}
