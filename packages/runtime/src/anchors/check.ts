// `runledger anchors check` and the shipper's guard: the live ledger against a directory's anchors.
import type { AnchorsFact } from '@runledger/core';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareWithAnchors, parseVkey, type AnchorCheck, type VerifierKey } from '@runledger/ledger';
import type { LedgerReader } from '@runledger/store';
import { TRUST_FILE, type LedgerContext } from '../ledger/service.js';
import { parseDestinations } from '../destinations/spec.js';
import { readAnchorDir } from './files.js';

export async function checkAnchors(reader: LedgerReader, dir: string, trusted: readonly VerifierKey[]): Promise<AnchorCheck> {
  const files = await readAnchorDir(dir);
  const latest = await reader.latestCheckpoint();
  if (!latest) return { status: 'ANCHORS_INVALID', reason: 'LIVE_CHECKPOINT_INVALID', detail: 'the live ledger has no checkpoint yet' };
  return compareWithAnchors(files, trusted, {
    checkpointNote: latest.note,
    consistencyProof: (m, n) => reader.consistencyProof(m, n),
  });
}

/** The checklist's `anchors: consistent` fact: every directory consistent; undefined when there are none. */
export async function anchorsFact(reader: LedgerReader, dirs: readonly string[], trusted: readonly VerifierKey[]): Promise<AnchorsFact | undefined> {
  if (dirs.length === 0) return undefined;
  const results = [];
  for (const dir of dirs) {
    const r = await checkAnchors(reader, dir, trusted);
    results.push({ dir, status: r.status, reason: r.reason, detail: r.detail });
  }
  return { ok: results.every((r) => r.status === 'CONSISTENT'), results };
}

/** Reads a trust file (one vkey a line, `#` comments). */
export async function readTrustedKeys(file: string): Promise<VerifierKey[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => parseVkey(l));
}

/** `anchors: consistent` for a data directory: its RUNLEDGER_ANCHORS directories, its trust file. */
export async function anchorDirsFact(ctx: LedgerContext, list: string | undefined, cwd: string): Promise<AnchorsFact | undefined> {
  const dirs = parseDestinations(list, cwd).flatMap((d) => (d.kind === 'dir' ? [d.dir] : []));
  if (dirs.length === 0) return undefined;
  return anchorsFact(ctx.reader, dirs, await readTrustedKeys(join(ctx.home, TRUST_FILE)));
}
