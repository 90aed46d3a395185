// Request and response schemas, declared once: they give validation, TypeScript types and the
// OpenAPI document (/api/v1/openapi.json).
import { Type, type Static } from 'typebox';
import { RUN_STATES } from '@runledger/core/states';
import { ISO_TIME_PATTERN } from './query-time.js';

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'A code from docs/errors.md; the HTTP status follows from it.' }),
      message: Type.String(),
      requestId: Type.String(),
      details: Type.Optional(
        Type.Array(
          Type.Object({
            path: Type.String({ description: 'JSON pointer into the request, e.g. /inputs/version or /body/comment' }),
            code: Type.String(),
            message: Type.String(),
          }),
          {
            description: 'located problems, when there are several or a client can show each next to its field (INPUT_INVALID, VALIDATION_FAILED)',
          },
        ),
      ),
    }),
  },
  { $id: 'ErrorBody', description: 'Every error has this shape.' },
);

/** Error responses a route may give, for the OpenAPI document. */
export function errors(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody]));
}

const Json = Type.Record(Type.String(), Type.Unknown());

export const Actor = Type.Object({ kind: Type.String(), id: Type.String() });
export const Subject = Type.Object(
  { kind: Type.String({ minLength: 1, maxLength: 200 }), id: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const LedgerHead = Type.Object({
  origin: Type.String(),
  size: Type.Integer(),
  root: Type.String({ description: 'base64 RFC 6962 root of the latest signed checkpoint' }),
  checkpoint: Type.String({ description: 'the latest signed checkpoint (C2SP signed note)' }),
});

export const LedgerEntry = Type.Object({
  seq: Type.Integer(),
  leaf: Type.String({ description: 'base64 leaf hash' }),
  entry: Type.Object(
    {
      v: Type.Integer(),
      seq: Type.Integer(),
      ledger: Type.String(),
      prev: Type.String(),
      ts: Type.String(),
      type: Type.String(),
      actor: Actor,
      subject: Type.Optional(Subject),
      data: Json,
      idem: Type.Optional(Type.String()),
    },
    { additionalProperties: true },
  ),
});

/**
 * Every integer query or path parameter is bounded on both sides; validation.ts additionally
 * requires plain decimal text (no `1e3`, `0x10`, `Infinity`, blanks) before these bounds apply.
 */
export function IntParam(minimum: number, maximum: number, opts: { default?: number; description?: string } = {}) {
  return Type.Integer({ minimum, maximum, ...opts });
}
/** Largest ledger position or size a request may name (beyond it a number is no longer exact). */
export const MAX_POSITION = Number.MAX_SAFE_INTEGER;

export const EntriesQuery = Type.Object({
  from: IntParam(0, MAX_POSITION, { default: 0 }),
  limit: IntParam(1, 1000, { default: 100 }),
});
export const EntriesPage = Type.Object({
  entries: Type.Array(LedgerEntry),
  next: Type.Union([Type.Integer(), Type.Null()], { description: 'the next page\u2019s `from`, or null at the end' }),
});

export const SeqParams = Type.Object({ seq: IntParam(0, MAX_POSITION) });
export const InclusionQuery = Type.Object({ index: IntParam(0, MAX_POSITION), size: Type.Optional(IntParam(1, MAX_POSITION)) });
export const ConsistencyQuery = Type.Object({ from: IntParam(1, MAX_POSITION), to: Type.Optional(IntParam(1, MAX_POSITION)) });
export const ConsistencyProof = Type.Object({
  from: Type.Object({ size: Type.Integer(), root: Type.String(), checkpoint: Type.String() }),
  to: Type.Object({ size: Type.Integer(), root: Type.String(), checkpoint: Type.String() }),
  proof: Type.Array(Type.String(), { description: 'base64 hashes, RFC 6962 order' }),
});

export const NoteBody = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 8192 }),
    subject: Type.Optional(Subject),
  },
  { additionalProperties: false },
);
export type NoteBody = Static<typeof NoteBody>;
export const NoteResult = Type.Object({ seq: Type.Integer(), duplicate: Type.Boolean(), checkpointSize: Type.Integer() });
export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' })) });

export const StepView = Type.Object(
  {
    id: Type.String(),
    phase: Type.String(),
    kind: Type.String(),
    status: Type.String(),
    attempt: Type.Integer(),
    startedAt: Type.Optional(Type.String()),
    finishedAt: Type.Optional(Type.String()),
    durationMs: Type.Optional(Type.Number()),
    exitCode: Type.Optional(Type.Integer()),
    detail: Type.Optional(Type.String()),
    approvals: Type.Array(Type.Object({ actor: Type.String(), at: Type.String(), comment: Type.String() }, { additionalProperties: true })),
    text: Type.Optional(
      Type.String({ description: 'approve steps: what the gate asks (Markdown; input values, environment and run id in place, secret inputs masked)' }),
    ),
  },
  { additionalProperties: true },
);

