// SLOs over probe history: samples and the time-weighting rule, hourly rollups, windows answered from
// rollups plus raw edges, objectives and budgets, multi-window burn-rate alerts, OpenSLO import, reports;
// and SLOs over events Prometheus counts, judged by the same rules.
export {
  LATENCY_BUCKET_COUNT,
  LATENCY_BUCKETS_PER_DOUBLING,
  LATENCY_RELATIVE_ERROR,
  latencyBucket,
  latencyBucketBounds,
  latencyBucketValue,
} from './histogram.js';
export type { LatencyHistogram } from './histogram.js';
export { latencyQuantile, quantileRank, sumWindowStats, upSamples } from './stats.js';
export type { LatencyDistribution, WindowStats } from './stats.js';
export { defaultMaxGap, rawLatencyQuantile, rawWindow, sampleLatency } from './samples.js';
export type { Sample, SampleOptions, SampleState } from './samples.js';
export { addSample, buildRollups, emptyRollup, HOUR_MS as ROLLUP_HOUR_MS, hourOf as rollupHourOf, hoursTouched, mergeRollups, sampleDeltas } from './rollup.js';
export type { Rollup, RollupOptions } from './rollup.js';
export { answerWindow, planWindow, rollupWindow, windowFromRollups } from './window.js';
export type { PlanOptions as WindowPlanOptions, RawEdge as WindowEdge, WindowPlan, WindowSource } from './window.js';
export {
  checkSloDefinition,
  DEFAULT_MIN_FAILURES,
  describeBudget,
  describeObjective,
  evaluateSlo,
  sloChecks,
  sloCounts,
  sloProblemResult,
  sloSource,
  sloThresholds,
} from './objectives.js';
export type { SloBudget, SloCounts, SloDefinition, SloEventQueries, SloKind, SloProblem, SloResult, SloSource, SloUnit } from './objectives.js';
export { evaluateEvents, eventAnswer, eventProblem, eventQueries, eventQueryProblems, eventWindow, promqlDuration, WINDOW_PLACEHOLDER } from './events.js';
export type { EventAnswer } from './events.js';
export { burnRuleName, burnWindows, evaluateBurn, explainRules, minObjectiveFor, SRE_BURN_RULES } from './burn.js';
export type { BurnRule, BurnRuleExplanation, BurnVerdict, BurnWindows, BurnWindowVerdict } from './burn.js';
export { importOpenSlo, OPENSLO_ANNOTATIONS, parseOpenSloText } from './openslo.js';
export type { OpenSloFileProblem, OpenSloImport, OpenSloProblem } from './openslo.js';
export { buildSloReport, renderSloReport } from './report.js';
export type { SloReport, SloReportEntry, SloReportHour, SloReportItem } from './report.js';
