// Where anchors go: `DIR` (or `dir:DIR`) is a directory on another disk or mount; `cmd:PROG ARG…`
// is a command run with the shipment file's path as its last argument (no shell: arguments split
// on spaces), so rsync, rclone or `aws s3 cp` can carry shipments off the host.
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { RuntimeError } from '../errors.js';

export type AnchorDestination =
  { readonly kind: 'dir'; readonly id: string; readonly dir: string } | { readonly kind: 'command'; readonly id: string; readonly argv: readonly string[] };

export function parseDestination(spec: string, cwd: string): AnchorDestination {
  const s = spec.trim();
  if (s.startsWith('cmd:')) {
    const argv = s.slice(4).trim().split(/\s+/).filter(Boolean);
    if (argv.length === 0) throw new RuntimeError('USAGE', `anchor destination ${JSON.stringify(spec)}: cmd: needs a program`);
    return { kind: 'command', id: `cmd:${argv.join(' ')}`, argv };
  }
  const path = s.startsWith('dir:') ? s.slice(4) : s;
  if (path === '') throw new RuntimeError('USAGE', 'an anchor destination is empty');
  const dir = isAbsolute(path) ? path : resolve(cwd, path);
  return { kind: 'dir', id: dir, dir };
}

/** RUNLEDGER_ANCHORS: comma-separated destinations (a `cmd:` one may not contain a comma). */
export function parseDestinations(list: string | undefined, cwd: string): AnchorDestination[] {
  if (!list || list.trim() === '') return [];
  return list
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => parseDestination(s, cwd));
}

/** A file-name-safe key for a destination's local state. */
export function destinationKey(d: AnchorDestination): string {
  return createHash('sha256').update(d.id).digest('hex').slice(0, 16);
}
