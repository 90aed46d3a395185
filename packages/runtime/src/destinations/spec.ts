// Where copies go, for anchors and backups alike: `DIR` (or `dir:DIR`) is a directory on another disk
// or mount; `cmd:PROG ARG…` is a command run with the path handed over (no shell: arguments split on
// spaces; see command.ts), so rsync, rclone or `aws s3 cp` can carry files off the host. One syntax for
// RUNLEDGER_ANCHORS and RUNLEDGER_BACKUP_DESTINATIONS.
import { createHash } from 'node:crypto';
import { basename, isAbsolute, resolve } from 'node:path';
import { RuntimeError } from '../errors.js';

export type Destination =
  { readonly kind: 'dir'; readonly id: string; readonly dir: string } | { readonly kind: 'command'; readonly id: string; readonly argv: readonly string[] };

/** `what` names the setting in messages (an anchor destination, a backup destination). */
export function parseDestination(spec: string, cwd: string, what = 'anchor destination'): Destination {
  const s = spec.trim();
  if (s.startsWith('cmd:')) {
    const argv = s.slice(4).trim().split(/\s+/).filter(Boolean);
    if (argv.length === 0) throw new RuntimeError('USAGE', `${what} ${JSON.stringify(spec)}: cmd: needs a program`);
    return { kind: 'command', id: `cmd:${argv.join(' ')}`, argv };
  }
  const path = s.startsWith('dir:') ? s.slice(4) : s;
  if (path === '') throw new RuntimeError('USAGE', `${what} ${JSON.stringify(spec)} is empty`);
  const dir = isAbsolute(path) ? path : resolve(cwd, path);
  return { kind: 'dir', id: dir, dir };
}

/** A comma-separated list (a `cmd:` destination may not contain a comma). */
export function parseDestinations(list: string | undefined, cwd: string, what?: string): Destination[] {
  if (!list || list.trim() === '') return [];
  return list
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => parseDestination(s, cwd, what));
}

/** A file-name-safe key for a destination's local state. */
export function destinationKey(d: Destination): string {
  return createHash('sha256').update(d.id).digest('hex').slice(0, 16);
}

/**
 * How a destination is named where others read it (ledger entries, alerts): a directory by its path, a
 * command by its program only. Its arguments may hold a host, a bucket or a token, and a ledger entry
 * cannot be taken back.
 */
export function destinationLabel(d: Destination): string {
  return d.kind === 'dir' ? d.dir : `cmd:${basename(d.argv[0]!)}`;
}

/** An anchor destination (RUNLEDGER_ANCHORS). */
export type AnchorDestination = Destination;
