// Backups: the manifest model, sealed private keys, retention selection and RPO (pure; the runtime writes and restores).
export * from './manifest.js';
export * from './retention.js';
export * from './rpo.js';
export * from './sealed.js';
