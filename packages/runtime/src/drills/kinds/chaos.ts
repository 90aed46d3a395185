// The chaos drill: break something for a moment and check that Runledger recovers with nothing lost
// and nothing duplicated. Scenarios: kill-run (a runbook run SIGKILLed mid-step, any database) and
// db-pause (the database stops taking ledger writes and drops connections while appends go on;
// PostgreSQL). Recovery is measured as the drill's RTO.
import { RuntimeError } from '../../errors.js';
import type { DrillKindRunner, DrillPreflight } from '../kind.js';
import { onlyOptions, secondsOption, stringOption } from '../options.js';
import { runDbPause } from './chaos-db-pause.js';
import { runKillRun } from './chaos-kill-run.js';

export const CHAOS_SCENARIOS = ['kill-run', 'db-pause'] as const;
export type ChaosScenario = (typeof CHAOS_SCENARIOS)[number];
const OPTIONS = ['scenario', 'pauseSeconds'] as const;

export function chaosScenarioOf(options: Parameters<typeof stringOption>[0]): ChaosScenario {
  const s = stringOption(options, 'scenario') ?? 'kill-run';
  if (!(CHAOS_SCENARIOS as readonly string[]).includes(s))
    throw new RuntimeError('DRILL_INVALID', `no chaos scenario ${JSON.stringify(s)}: expected ${CHAOS_SCENARIOS.join(' or ')}`);
  return s as ChaosScenario;
}

/** How long db-pause holds the database (seconds). */
export function pauseSecondsOf(options: Parameters<typeof stringOption>[0]): number {
  return secondsOption(options, 'pauseSeconds', 3, 0.5, 60);
}

export const chaosPreflight: DrillPreflight = (s) => {
  onlyOptions('chaos', s.options, OPTIONS);
  const scenario = chaosScenarioOf(s.options);
  pauseSecondsOf(s.options);
  if (scenario === 'kill-run' && (!s.runledger || s.runledger.length === 0))
    throw new RuntimeError('DRILL_NOT_AVAILABLE', 'chaos kill-run starts `runledger run` in a child process, and this host did not say how to run `runledger`');
  if (scenario === 'db-pause' && s.ledger.store.kind !== 'postgres')
    throw new RuntimeError('DRILL_NOT_AVAILABLE', 'chaos db-pause pauses PostgreSQL; this store is SQLite (run --scenario kill-run)');
};

export const runChaosDrill: DrillKindRunner = (ctx) =>
  chaosScenarioOf(ctx.options) === 'db-pause' ? runDbPause(ctx, pauseSecondsOf(ctx.options)) : runKillRun(ctx);
