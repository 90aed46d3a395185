// Routing: Alertmanager-style matchers, the routing tree with `continue`, silences and maintenance.
export * from './matchers.js';
export * from './tree.js';
export * from './silences.js';
