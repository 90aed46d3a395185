export * from './build.js';
export * from './check.js';
export * from './destinations.js';
export * from './files.js';
export * from './shipper.js';
