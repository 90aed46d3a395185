// The ledger entries of releases: one per fact, so the release's timeline and the ledger say the same
// thing. `release.rollback` is seed 003's entry (from, to, actor, reason, outcome) and keeps its name.
import type { ReleaseFact } from '@runledger/core';
import type { OutboxDraft } from '@runledger/store';
import { actorOf } from '../incidents/drafts.js';

export function releaseEntryType(factType: string): string {
  return factType.startsWith('release.') ? factType : `release.${factType}`;
}

function byOf(f: ReleaseFact): string {
  if ('by' in f && typeof f.by === 'string') return f.by;
  if ('actor' in f && typeof f.actor === 'string') return f.actor;
  if (f.type === 'release.created') return f.release.requestedBy;
  return 'system';
}

/** The entry's data: the fact without its type; a created release without its derived fields. */
function dataOf(f: ReleaseFact): Record<string, unknown> {
  if (f.type === 'release.created') {
    const r = f.release;
    return {
      at: f.at,
      service: r.service,
      env: r.env,
      version: r.version,
      artifact: r.artifact,
      ...(r.manifestDigest !== undefined ? { manifestDigest: r.manifestDigest } : {}),
      ...(r.migration ? { migration: r.migration } : {}),
      ...(r.previous !== undefined ? { previous: r.previous } : {}),
      gates: r.gates.map((g) => ({ name: g.name, kind: g.kind, ...(g.target !== undefined ? { target: g.target } : {}) })),
      bake: r.bake,
      runbooks: r.runbooks,
    };
  }
  const { type: _type, ...data } = f;
  return data;
}

export function releaseFactDraft(releaseId: string, seq: number, f: ReleaseFact): OutboxDraft {
  const idem = `release:${releaseId}:${seq}`;
  return {
    idem,
    draft: { type: releaseEntryType(f.type), actor: actorOf(byOf(f)), subject: { kind: 'release', id: releaseId }, data: dataOf(f), idem },
  };
}
