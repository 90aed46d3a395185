// Request and response schemas of drills: the record of a finished drill (from its drill.finished
// entry), one running here, the detail with checks and log, and an operator's request to run one.
import { Type } from 'typebox';
import { IntParam, MAX_POSITION } from '../schemas.js';

const Opt = Type.Optional;
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
export const DRILL_KIND = Type.Union([Type.Literal('restore'), Type.Literal('escalation'), Type.Literal('rollback'), Type.Literal('chaos')]);
const Seconds = Type.Number({ minimum: 0 });

export const DrillTargets = Type.Object({ rtoSeconds: Opt(Seconds), rpoSeconds: Opt(Seconds), deliverySeconds: Opt(Seconds) });
export const DrillMeasured = Type.Object({
  rtoSeconds: Opt(Type.Number({ description: 'restore: restore and verify; rollback: the rollback; chaos: recovery' })),
  rpoSeconds: Opt(Type.Number({ description: 'restore: the age of the restored data when the restore started' })),
  rpoEntries: Opt(Type.Integer({ description: 'restore: ledger entries appended since the backup' })),
  deliverySeconds: Opt(Type.Number({ description: 'escalation: alert to the page in the mail sink' })),
  escalationSeconds: Opt(Type.Number({ description: 'escalation: the deadline to the level-2 page' })),
  steps: Opt(Type.Record(Type.String(), Type.Number(), { description: 'named step timings in seconds, in the order they ran' })),
});
export const DrillCheck = Type.Object({ name: Type.String(), ok: Type.Boolean(), detail: Type.String() });

export const Drill = Type.Object({
  id: Type.String(),
  kind: DRILL_KIND,
  env: Nullable(Type.String()),
  actor: Type.String(),
  startedAt: Type.String(),
  finishedAt: Type.String(),
  passed: Type.Boolean(),
  reasons: Type.Array(Type.String(), { description: 'why it failed, one line each (failed checks first, then figures over their target)' }),
  measured: DrillMeasured,
  targets: DrillTargets,
  evidence: Type.Object({
    manifestSha256: Type.String(),
    index: Type.Integer({ description: 'the drill.finished ledger entry that pins the bundle' }),
    available: Type.Boolean({ description: 'the bundle is in this server’s drill directory (GET …/evidence)' }),
  }),
});

export const RunningDrill = Type.Object({
  id: Type.String(),
  kind: DRILL_KIND,
  env: Nullable(Type.String()),
  actor: Type.String(),
  startedAt: Type.String(),
});

export const DrillsQuery = Type.Object({
  kind: Opt(DRILL_KIND),
  limit: IntParam(1, 500, { default: 100 }),
  before: Opt(IntParam(1, MAX_POSITION, { description: 'older than this ledger index (the previous page’s `next`)' })),
});
export const DrillsPage = Type.Object({
  drills: Type.Array(Drill, { description: 'finished drills, newest first' }),
  next: Nullable(Type.Integer({ description: 'the next page’s `before`, or null' })),
  running: Nullable(RunningDrill),
  available: Type.Array(DRILL_KIND, { description: 'the kinds this server can run' }),
});

export const DrillParams = Type.Object({ id: Type.String({ pattern: '^drill-\\d{8}T\\d{6}Z-[0-9a-f]{6}$' }) });
export const DrillDetail = Type.Object({
  id: Type.String(),
  state: Type.Union([Type.Literal('running'), Type.Literal('finished')]),
  drill: Nullable(Drill),
  running: Nullable(RunningDrill),
  checks: Type.Array(DrillCheck, { description: 'from the evidence’s summary.json (empty while running)' }),
  steps: Type.Array(Type.String(), { description: 'what was done, in order' }),
  log: Type.Array(Type.String(), { description: 'the drill’s log lines, each `<time> <text>`' }),
});

export const OptionValue = Type.Union([Type.String({ maxLength: 500 }), Type.Boolean()]);
export const RunDrillBody = Type.Object({
  kind: DRILL_KIND,
  env: Opt(Type.String({ minLength: 1, maxLength: 200 })),
  options: Opt(
    Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9]{0,39}$' }), OptionValue, {
      description:
        'the kind’s options: restore {backup, backupDir, targetDatabase (PostgreSQL: the scratch database; default RUNLEDGER_DRILL_PG_DATABASE)}; rollback {service, version, artifact, digest, allowProduction, timeoutSeconds}; chaos {scenario: kill-run|db-pause, pauseSeconds}',
      maxProperties: 20,
    }),
  ),
  targets: Opt(DrillTargets),
});
export const DrillStarted = Type.Object({ id: Type.String(), kind: DRILL_KIND, env: Nullable(Type.String()), state: Type.Literal('running') });
