// What createApp takes for drills (kept apart from host.ts, which needs the route context).
export interface DrillsDeps {
  /** Where evidence bundles go (default: RUNLEDGER_DRILL_DIR, else DATA_DIR-drills). */
  readonly dir?: string;
  /** The argv that runs `runledger` (chaos kill-run); `serve` gives its own. Without it kill-run is not available. */
  readonly runledger?: readonly string[];
  /** Settings the drills run with (default: the operations env, else process.env). */
  readonly settings?: Readonly<Record<string, string | undefined>>;
}
