// Public surface of @runledger/core: pure (no disk, network or processes).
export * from './runbook/types.js';
export * from './probes/types.js';
export * from './runbook/api.js';
export * from './engine/machine.js';
export { actorLabel } from './actor.js';
export * from './policy/policy.js';
export * from './policy/parse.js';
