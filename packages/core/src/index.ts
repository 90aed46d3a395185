// Public surface of @runledger/core: pure (no disk, network or processes).
export * from './runbook/types.js';
export * from './probes/types.js';
export * from './runbook/api.js';
export * from './engine/machine.js';
export { actorLabel } from './actor.js';
export * from './policy/policy.js';
export * from './policy/parse.js';
export * from './regex/index.js';
export * from './incidents/index.js';
export * from './notify/index.js';
export * from './intake/index.js';
export * from './oncall/index.js';
export * from './routing/index.js';
export * from './operations/index.js';
export * from './catalog/index.js';
export * from './slo/index.js';
export * from './releases/index.js';
export * from './backups/index.js';
