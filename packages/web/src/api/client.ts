// The one typed client for the Runledger API. Every call of the UI goes through here: the session
// cookie authenticates (credentials: same-origin), state-changing calls carry the CSRF token, and
// every failure becomes an ApiError carrying the server's code and request id (operators quote it).
import type {
  ActionResult,
  ApiErrorBody,
  CheckHistory,
  ChecklistsView,
  CheckRun,
  DecisionBody,
  EntriesPage,
  DeliveriesPage,
  FreezeResult,
  Handoff,
  HandoffBody,
  HandoffsPage,
  Health,
  IncidentDetail,
  IncidentsPage,
  IncidentSummary,
  LastVerification,
  LedgerEntry,
  LedgerHead,
  LedgerSearchPage,
  LedgerSearchQuery,
  LintResult,
  NoteResult,
  OnCallView,
  OperationsConfigView,
  OutputEvent,
  PolicyView,
  Ready,
  CreateReleaseBody,
  ReleaseDetail,
  ReleasesPage,
  ReleaseTargets,
  ReleaseView,
  RollbackBody,
  RollbackResult,
  RunbookDetail,
  ServiceDetail,
  ServicesView,
  SlosView,
  RunbookList,
  RunDetail,
  RunLedger,
  RunsPage,
  RunsQuery,
  SessionView,
  Silence,
  SilenceBody,
  SilencesPage,
  StartBody,
  StartResult,
  StepOutput,
  StepView,
  SchedulesView,
  Verification,
  DrillsPage,
  DrillDetail,
  DrillStarted,
  RunDrillBody,
} from '@runledger/server/api-types';
import { TERMINAL_STATES, type RunState } from '@runledger/core/states';

export type { IncidentDetail, IncidentSummary, OnCallView, OutputEvent, RunDetail, RunbookDetail, SessionView, Silence, Verification };
export type {
  CheckHistory,
  ChecklistResultView,
  ChecklistsView,
  CheckRun,
  CheckSummary,
  ConditionResult,
  HealthState,
  ServiceDetail,
  ServicesView,
  ServiceSummary,
  SloView,
} from '@runledger/server/api-types';
export type { ScheduleHistoryItem, ScheduleView, SchedulesView } from '@runledger/server/api-types';
export type { DrillCheckView, DrillDetail, DrillsPage, DrillView as DrillRecord, RunningDrill } from '@runledger/server/api-types';
export type {
  CreateReleaseBody,
  ReleaseDetail,
  ReleaseGate,
  ReleasePendingRollback,
  ReleaseRollback,
  ReleaseTarget,
  ReleaseTimelineItem,
  ReleaseView,
  RollbackBody,
  RollbackResult,
} from '@runledger/server/api-types';

/** A release's states, in the order a release goes through them (failed and rolled_back end it). */
export const RELEASE_STATES = ['planned', 'deploying', 'verifying', 'announced', 'failed', 'rolled_back'] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

export type Severity = IncidentSummary['severity'];
export type IncidentState = IncidentSummary['state'];
export const SEVERITIES: readonly Severity[] = ['SEV-1', 'SEV-2', 'SEV-3'];

/** One step of a run as the server replays it (status, attempt, times, exit code, approvals). */
export type Step = StepView;

// The run states are the engine's own list (one source: the API's schemas use it too).
export { RUN_STATES, type RunState } from '@runledger/core/states';
export const TERMINAL: readonly string[] = TERMINAL_STATES;

export type RunAction = 'approve' | 'reject' | 'resume' | 'retry' | 'skip' | 'abort';

/** A located problem: `path` is a JSON pointer into the request (`/inputs/version`, `/body/comment`). */
export type ErrorDetail = NonNullable<ApiErrorBody['error']['details']>[number];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    readonly details: readonly ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The error as an operator should see and quote it. */
export function describeError(e: unknown): { code: string; message: string; requestId: string | null } {
  if (e instanceof ApiError) return { code: e.code, message: e.message, requestId: e.requestId };
  return { code: 'CLIENT_ERROR', message: e instanceof Error ? e.message : String(e), requestId: null };
}

const API = '/api/v1';

// The CSRF token lives in memory only; a reload fetches it again from GET /session.
let csrfToken: string | null = null;
let onAuthLost: (e: ApiError) => void = () => undefined;

/** Called when a call answers 401 (session gone or never there): the app goes to /signin. */
export function setAuthLostHandler(f: (e: ApiError) => void): void {
  onAuthLost = f;
}