export const RunSummary = Type.Object({
  id: Type.String(),
  runbook: Type.Object({ id: Type.String(), title: Type.String(), sha256: Type.String() }),
  state: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  environment: Type.String(),
  requester: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export const RunDetail = Type.Object({
  ...RunSummary.properties,
  file: Type.String(),
  inputs: Json,
  steps: Type.Array(StepView),
  rollback: Type.Array(StepView),
  phase: Type.String(),
});
/** A query-string time bound; the route also refuses dates that do not exist (query-time.ts). */
const IsoTime = (description: string) =>
  Type.String({ pattern: ISO_TIME_PATTERN, maxLength: 40, description: `${description}: ISO 8601, e.g. 2026-12-07T10:00:00Z, or a date (its start, UTC)` });
/** An actor as the filters take it: the recorded id (`token:alice`) or a token's name (`alice`). */
const ActorFilter = (description: string) =>
  Type.String({ minLength: 1, maxLength: 200, description: `${description}: the recorded id (token:alice) or a token's name (alice)` });
export const RunsQuery = Type.Object({
  state: Type.Optional(Type.Union(RUN_STATES.map((s) => Type.Literal(s)))),
  limit: IntParam(1, 500, { default: 50 }),
  runbook: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'runbook id' })),
  requester: Type.Optional(ActorFilter('who started the run')),
  since: Type.Optional(IsoTime('created at or after')),
  until: Type.Optional(IsoTime('created before')),
});
export const RunsPage = Type.Object({ runs: Type.Array(RunSummary) });
export const RunParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export const DecisionBody = Type.Object(
  { comment: Type.String({ minLength: 1, maxLength: 4096, pattern: '\\S' }), step: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);
export const ReasonBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 4096, pattern: '\\S' }) }, { additionalProperties: false });
export const ActionResult = Type.Object({
  run: RunDetail,
  continuing: Type.Boolean({ description: 'true (status 202): the decision is recorded and the run is being driven on in the background' }),
});

export const PolicyView = Type.Object({
  file: Type.Union([Type.String(), Type.Null()]),
  policy: Json,
  freeze: Type.Union([Type.Object({ reason: Type.String(), by: Type.String(), at: Type.String() }), Type.Null()]),
});
export const FreezeResult = Type.Object({ frozen: Type.Boolean(), seq: Type.Integer() });

export const Check = Type.Object({ name: Type.String(), ok: Type.Boolean(), detail: Type.String() });
export const Ready = Type.Object({ ready: Type.Boolean(), checks: Type.Array(Check) });
export const Health = Type.Object({ status: Type.Literal('ok'), version: Type.String(), uptimeSeconds: Type.Number() });

export const InputSchema = Type.Object({
  name: Type.String(),
  type: Type.String({ description: 'string | integer | boolean | enum | secret' }),
  description: Type.Optional(Type.String()),
  required: Type.Boolean(),
  default: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  pattern: Type.Optional(Type.String()),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  values: Type.Optional(Type.Array(Type.String())),
  secret: Type.Boolean({ description: 'true: never accepted in a request; the server resolves it from its environment or files' }),
  from: Type.Optional(Type.Object({ env: Type.Optional(Type.String()), file: Type.Optional(Type.String()), prompt: Type.Optional(Type.Boolean()) })),
});
export const RunbookSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  file: Type.String(),
  sha256: Type.String(),
  inputs: Type.Array(InputSchema),
  environments: Type.Array(Type.String()),
});
export const Diagnostic = Type.Object({
  severity: Type.String(),
  code: Type.String(),
  message: Type.String(),
  file: Type.String(),
  line: Type.Integer(),
  column: Type.Integer(),
});
export const RunbookList = Type.Object({
  runbooks: Type.Array(RunbookSummary),
  invalid: Type.Array(Type.Object({ file: Type.String(), diagnostics: Type.Array(Diagnostic) }), {
    description: 'files in the directory that do not parse, with their diagnostics',
  }),
});
export const StepDef = Type.Object({ id: Type.String(), kind: Type.String(), section: Type.String(), attributes: Json, body: Type.String() });
export const RunbookDetail = Type.Object({
  ...RunbookSummary.properties,
  sections: Type.Array(
    Type.Object({
      kind: Type.String(),
      title: Type.String(),
      depth: Type.Integer(),
      markdown: Type.String(),
      steps: Type.Array(Type.String(), { description: 'ids of the section\u2019s steps' }),
    }),
  ),
  steps: Type.Array(StepDef),
  rollback: Type.Array(StepDef),
});
export const RunbookParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
export const LintBody = Type.Object(
  { source: Type.String({ maxLength: 200 * 1024 }), file: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
  { additionalProperties: false },
);
export const LintResult = Type.Object({ ok: Type.Boolean({ description: 'no error-severity diagnostics' }), diagnostics: Type.Array(Diagnostic) });

export const StartBody = Type.Object(
  {
    runbook: Type.String({ minLength: 1, maxLength: 200 }),
    environment: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    inputs: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
    incident: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'the incident this run answers (id or unique prefix): the run joins its timeline' }),
    ),
  },
  { additionalProperties: false },
);
export const StartResult = Type.Object({
  run: RunDetail,
  continuing: Type.Boolean({ description: 'true (status 202): the run was created and is being driven on in the background' }),
});

