// How releases read on a terminal: one line per release in lists, a block per release with its gates,
// bake window and rollback, the progress of a release being driven, and the exit code an outcome means.
import type { Gate, Release } from '@runledger/core';
import { EXIT, type PendingRollback } from '@runledger/runtime';
import type { Io } from '../io.js';

const MARK: Readonly<Record<string, string>> = { true: '✔', false: '✘', null: '…' };
const mark = (g: Gate): string => MARK[String(g.passed)] ?? '?';

export function releaseLine(r: Release): string {
  const when = (r.announcedAt ?? r.failedAt ?? r.createdAt).slice(0, 19).replace('T', ' ');
  const gates = r.gates.map((g) => `${mark(g)}${g.name}`).join(' ');
  return `${r.id}  ${r.service}@${r.env}  ${r.version.padEnd(12)} ${r.state.padEnd(11)} ${when}  ${r.requestedBy}  ${gates}`;
}

export function gateLine(g: Gate): string {
  const run = g.runId ? ` (run ${g.runId})` : '';
  const why = g.reason ? `: ${g.reason}` : '';
  return `  ${mark(g)} ${g.kind.padEnd(9)} ${g.name}${run}${why}`;
}

export function printRelease(io: Io, r: Release, pending: PendingRollback | null, now = Date.now()): void {
  io.out(`${r.service} ${r.version} in ${r.env}: ${r.state}   (${r.id})\n`);
  io.out(`  artifact  ${r.artifact.ref}  ${r.artifact.digest}\n`);
  if (r.manifestDigest) io.out(`  manifest  ${r.manifestDigest}\n`);
  if (r.migration) io.out(`  migration ${r.migration.id} (${r.migration.kind}${r.migration.revision ? `, revision ${r.migration.revision}` : ''})\n`);
  io.out(`  asked by  ${r.requestedBy} at ${r.createdAt}${r.previous ? `; rolls back to ${r.previous}` : ''}\n`);
  io.out('gates\n');
  for (const g of r.gates) io.out(`${gateLine(g)}\n`);
  if (r.bakeStartedAt && r.bakeEndsAt) {
    const left = Date.parse(r.bakeEndsAt) - now;
    const bake = r.gates.find((g) => g.kind === 'bake');
    io.out(`bake window ${r.bakeStartedAt} → ${r.bakeEndsAt}${bake?.passed === null && left > 0 ? ` (${Math.ceil(left / 1000)} s left)` : ''}\n`);
  }
  if (r.failure) io.out(`FAILED at ${r.failure.gate}: ${r.failure.reason}\n`);
  if (r.rollbackRefused) io.out(`rollback refused (${r.rollbackRefused.code}): ${r.rollbackRefused.reason}\n`);
  const rb = r.rollback;
  if (rb) {
    io.out(
      `rollback ${rb.fromVersion} → ${rb.toVersion} (${rb.mode}${rb.revision ? ` to revision ${rb.revision}` : ''}) by ${rb.actor}${rb.approvedBy ? `, approved by ${rb.approvedBy}` : ''}: ${rb.outcome ?? 'running'}\n`,
    );
    io.out(`  reason: ${rb.reason}\n`);
    if (rb.detail) io.out(`  detail: ${rb.detail}\n`);
    if (rb.postChecks) io.out(`  post-rollback checks: ${rb.postChecks.passed ? 'hold' : `do not hold: ${rb.postChecks.reason ?? ''}`}\n`);
  }
  if (pending) io.out(`rollback waiting for an approval (asked by ${pending.actor}: ${pending.reason}); ${pending.why}\n`);
}

/** Prints what changed since the last view of the release (stderr, for people watching a deploy). */
export function progressPrinter(io: Io): (r: Release) => void {
  let last: Release | undefined;
  return (r) => {
    const prev = last;
    last = r;
    if (!prev || prev.state !== r.state) io.err(`${r.service} ${r.version}: ${r.state}\n`);
    for (const g of r.gates) {
      const before = prev?.gates.find((x) => x.name === g.name);
      if (g.runId && !before?.runId) io.err(`  gate ${g.name}: run ${g.runId}\n`);
      if (g.passed !== null && before?.passed !== g.passed) io.err(`${gateLine(g)}\n`);
    }
    if (r.bakeEndsAt && !prev?.bakeEndsAt) io.err(`  bake window until ${r.bakeEndsAt}\n`);
    if (r.rollback && !prev?.rollback) io.err(`  rolling back to ${r.rollback.toVersion} (${r.rollback.reason})\n`);
  };
}

/**
 * The issue's exit codes: 0 announced (or rolled back as asked), 1 failed or rolled back by a gate,
 * 4 waiting (for an approval, or still baking when not waited for).
 */
export function exitOf(r: Release, asked: 'deploy' | 'rollback', pending: boolean): number {
  if (pending) return EXIT.WAITING;
  if (asked === 'rollback') return r.state === 'rolled_back' ? EXIT.OK : EXIT.FAILED;
  if (r.state === 'announced') return EXIT.OK;
  if (r.state === 'failed' || r.state === 'rolled_back') return EXIT.FAILED;
  return EXIT.WAITING;
}
