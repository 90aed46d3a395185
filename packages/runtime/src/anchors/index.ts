export * from './build.js';
export * from './check.js';
export * from './files.js';
export * from './shipper.js';
export * from './settings.js';
export * from './prune.js';
