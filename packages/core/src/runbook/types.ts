// The runbook AST: what the parser produces from a Markdown file and what the planner and the run
// state machine consume. Frozen, with source positions on everything a diagnostic can point at.
import type { ProbeSpec } from '../probes/types.js';

/** 1-based line and column, 0-based offset into the source text. */
export interface Pos {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

export interface Span {
  readonly start: Pos;
  readonly end: Pos;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable code, e.g. RB_STEP_ID_DUPLICATE; documented in docs/runbook-language.md. */
  readonly code: string;
  readonly message: string;
  /** File as given to the parser (or `<input>`). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The input a diagnostic from resolveInputs is about (the API turns it into a JSON path). */
  readonly input?: string;
}

export type InputType = 'string' | 'integer' | 'boolean' | 'enum' | 'secret';

export interface InputSpec {
  readonly name: string;
  readonly type: InputType;
  readonly description?: string;
  readonly required: boolean;
  readonly default?: string | number | boolean;
  /** string: a regular expression the whole value must match. */
  readonly pattern?: string;
  /** integer bounds, inclusive. */
  readonly min?: number;
  readonly max?: number;
  /** enum values. */
  readonly values?: readonly string[];
  /** secret: where the value may come from (checked in this order); never echoed or stored. */
  readonly from?: { readonly env?: string; readonly file?: string; readonly prompt?: boolean };
  readonly span: Span;
}

export interface ApprovalRule {
  /** Environment name, or `*` for all. */
  readonly environment: string;
  /** Distinct approvers needed (N of M). */
  readonly count: number;
  /** Roles an approver must have one of (empty: any approver role). */
  readonly roles: readonly string[];
  /** How long a gate may wait for its approvals (ms); then `onExpiry` happens. */
  readonly expiresMs?: number;
  /** When the gate expires: `escalate` asks again, louder (the default), or `reject` ends the run. */
  readonly onExpiry?: 'escalate' | 'reject';
}

export interface ForbidRule {
  /** A regular expression matched against every rendered command. */
  readonly pattern: string;
  readonly reason: string;
  /** Where it came from: front matter `forbid`, or a code span in "What not to do". */
  readonly source: 'front-matter' | 'what-not-to-do';
  readonly span: Span;
}

export type SectionKind = 'preconditions' | 'procedure' | 'verify' | 'rollback' | 'what-not-to-do' | 'prose';

export interface Section {
  readonly kind: SectionKind;
  /** Heading text as written. */
  readonly title: string;
  readonly depth: number;
  readonly span: Span;
  /** The section's Markdown source (heading excluded), kept to show it. */
  readonly markdown: string;
  readonly steps: readonly Step[];
}

export type StepKind = 'sh' | 'http' | 'check' | 'approve' | 'wait';

export interface StepCommon {
  readonly id: string;
  readonly kind: StepKind;
  readonly section: 'preconditions' | 'procedure' | 'verify' | 'rollback';
  /** Fence content as written (templates unrendered). */
  readonly body: string;
  /** The fence's own span, and the body's first line (for diagnostics inside the body). */
  readonly span: Span;
  readonly bodyLine: number;
  readonly timeoutMs?: number;
  /** Extra attempts after the first failure. */
  readonly retries: number;
  /** Delay before the first retry; doubles each retry. */
  readonly backoffMs: number;
  /** stop (default): the run fails and rollback runs; continue: the failure is recorded and the run goes on. */
  readonly onFail: 'stop' | 'continue';
  /** Keep the step's stdout (capped) as `steps.<id>.output` for later steps. */
  readonly capture: boolean;
  /** Every attribute as written, for display. */
  readonly attrs: Readonly<Record<string, string>>;
}

export interface ShStep extends StepCommon {
  readonly kind: 'sh';
  readonly script: string;
  /** `keep-children`: processes the script leaves in the background outlive the step (default: ended with it). */
  readonly keepChildren?: boolean;
}

export interface HttpStep extends StepCommon {
  readonly kind: 'http';
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly requestBody?: string;
  /** Accepted statuses (`expect=200,204`; default 200-299). */
  readonly expectStatus?: readonly number[];
  /** `expect-body=…`: the response body must contain this text. */
  readonly expectBodyContains?: string;
}

export interface CheckStep extends StepCommon {
  readonly kind: 'check';
  readonly probe: ProbeSpec;
}

export interface ApproveStep extends StepCommon {
  readonly kind: 'approve';
  /** What is being approved (the body, Markdown). */
  readonly text: string;
  /** Per-step quorum; overrides the front-matter rule for this gate. */
  readonly approvals?: { readonly count: number; readonly roles: readonly string[] };
}

export interface WaitStep extends StepCommon {
  readonly kind: 'wait';
  readonly probe: ProbeSpec;
  /** Poll interval (attribute `interval`, default 1s). */
  readonly intervalMs: number;
}

export type Step = ShStep | HttpStep | CheckStep | ApproveStep | WaitStep;

export interface Runbook {
  readonly id: string;
  readonly title: string;
  readonly description?: string;
  readonly file: string;
  /** SHA-256 (hex) of the exact source bytes: ties every run to the definition that ran. */
  readonly contentHash: string;
  readonly inputs: readonly InputSpec[];
  readonly environments: readonly string[];
  readonly approvals: readonly ApprovalRule[];
  readonly forbid: readonly ForbidRule[];
  readonly lock?: string;
  readonly timeoutMs?: number;
  readonly sections: readonly Section[];
  /** Executable steps in run order: preconditions, then procedure, then verify. */
  readonly steps: readonly Step[];
  /** Steps of the Rollback / Safe actions section, run when a stop-on-fail step fails. */
  readonly rollback: readonly Step[];
}

export type ParseResult =
  | { readonly ok: true; readonly runbook: Runbook; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };
