// Request and response schemas of releases: records, gates, the bake window, rollbacks and approvals.
import { Type } from 'typebox';
import { IntParam } from '../schemas.js';

const Opt = Type.Optional;
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const RELEASE_STATE = Type.Union(
  [
    Type.Literal('planned'),
    Type.Literal('deploying'),
    Type.Literal('verifying'),
    Type.Literal('announced'),
    Type.Literal('failed'),
    Type.Literal('rolled_back'),
  ],
  { description: 'planned → deploying → verifying → announced, or → failed / rolled_back' },
);
const SEVERITY = Type.Union([Type.Literal('SEV-1'), Type.Literal('SEV-2'), Type.Literal('SEV-3')]);
const DIGEST = Type.String({ pattern: '^sha256:[0-9a-f]{64}$', description: 'sha256: and 64 lower-case hex digits' });
const NAME = Type.String({ minLength: 1, maxLength: 200 });

export const Artifact = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 500 }), digest: DIGEST });
export const Migration = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  kind: Type.Union([Type.Literal('none'), Type.Literal('additive'), Type.Literal('destructive')]),
  revision: Opt(Type.String({ maxLength: 200 })),
});

export const Gate = Type.Object({
  name: Type.String(),
  kind: Type.Union([Type.Literal('runbook'), Type.Literal('checklist'), Type.Literal('bake')]),
  target: Opt(Type.String({ description: 'the runbook id or checklist name it runs' })),
  passed: Nullable(Type.Boolean({ description: 'null while it has not decided' })),
  reason: Opt(Type.String()),
  runId: Opt(Type.String({ description: 'the run of a runbook gate, linked as soon as it starts' })),
  at: Opt(Type.String()),
});

export const Bake = Type.Object({
  durationMs: Type.Integer(),
  maxBurnRate: Type.Number(),
  failSeverity: SEVERITY,
  failHealth: Type.Array(Type.String()),
  autoRollback: Type.Union([Type.Literal('off'), Type.Literal('on'), Type.Literal('approval')]),
});

export const RollbackView = Type.Object({
  to: Type.String(),
  fromVersion: Type.String(),
  toVersion: Type.String(),
  mode: Type.Union([Type.Literal('image-only'), Type.Literal('downgrade')]),
  revision: Opt(Type.String()),
  actor: Type.String(),
  reason: Type.String(),
  approvedBy: Opt(Type.String()),
  startedAt: Type.String(),
  runId: Opt(Type.String()),
  outcome: Opt(Type.Union([Type.Literal('success'), Type.Literal('failure')])),
  detail: Opt(Type.String()),
  finishedAt: Opt(Type.String()),
  postChecks: Opt(Type.Object({ passed: Type.Boolean(), reason: Opt(Type.String()), at: Type.String() })),
});

export const PendingRollback = Type.Object({
  actor: Type.String(),
  reason: Type.String(),
  at: Type.String(),
  to: Opt(Type.String()),
  revision: Opt(Type.String()),
  override: Opt(Type.Object({ reason: Type.String() })),
  auto: Opt(Type.Boolean()),
  why: Type.String({ description: 'why it waits: the environment asks for an approval, or a destructive downgrade' }),
});