interface Opts {
  /** Statuses whose body is the answer, not an error (GET /ready answers 503 with a Ready body). */
  readonly okStatuses?: readonly number[];
  /** Do not treat a 401 as a lost session (sign-in and the initial session probe handle it themselves). */
  readonly quiet401?: boolean;
  readonly as?: 'json' | 'text';
  readonly retried?: boolean;
}

async function toError(res: Response): Promise<ApiError> {
  const requestId = res.headers.get('x-request-id');
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ApiErrorBody>;
    if (body.error && typeof body.error.code === 'string')
      return new ApiError(
        res.status,
        body.error.code,
        body.error.message,
        body.error.requestId ?? requestId,
        Array.isArray(body.error.details) ? body.error.details : [],
      );
  } catch {
    // not the API's error shape (a proxy page, say): fall through
  }
  return new ApiError(res.status, `HTTP_${res.status}`, `${res.status} ${res.statusText || 'error'} from ${res.url}`, requestId);
}

async function request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, opts: Opts = {}): Promise<T> {
  const headers: Record<string, string> = { accept: opts.as === 'text' ? 'text/plain' : 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `the server did not answer (${e instanceof Error ? e.message : String(e)}); check that runledger serve is running`, null);
  }
  if (res.ok || opts.okStatuses?.includes(res.status)) {
    if (res.status === 204) return undefined as T;
    return (opts.as === 'text' ? await res.text() : await res.json()) as T;
  }
  const err = await toError(res);
  // The CSRF token changes when the session is renewed (another tab signed in again): fetch the
  // current one and try once more.
  if (err.code === 'CSRF_FAILED' && !opts.retried) {
    const s = await request<SessionView>('GET', `${API}/session`, undefined, { quiet401: true }).catch(() => null);
    if (s) {
      csrfToken = s.csrfToken;
      return request<T>(method, path, body, { ...opts, retried: true });
    }
  }
  if (res.status === 401 && !opts.quiet401) onAuthLost(err);
  throw err;
}

const get = <T>(path: string, opts?: Opts): Promise<T> => request<T>('GET', path, undefined, opts);
const post = <T>(path: string, body?: unknown, opts?: Opts): Promise<T> => request<T>('POST', path, body, opts);
const enc = encodeURIComponent;

