// Releases: the service (decide + one commit), its commands, the driver the CLI and server call.
export * from './ports.js';
export * from './record.js';
export * from './drafts.js';
export * from './service.js';
export * from './commands.js';
export * from './driver.js';
export * from './runs.js';
export * from './observe.js';
export * from './defaults.js';
export * from './evidence.js';
export * from './log.js';
