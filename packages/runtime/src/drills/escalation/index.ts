// The escalation drill's parts: settings, the built-in mail sink, the Mailpit client, the drill policy.
export * from './options.js';
export * from './mailbox.js';
export * from './sink.js';
export * from './mailpit.js';
export * from './plan.js';
