// TypeScript types of the API's bodies, derived from the same typebox schemas that validate
// requests and build the OpenAPI document. The web UI's client imports these (type-only), so the
// client, the validation and the document cannot drift apart.
import type { Static } from 'typebox';
import type * as S from './schemas.js';
import type * as I from './incidents/schemas.js';
import type * as H from './health/schemas.js';
import type * as R from './releases/schemas.js';
import type * as D from './drills/schemas.js';
import type * as C from './schedules/schemas.js';

export type ApiErrorBody = Static<typeof S.ErrorBody>;
export type LedgerHead = Static<typeof S.LedgerHead>;
export type LedgerEntry = Static<typeof S.LedgerEntry>;
export type EntriesPage = Static<typeof S.EntriesPage>;
export type ConsistencyProof = Static<typeof S.ConsistencyProof>;
export type NoteBody = Static<typeof S.NoteBody>;
export type NoteResult = Static<typeof S.NoteResult>;
export type StepView = Static<typeof S.StepView>;
export type RunSummary = Static<typeof S.RunSummary>;
export type RunDetail = Static<typeof S.RunDetail>;
export type RunsQuery = Static<typeof S.RunsQuery>;
export type RunsPage = Static<typeof S.RunsPage>;
export type DecisionBody = Static<typeof S.DecisionBody>;
export type ReasonBody = Static<typeof S.ReasonBody>;
export type ActionResult = Static<typeof S.ActionResult>;
export type PolicyView = Static<typeof S.PolicyView>;
export type FreezeResult = Static<typeof S.FreezeResult>;
export type Ready = Static<typeof S.Ready>;
export type Health = Static<typeof S.Health>;
export type InputSchema = Static<typeof S.InputSchema>;
export type RunbookSummary = Static<typeof S.RunbookSummary>;
export type RunbookList = Static<typeof S.RunbookList>;
export type RunbookDetail = Static<typeof S.RunbookDetail>;
export type Diagnostic = Static<typeof S.Diagnostic>;
export type LintBody = Static<typeof S.LintBody>;
export type LintResult = Static<typeof S.LintResult>;
export type StartBody = Static<typeof S.StartBody>;
export type StartResult = Static<typeof S.StartResult>;
export type SessionBody = Static<typeof S.SessionBody>;
export type SessionView = Static<typeof S.SessionView>;
export type Verification = Static<typeof S.Verification>;
export type LastVerification = Static<typeof S.LastVerification>;
export type RunLedger = Static<typeof S.RunLedger>;
export type StepOutput = Static<typeof S.StepOutput>;
export type LedgerSearchQuery = Static<typeof S.LedgerSearchQuery>;
export type LedgerSearchPage = Static<typeof S.LedgerSearchPage>;

/** Data of the run event stream's `output` events (live step output; not replayed on reconnect). */
export interface OutputEvent {
  readonly step: string;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

// Alerts, incidents, deliveries, silences, on-call.
export type IncidentSummary = Static<typeof I.IncidentSummary>;
export type IncidentDetail = Static<typeof I.IncidentDetail>;
export type IncidentsPage = Static<typeof I.IncidentsPage>;
export type TimelineEvent = Static<typeof I.TimelineEvent>;
export type Delivery = Static<typeof I.Delivery>;
export type DeliveriesPage = Static<typeof I.DeliveriesPage>;
export type Silence = Static<typeof I.Silence>;
export type SilencesPage = Static<typeof I.SilencesPage>;
export type SilenceBody = Static<typeof I.SilenceBody>;
export type OnCallView = Static<typeof I.OnCallView>;
export type Handoff = Static<typeof I.Handoff>;
export type HandoffBody = Static<typeof I.HandoffBody>;
export type HandoffsPage = Static<typeof I.HandoffsPage>;
export type OperationsConfigView = Static<typeof I.OperationsConfigView>;
export type RoutesTestResult = Static<typeof I.RoutesTestResult>;

// Continuous health: services, checks, checklists, SLOs.
export type HealthState = Static<typeof H.ServiceSummary>['state'];
export type CheckState = Static<typeof H.CheckSummary>['state'];
export type RootCause = Static<typeof H.RootCause>;
export type ConditionResult = Static<typeof H.ConditionResult>;
export type ProbePhases = Static<typeof H.Phases>;
export type LastResult = Static<typeof H.LastResult>;
export type CheckSummary = Static<typeof H.CheckSummary>;
export type Dependency = Static<typeof H.Dependency>;
export type ServiceSummary = Static<typeof H.ServiceSummary>;
export type ServicesView = Static<typeof H.ServicesView>;
export type SloView = Static<typeof H.SloView>;
export type ServiceDetail = Static<typeof H.ServiceDetail>;
export type CheckHistory = Static<typeof H.CheckHistory>;
export type CheckRun = Static<typeof H.CheckRun>;
export type ChecklistResultView = Static<typeof H.ChecklistResultView>;
export type ChecklistsView = Static<typeof H.ChecklistsView>;
export type SlosView = Static<typeof H.SlosView>;
export type SloReportView = Static<typeof H.SloReportView>;

// Releases: records with their gates and bake window, rollbacks and their approvals.
export type ReleaseView = Static<typeof R.Release>;
export type ReleaseGate = Static<typeof R.Gate>;
export type ReleaseBake = Static<typeof R.Bake>;
export type ReleaseRollback = Static<typeof R.RollbackView>;
export type ReleasePendingRollback = Static<typeof R.PendingRollback>;
export type ReleasesQuery = Static<typeof R.ReleasesQuery>;
export type ReleasesPage = Static<typeof R.ReleasesPage>;
export type ReleaseDetail = Static<typeof R.ReleaseDetail>;
export type ReleaseTimelineItem = Static<typeof R.TimelineItem>;
export type CreateReleaseBody = Static<typeof R.CreateReleaseBody>;
export type RollbackBody = Static<typeof R.RollbackBody>;
export type RollbackResult = Static<typeof R.RollbackResult>;
export type ReleaseTarget = Static<typeof R.ReleaseTarget>;
export type ReleaseTargets = Static<typeof R.ReleaseTargets>;

// Drills: finished drills from the ledger, the one running here, a request to run one.
export type DrillView = Static<typeof D.Drill>;
export type DrillMeasuredView = Static<typeof D.DrillMeasured>;
export type DrillTargetsView = Static<typeof D.DrillTargets>;
export type DrillCheckView = Static<typeof D.DrillCheck>;
export type RunningDrill = Static<typeof D.RunningDrill>;
export type DrillsQuery = Static<typeof D.DrillsQuery>;
export type DrillsPage = Static<typeof D.DrillsPage>;
export type DrillDetail = Static<typeof D.DrillDetail>;
export type RunDrillBody = Static<typeof D.RunDrillBody>;
export type DrillStarted = Static<typeof D.DrillStarted>;
// Job schedules: cron in a time zone, next runs, outcomes and history from the ledger.
export type ScheduleView = Static<typeof C.ScheduleView>;
export type SchedulesView = Static<typeof C.SchedulesView>;
export type ScheduleHistoryItem = Static<typeof C.ScheduleHistoryItem>;
