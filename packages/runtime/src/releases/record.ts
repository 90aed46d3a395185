// How a release is kept in its row: the folded release and how many facts it has (the next fact's seq),
// and the row's summary columns derived from it, so lists, the busy index and the bake timer never
// disagree with the release.
import { rollbackRunning, type Release } from '@runledger/core';
import type { ReleaseRow } from '@runledger/store';

export interface StoredRelease {
  readonly release: Release;
  readonly facts: number;
}

/** A rollback asked for that waits for someone else's approval. */
export interface PendingRollback {
  readonly actor: string;
  readonly reason: string;
  readonly at: string;
  readonly to?: string;
  readonly revision?: string;
  readonly override?: { readonly reason: string };
  /** The actor's roles when they asked (an override needs admin). */
  readonly roles: readonly string[];
  /** Proposed by a failed gate under `autoRollback: approval`, not by a person. */
  readonly auto?: boolean;
  /** Why it waits: the environment's rule, or a destructive migration's downgrade. */
  readonly why: string;
}

export interface LoadedRelease {
  readonly release: Release;
  readonly facts: number;
  readonly rev: number;
  readonly pending: PendingRollback | null;
}

export function loaded(row: ReleaseRow): LoadedRelease {
  const m = row.model as StoredRelease;
  return { release: m.release, facts: m.facts, rev: row.rev, pending: (row.pending as PendingRollback | null) ?? null };
}

export function isBusy(r: Release): boolean {
  return r.state === 'deploying' || r.state === 'verifying' || rollbackRunning(r);
}

/** The bake timer: due while the release verifies and its bake gate has not decided. */
export function bakeDueMs(r: Release): number | null {
  const bake = r.gates.find((g) => g.kind === 'bake');
  return r.state === 'verifying' && r.bakeEndsAt !== undefined && bake?.passed === null ? Date.parse(r.bakeEndsAt) : null;
}

export function summaryOf(r: Release, facts: number): Omit<ReleaseRow, 'rev' | 'updatedAt' | 'pending'> {
  return {
    id: r.id,
    service: r.service,
    env: r.env,
    version: r.version,
    state: r.state,
    busy: isBusy(r),
    createdAt: r.createdAt,
    bakeDueMs: bakeDueMs(r),
    model: { release: r, facts } satisfies StoredRelease,
  };
}
