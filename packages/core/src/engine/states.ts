// The run and step states: one list each, used by the state machine, the API schemas and the web
// client (a subpath export with no other imports, so the browser bundle takes just these lists).

export const RUN_STATES = ['pending', 'running', 'waiting_approval', 'interrupted', 'succeeded', 'failed', 'rolled_back', 'aborted'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** States a run never leaves. */
export const TERMINAL_STATES: readonly RunState[] = ['succeeded', 'failed', 'rolled_back', 'aborted'];

export const STEP_STATUSES = ['pending', 'running', 'waiting_approval', 'succeeded', 'failed', 'skipped', 'unknown', 'denied'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const PHASES = ['main', 'rollback'] as const;
export type Phase = (typeof PHASES)[number];
