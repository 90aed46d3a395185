// Rollback decisions, pure: which release is in place, what to go back to, and whether to refuse.
// Seed 000: image-only for additive schema changes, a downgrade to an explicit (and approved) revision
// for destructive ones. Seed 003: never with an audit chain that does not verify ("investigate first"),
// unless an admin overrides with a reason, and that override is itself recorded.
import { rollbackRunning } from './busy.js';
import { ReleaseRuleError } from './errors.js';
import type { Release, ReleaseArtifact } from './types.js';

/** A ledger verification's outcome, as the driver ran it just before the rollback. */
export interface LedgerVerification {
  readonly ok: boolean;
  readonly at: string;
  readonly detail?: string;
}

export interface RollbackRequest {
  readonly service: string;
  readonly env: string;
  readonly at: string;
  readonly actor: string;
  readonly reason: string;
  /** The release to roll back; default: the one in place. */
  readonly from?: string;
  /** `--to`: an announced release; default: the previous good one. */
  readonly to?: string;
  /** The schema revision to downgrade to (destructive migrations only). */
  readonly revision?: string;
  /** Who approved the downgrade: someone other than the actor. */
  readonly approvedBy?: string;
  readonly ledger?: LedgerVerification;
  readonly override?: { readonly by: string; readonly roles: readonly string[]; readonly reason: string };
  /** How old a passing verification may be (default 15 min): yesterday's says nothing about now. */
  readonly maxLedgerAgeMs?: number;
}

export interface RollbackPlan {
  readonly from: string;
  readonly fromVersion: string;
  readonly to: string;
  readonly toVersion: string;
  readonly toArtifact: ReleaseArtifact;
  readonly mode: 'image-only' | 'downgrade';
  readonly revision?: string;
  readonly actor: string;
  readonly reason: string;
  readonly approvedBy?: string;
  /** Set when an admin rolled back past a failed or missing verification; becomes a ledger.override fact. */
  readonly override?: { readonly by: string; readonly reason: string; readonly ledger: string };
}

export const DEFAULT_MAX_LEDGER_AGE_MS = 15 * 60_000;

const ms = (t: string): number => Date.parse(t);
const of = (releases: readonly Release[], service: string, env: string): Release[] => releases.filter((r) => r.service === service && r.env === env);

/**
 * The release running now: the latest of "a deploy started" and "a rollback succeeded" (which puts its
 * target back in place). Creation order alone would be wrong after a rollback that skips a release.
 */
export function currentRelease(releases: readonly Release[], service: string, env: string): Release | undefined {
  const mine = of(releases, service, env);
  let best: { at: number; release: Release } | undefined;
  const consider = (at: string | undefined, release: Release | undefined): void => {
    if (at === undefined || !release) return;
    if (!best || ms(at) >= best.at) best = { at: ms(at), release };
  };
  for (const r of mine) {
    consider(r.deployStartedAt, r);
    if (r.rollback?.outcome === 'success')
      consider(
        r.rollback.finishedAt,
        mine.find((t) => t.id === r.rollback?.to),
      );
  }
  return best?.release;
}

/** The previous good release: `from.previous` while it is still announced, else the newest announced before it. */
export function defaultRollbackTarget(releases: readonly Release[], from: Release): Release | undefined {
  const mine = of(releases, from.service, from.env).filter((r) => r.id !== from.id && r.state === 'announced');
  const named = mine.find((r) => r.id === from.previous);
  if (named) return named;
  const older = mine.filter((r) => ms(r.createdAt) < ms(from.createdAt)).sort((a, b) => ms(b.createdAt) - ms(a.createdAt));
  return older[0];
}

/** Releases whose destructive migrations the rollback would leave behind: deployed after the target, up to `from`. */
export function destructiveBetween(releases: readonly Release[], to: Release, from: Release): Release[] {
  return of(releases, from.service, from.env).filter(
    (r) =>
      r.migration?.kind === 'destructive' &&
      r.deployStartedAt !== undefined &&
      ms(r.createdAt) > ms(to.createdAt) &&
      ms(r.createdAt) <= ms(from.createdAt) &&
      r.id !== to.id,
  );
}

