// Job schedules (pure): the schedules file, cron in a time zone (croner), and what to do at a slot.
export * from './types.js';
export * from './cron.js';
export * from './plan.js';
export * from './parse.js';