// --- Web sessions (the UI signs in with a token; the browser then holds only an httpOnly cookie) ---
export const SessionBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });
export const SessionView = Type.Object({
  actor: Type.String({ description: 'the ledger actor id, `token:<name>`' }),
  name: Type.String(),
  role: Type.String(),
  roles: Type.Array(Type.String(), { description: 'the role and every role below it' }),
  csrfToken: Type.String({ description: 'send as `X-CSRF-Token` on every state-changing request made with the session cookie' }),
  expiresAt: Type.String(),
});

// --- Ledger export and verification ---
export const VerifyProblem = Type.Object({ reason: Type.String(), index: Type.Integer(), verifiedPrefix: Type.Integer(), detail: Type.String() });
export const Verification = Type.Object({
  ok: Type.Boolean({ description: 'true only when the ledger verified' }),
  result: Type.Union([Type.Literal('verified'), Type.Literal('failed'), Type.Literal('unknown')], {
    description: 'verified; failed (the verifier found a problem); unknown (no verdict: the trust file or the verifier could not be used — `problem` says why)',
  }),
  origin: Type.String(),
  size: Type.Integer({ description: 'entries in the exported snapshot' }),
  root: Type.Union([Type.String(), Type.Null()], { description: 'base64 root verified, null on failure' }),
  trustedKeys: Type.Integer({ description: 'verifier keys from the trust file the export was checked against' }),
  durationMs: Type.Number(),
  verifiedAt: Type.String(),
  by: Type.String({ description: 'actor that asked for the verification' }),
  entry: Type.Union([Type.Integer(), Type.Null()], {
    description: 'seq of the audit.verification ledger entry recording this result; null if the ledger refused it (the result stands)',
  }),
  problem: Type.Union([VerifyProblem, Type.Null()], {
    description: 'failed: the verifier\u2019s reason code; unknown: TRUST_FILE_INVALID or the error code that stopped it',
  }),
});
export const LastVerification = Type.Object({ last: Type.Union([Verification, Type.Null()]) });

// --- A run's ledger entries and stored step output ---
export const RunLedgerEntry = Type.Object({
  seq: Type.Integer(),
  type: Type.String(),
  ts: Type.String(),
  step: Type.Union([Type.String(), Type.Null()]),
  phase: Type.Union([Type.String(), Type.Null()]),
  attempt: Type.Union([Type.Integer(), Type.Null()]),
});
export const RunLedger = Type.Object({ entries: Type.Array(RunLedgerEntry) });
export const StepOutputParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }), step: Type.String({ minLength: 1, maxLength: 200 }) });
export const StepOutput = Type.Object({
  step: Type.String(),
  attempts: Type.Array(Type.Object({ phase: Type.String(), attempt: Type.Integer(), stdout: Type.String(), stderr: Type.String(), truncated: Type.Boolean() })),
});

// --- Ledger search (the ledger view's filters) ---
export const LedgerSearchQuery = Type.Object(
  {
    type: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: '^[A-Za-z0-9_.:-]+\\*?$',
        description: 'an entry type (run.approval.granted), or a prefix ending in * (run.*)',
      }),
    ),
    run: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.-]+$', description: 'a run id: its entries, by their idempotency keys run:<id>:…' }),
    ),
    actor: Type.Optional(ActorFilter('who did it')),
    since: Type.Optional(IsoTime('at or after')),
    until: Type.Optional(IsoTime('before')),
    before: Type.Optional(IntParam(0, MAX_POSITION, { description: 'only entries with seq < before: the previous answer\u2019s `next`' })),
    limit: IntParam(1, 500, { default: 50 }),
  },
  { additionalProperties: false },
);
export const LedgerSearchPage = Type.Object({
  entries: Type.Array(LedgerEntry, { description: 'newest first' }),
  next: Type.Union([Type.Integer(), Type.Null()], { description: 'pass as `before` for older matches; null when none are left' }),
  scanned: Type.Integer({ description: 'entries examined: an actor filter examines at most 5000 per request, then answers with what it found and `next`' }),
});