export const Release = Type.Object({
  id: Type.String(),
  service: Type.String(),
  env: Type.String(),
  version: Type.String(),
  state: RELEASE_STATE,
  artifact: Artifact,
  manifestDigest: Opt(DIGEST),
  migration: Opt(Migration),
  previous: Opt(Type.String({ description: 'the release in place when this one was created: its default rollback target' })),
  requestedBy: Type.String(),
  gates: Type.Array(Gate),
  bake: Bake,
  runbooks: Type.Object({ deploy: Opt(Type.String()), rollback: Opt(Type.String()), downgrade: Opt(Type.String()) }),
  postRollbackChecklist: Opt(Type.String()),
  runbookInputs: Opt(Type.Record(Type.String(), Type.String(), { description: 'the catalog’s fixed runbook inputs for the service' })),
  createdAt: Type.String(),
  deployStartedAt: Opt(Type.String()),
  deployedAt: Opt(Type.String()),
  deployRunId: Opt(Type.String()),
  bakeStartedAt: Opt(Type.String()),
  bakeEndsAt: Opt(Type.String()),
  announcedAt: Opt(Type.String()),
  failedAt: Opt(Type.String()),
  failure: Opt(Type.Object({ gate: Type.String(), reason: Type.String() }, { description: 'which gate (or deploy) failed and why' })),
  rollbackProposed: Opt(Type.Object({ at: Type.String(), mode: Type.String(), reason: Type.String() })),
  rollbackRefused: Opt(Type.Object({ at: Type.String(), code: Type.String(), reason: Type.String() })),
  rollback: Opt(RollbackView),
  pendingRollback: Nullable(PendingRollback),
  updatedAt: Type.String(),
});

export const ReleasesQuery = Type.Object({
  service: Opt(NAME),
  env: Opt(NAME),
  state: Opt(RELEASE_STATE),
  limit: IntParam(1, 500, { default: 100 }),
  before: Opt(Type.String({ maxLength: 40, description: 'created before this time (paging)' })),
});
export const ReleasesPage = Type.Object({ releases: Type.Array(Release) });

export const ReleaseParams = Type.Object({ id: Type.String({ minLength: 4, maxLength: 100 }) });

export const TimelineItem = Type.Object({ seq: Type.Integer(), at: Type.String(), type: Type.String(), fact: Type.Record(Type.String(), Type.Unknown()) });
export const ReleaseDetail = Type.Object({
  release: Release,
  timeline: Type.Array(TimelineItem),
  incidents: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), severity: SEVERITY, state: Type.String(), openedAt: Type.String() }), {
    description: 'incidents of the service opened from the deploy on (the release window)',
  }),
  canRollback: Type.Boolean({ description: 'a deployed release that is not rolling back' }),
});

export const CreateReleaseBody = Type.Object({
  service: NAME,
  env: NAME,
  version: Type.String({ minLength: 1, maxLength: 100 }),
  artifact: Artifact,
  manifestDigest: Opt(DIGEST),
  migration: Opt(Migration),
  bakeMs: Opt(Type.Integer({ minimum: 0, maximum: 7 * 86_400_000, description: 'the bake window (default: the catalog’s, else 10 min)' })),
  deploy: Opt(Type.Boolean({ description: 'start the deploy at once (default false)' })),
});

export const RollbackBody = Type.Object({
  service: NAME,
  env: NAME,
  from: Opt(Type.String({ maxLength: 100, description: 'the release to roll back (default: the one in place)' })),
  to: Opt(Type.String({ maxLength: 100, description: 'an announced release to go back to (default: the previous good one)' })),
  revision: Opt(Type.String({ maxLength: 200, description: 'the schema revision to downgrade to (destructive migrations)' })),
  reason: Type.String({ minLength: 1, maxLength: 1000 }),
  override: Opt(
    Type.Object({ reason: Type.String({ minLength: 1, maxLength: 1000 }) }, { description: 'admins: roll back past a ledger that does not verify' }),
  ),
});
export const RollbackResult = Type.Object({
  release: Release,
  pending: Type.Boolean({ description: 'true: the rollback waits for someone else’s approval' }),
});

export const ReleaseTarget = Type.Object({
  service: Type.String(),
  env: Type.String(),
  current: Nullable(Type.Object({ id: Type.String(), version: Type.String() }, { description: 'the release running now' })),
  latest: Release,
});
export const ReleaseTargets = Type.Object({ targets: Type.Array(ReleaseTarget) });

export const ReleaseLogQuery = Type.Object({ service: Opt(NAME), env: Opt(NAME), limit: IntParam(1, 10_000, { default: 1000 }) });
export const EmptyBody = Type.Object({});
