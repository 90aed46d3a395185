// Releases: records, the gate and bake state machine, rollback decisions and seed 003's rollback log line.
export * from './types.js';
export * from './errors.js';
export * from './facts.js';
export * from './create.js';
export * from './apply.js';
export * from './bake.js';
export * from './busy.js';
export * from './runbook-inputs.js';
export * from './machine.js';
export * from './rollback.js';
export * from './log.js';
