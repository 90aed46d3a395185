// Alert intake: the bodies senders already speak, parsed with located problems.
export * from './problems.js';
export * from './alertmanager.js';
export * from './pagerduty.js';