function query(q: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const api = {
  session: {
    /** The current session, or null when not signed in. */
    async current(): Promise<SessionView | null> {
      try {
        const s = await get<SessionView>(`${API}/session`, { quiet401: true });
        csrfToken = s.csrfToken;
        return s;
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    async signIn(token: string): Promise<SessionView> {
      const s = await post<SessionView>(`${API}/session`, { token }, { quiet401: true });
      csrfToken = s.csrfToken;
      return s;
    },
    /** Ends the session; one that had already ended (401) counts as signed out. */
    async signOut(): Promise<void> {
      try {
        await request<void>('DELETE', `${API}/session`, undefined, { quiet401: true });
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 401)) throw e;
      } finally {
        csrfToken = null;
      }
    },
  },

  health: () => get<Health>('/health'),
  ready: () => get<Ready>('/ready', { okStatuses: [503] }),

  runbooks: {
    list: () => get<RunbookList>(`${API}/runbooks`),
    get: (id: string) => get<RunbookDetail>(`${API}/runbooks/${enc(id)}`),
    lint: (source: string) => post<LintResult>(`${API}/runbooks/lint`, { source }),
  },

  runs: {
    /** Newest first; `since`/`until` are ISO instants, `requester` a recorded id or a token's name. */
    list: (q: Partial<Omit<RunsQuery, 'state'>> & { state?: RunState } = {}) => get<RunsPage>(`${API}/runs${query(q)}`),
    get: (id: string) => get<RunDetail>(`${API}/runs/${enc(id)}`),
    start: (body: StartBody) => post<StartResult>(`${API}/runs`, body),
    decide: (id: string, action: 'approve' | 'reject', body: DecisionBody) => post<ActionResult>(`${API}/runs/${enc(id)}/${action}`, body),
    resume: (id: string) => post<ActionResult>(`${API}/runs/${enc(id)}/resume`),
    retry: (id: string) => post<ActionResult>(`${API}/runs/${enc(id)}/retry`),
    skip: (id: string, reason: string) => post<ActionResult>(`${API}/runs/${enc(id)}/skip`, { reason }),
    abort: (id: string, reason: string) => post<ActionResult>(`${API}/runs/${enc(id)}/abort`, { reason }),
    ledger: (id: string) => get<RunLedger>(`${API}/runs/${enc(id)}/ledger`),
    output: (id: string, step: string) => get<StepOutput>(`${API}/runs/${enc(id)}/steps/${enc(step)}/output`),
    /** The run's Server-Sent Events stream (EventSource sends the session cookie itself). */
    eventsUrl: (id: string) => `${API}/runs/${enc(id)}/events`,
  },

  ledger: {
    head: () => get<LedgerHead>(`${API}/ledger/head`),
    entries: (from: number, limit: number) => get<EntriesPage>(`${API}/ledger/entries${query({ from, limit })}`),
    entry: (seq: number) => get<LedgerEntry>(`${API}/ledger/entries/${seq}`),
    /** Filtered entries, newest first; `next` is the `before` of the following page. */
    search: (q: Partial<LedgerSearchQuery>) => get<LedgerSearchPage>(`${API}/ledger/search${query(q)}`),
    /** A C2SP tlog-proof receipt for one entry, under the latest signed checkpoint. */
    receipt: (seq: number) => get<string>(`${API}/ledger/proof/inclusion${query({ index: seq })}`, { as: 'text' }),
    verify: () => post<Verification>(`${API}/ledger/verify`),
    lastVerification: () => get<LastVerification>(`${API}/ledger/verify`),
    note: (text: string) => post<NoteResult>(`${API}/ledger/notes`, { text }),
    /** A tar archive; a plain link downloads it (the cookie authenticates a same-origin GET). */
    exportUrl: `${API}/ledger/export`,
  },

  incidents: {
    /** Newest first; `open` is triggered or acknowledged. */
    list: (q: { state?: IncidentState | 'open'; limit?: number } = {}) => get<IncidentsPage>(`${API}/incidents${query(q)}`),
    get: (id: string) => get<IncidentDetail>(`${API}/incidents/${enc(id)}`),
    acknowledge: (id: string) => post<IncidentDetail>(`${API}/incidents/${enc(id)}/acknowledge`, {}),
    resolve: (id: string, reason: string) => post<IncidentDetail>(`${API}/incidents/${enc(id)}/resolve`, { reason }),
    note: (id: string, text: string) => post<IncidentDetail>(`${API}/incidents/${enc(id)}/notes`, { text }),
    escalate: (id: string) => post<IncidentDetail>(`${API}/incidents/${enc(id)}/escalate`, {}),
    severity: (id: string, severity: Severity, reason: string) => post<IncidentDetail>(`${API}/incidents/${enc(id)}/severity`, { severity, reason }),
  },

  deliveries: {
    list: (q: { incident?: string; state?: string; limit?: number } = {}) => get<DeliveriesPage>(`${API}/deliveries${query(q)}`),
  },

  silences: {
    /** Active and future ones; `all` adds those that are over. */
    list: (all = false) => get<SilencesPage>(`${API}/silences${query({ all: all ? 'true' : undefined })}`),
    create: (body: SilenceBody) => post<Silence>(`${API}/silences`, body),
    expire: (id: string) => post<Silence>(`${API}/silences/${enc(id)}/expire`, {}),
  },

  oncall: {
    get: () => get<OnCallView>(`${API}/oncall`),
    handoffs: (schedule?: string, limit?: number) => get<HandoffsPage>(`${API}/handoffs${query({ schedule, limit })}`),
    handoff: (body: HandoffBody) => post<Handoff>(`${API}/handoffs`, body),
  },

  operations: {
    config: () => get<OperationsConfigView>(`${API}/operations/config`),
  },

  /** Continuous health: the service catalog's services, their checks, checklists and SLOs. */
  services: {
    /** Every service with its state and checks; `catalog` is null when none is loaded. */
    list: () => get<ServicesView>(`${API}/services`),
    /** One service with its SLOs (budget series included: heavier than the list). */
    get: (name: string) => get<ServiceDetail>(`${API}/services/${enc(name)}`),
  },

  checks: {
    history: (id: string, hours = 24) => get<CheckHistory>(`${API}/checks/${enc(id)}/history${query({ hours })}`),
    /** Probes the check now and shows what it saw (nothing is recorded; operator). */
    run: (id: string) => post<CheckRun>(`${API}/checks/${enc(id)}/run`, {}),
  },

  checklists: {
    list: () => get<ChecklistsView>(`${API}/checklists`),
  },

  slos: {
    list: () => get<SlosView>(`${API}/slos`),
  },

  /** Releases per service and environment: gates, bake window, rollbacks and their approvals. */
  releases: {
    /** Newest first; `before` (a createdAt) pages back. */
    list: (q: { service?: string; env?: string; state?: ReleaseState; limit?: number; before?: string } = {}) =>
      get<ReleasesPage>(`${API}/releases${query(q)}`),
    /** Each service and environment: the release running now and the newest one. */
    targets: () => get<ReleaseTargets>(`${API}/releases/targets`),
    get: (id: string) => get<ReleaseDetail>(`${API}/releases/${enc(id)}`),
    /** Creates a planned release (operator); `deploy: true` starts its deploy at once. */
    create: (body: CreateReleaseBody) => post<ReleaseView>(`${API}/releases`, body),
    deploy: (id: string) => post<ReleaseView>(`${API}/releases/${enc(id)}/deploy`, {}),
    /** Starts a rollback, or leaves it waiting for someone else's approval (`pending: true`). */
    rollback: (body: RollbackBody) => post<RollbackResult>(`${API}/releases/rollback`, body),
    /** Approves the rollback waiting on this release (approver; never the person who asked). */
    approve: (id: string) => post<ReleaseView>(`${API}/releases/${enc(id)}/rollback/approve`, {}),
    /** Withdraws the rollback waiting on this release. */
    cancel: (id: string) => post<ReleaseView>(`${API}/releases/${enc(id)}/rollback/cancel`, {}),
    /** A tar archive; a plain link downloads it (the cookie authenticates a same-origin GET). */
    evidenceUrl: (id: string) => `${API}/releases/${enc(id)}/evidence`,
    /** Seed 003's rollback log as text. */
    logUrl: (q: { service?: string; env?: string } = {}) => `${API}/releases/log${query(q)}`,
  },

  /** Drills: results from the ledger (drill.finished), the ones running now, and each one's evidence. */
  drills: {
    list: (q: { kind?: string; limit?: number; before?: number } = {}) => get<DrillsPage>(`${API}/drills${query(q)}`),
    get: (id: string) => get<DrillDetail>(`${API}/drills/${enc(id)}`),
    /** Starts a drill on the server (operator); it runs in the background. */
    start: (body: RunDrillBody) => post<DrillStarted>(`${API}/drills`, body),
    /** A tar archive of the evidence bundle. */
    evidenceUrl: (id: string) => `${API}/drills/${enc(id)}/evidence`,
  },

  /** Job schedules: backups, runbooks and drills on cron, with their next runs and recent outcomes. */
  schedules: {
    list: () => get<SchedulesView>(`${API}/schedules`),
  },

  policy: {
    get: () => get<PolicyView>(`${API}/policy`),
    freeze: (reason: string) => post<FreezeResult>(`${API}/policy/freeze`, { reason }),
    unfreeze: (reason: string) => post<FreezeResult>(`${API}/policy/unfreeze`, { reason }),
  },
};

/** Saves text as a file through a temporary object URL (no server round trip, no inline script). */
export function saveText(name: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Run event types the stream names in its `event:` lines (the engine's, plus names the server may
 * add); EventSource only delivers named events it listens for. A missed name costs nothing worse
 * than the view's slow safety poll.
 */
const RUN_EVENT_TYPES = [
  'run.created',
  'run.started',
  'step.started',
  'step.finished',
  'step.denied',
  'approval.requested',
  'approval.granted',
  'approval.rejected',
  'run.interrupted',
  'run.timed_out',
  'operator.resume',
  'operator.retry',
  'operator.skip',
  'operator.abort',
  'run.finished',
];

export interface RunWatch {
  /** A stored event arrived (its type); the run's view should be fetched again. */
  onEvent(type: string): void;
  /** Live output of a running step (not replayed after a reconnect). */
  onOutput(o: OutputEvent): void;
  /** The stream is down (the run ended, or it could not reconnect): fall back to polling. */
  onDown(): void;
}

/** Follows a run's event stream; returns the function that stops following it. */
export function watchRun(id: string, w: RunWatch): () => void {
  const es = new EventSource(api.runs.eventsUrl(id));
  const onStored = (ev: MessageEvent<string>): void => w.onEvent(ev.type);
  for (const t of RUN_EVENT_TYPES) es.addEventListener(t, onStored);
  es.onmessage = onStored;
  es.addEventListener('output', (ev: MessageEvent<string>) => {
    try {
      const o = JSON.parse(ev.data) as OutputEvent;
      if (typeof o.step === 'string' && typeof o.text === 'string') w.onOutput(o);
    } catch {
      // a malformed frame is dropped; the stored output is fetched when the step ends
    }
  });
  // EventSource retries by itself (with Last-Event-ID) while readyState is CONNECTING; CLOSED
  // means it gave up (an HTTP error such as 401, or a non-SSE answer).
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) w.onDown();
  };
  return () => es.close();
}
