// Incidents: severity, grouping, rules (deadlines, flap window, escalation) and the state machine.
export * from './severity.js';
export * from './grouping.js';
export * from './rules.js';
export * from './machine.js';
export * from './timeline.js';