/** Decides a rollback or refuses it with a ReleaseRuleError whose message names why. */
export function planRollback(releases: readonly Release[], req: RollbackRequest): RollbackPlan {
  if (!req.reason.trim()) throw new ReleaseRuleError('ROLLBACK_REASON_REQUIRED', 'a rollback needs a reason (seed 003: every rollback records one)');
  const from = req.from !== undefined ? releases.find((r) => r.id === req.from) : currentRelease(releases, req.service, req.env);
  if (!from)
    throw new ReleaseRuleError(
      'ROLLBACK_NO_TARGET',
      `nothing to roll back: no ${req.from ? `release ${req.from}` : 'deployed release'} of ${req.service} in ${req.env}`,
    );
  if (from.service !== req.service || from.env !== req.env)
    throw new ReleaseRuleError('ROLLBACK_BAD_TARGET', `release ${from.id} is ${from.service} in ${from.env}, not ${req.service} in ${req.env}`);
  const running = of(releases, req.service, req.env).find(rollbackRunning);
  if (running) throw new ReleaseRuleError('RELEASE_BUSY', `a rollback of ${running.id} (${running.version}) is still running in ${req.env}`);
  if (from.state === 'deploying')
    throw new ReleaseRuleError('RELEASE_BUSY', `release ${from.id} is still deploying; roll back once the deploy run has finished`);
  if (from.state === 'planned' || from.state === 'rolled_back')
    throw new ReleaseRuleError('RELEASE_STATE', `release ${from.id} is ${from.state === 'planned' ? 'not deployed' : 'already rolled back'}`);

  const to = pickTarget(releases, from, req.to);
  const destructive = destructiveBetween(releases, to, from);
  const downgrade = destructive.length > 0;
  let approved: { revision: string; approvedBy: string } | undefined;
  if (downgrade) {
    const names = destructive.map((r) => `${r.version} (${r.migration?.id})`).join(', ');
    if (!req.revision?.trim()) {
      const hint = to.migration?.revision ? `; ${to.version} ran at revision ${to.migration.revision}` : '';
      throw new ReleaseRuleError(
        'ROLLBACK_DESTRUCTIVE_NEEDS_REVISION',
        `destructive migration in ${names}: an image-only rollback would run ${to.version} on a schema it cannot read; give the revision to downgrade to${hint}`,
      );
    }
    if (!req.approvedBy?.trim() || req.approvedBy === req.actor)
      throw new ReleaseRuleError(
        'ROLLBACK_NEEDS_APPROVAL',
        `downgrading to revision ${req.revision} (destructive migration in ${names}) needs an approval from someone other than ${req.actor}`,
      );
    approved = { revision: req.revision, approvedBy: req.approvedBy };
  }

  const override = ledgerGate(req);
  return {
    from: from.id,
    fromVersion: from.version,
    to: to.id,
    toVersion: to.version,
    toArtifact: to.artifact,
    mode: approved ? 'downgrade' : 'image-only',
    ...(approved ?? {}),
    actor: req.actor,
    reason: req.reason,
    ...(override ? { override } : {}),
  };
}

function pickTarget(releases: readonly Release[], from: Release, explicit: string | undefined): Release {
  if (explicit === undefined) {
    const t = defaultRollbackTarget(releases, from);
    if (!t)
      throw new ReleaseRuleError(
        'ROLLBACK_NO_TARGET',
        `no earlier announced release of ${from.service} in ${from.env} to roll ${from.version} back to; name one with --to`,
      );
    return t;
  }
  const t = releases.find((r) => r.id === explicit);
  if (!t) throw new ReleaseRuleError('ROLLBACK_NO_TARGET', `no release ${explicit}`);
  if (t.id === from.id) throw new ReleaseRuleError('ROLLBACK_BAD_TARGET', `release ${t.id} is the one being rolled back`);
  if (t.service !== from.service || t.env !== from.env)
    throw new ReleaseRuleError('ROLLBACK_BAD_TARGET', `release ${t.id} is ${t.service} in ${t.env}, not ${from.service} in ${from.env}`);
  if (t.state !== 'announced')
    throw new ReleaseRuleError('ROLLBACK_BAD_TARGET', `release ${t.id} (${t.version}) is ${t.state}: only an announced release is a good target`);
  return t;
}

/** Undefined when the ledger verified recently; the override to record when an admin goes past it; else a refusal. */
function ledgerGate(req: RollbackRequest): RollbackPlan['override'] {
  const l = req.ledger;
  const maxAge = req.maxLedgerAgeMs ?? DEFAULT_MAX_LEDGER_AGE_MS;
  const problem = !l
    ? 'the ledger was not verified before the rollback'
    : !l.ok
      ? `the ledger did not verify${l.detail ? `: ${l.detail}` : ''}`
      : ms(req.at) - ms(l.at) > maxAge
        ? `the last ledger verification (${l.at}) is older than ${Math.round(maxAge / 60_000)} min`
        : undefined;
  if (!problem) return undefined;
  const o = req.override;
  if (!o)
    throw new ReleaseRuleError(
      'ROLLBACK_LEDGER_UNVERIFIED',
      `${problem}; investigate audit anomalies before rolling back (seed 003), or an admin overrides with a reason`,
    );
  if (!o.roles.includes('admin'))
    throw new ReleaseRuleError('ROLLBACK_OVERRIDE_FORBIDDEN', `${o.by} is not an admin: only an admin may roll back past an unverified ledger`);
  if (!o.reason.trim()) throw new ReleaseRuleError('ROLLBACK_REASON_REQUIRED', 'overriding the ledger verification needs a reason');
  return { by: o.by, reason: o.reason, ledger: problem };
}
