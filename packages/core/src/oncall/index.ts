// On-call: schedules of rotations with layers and overrides, in a time zone.
export * from './zoned.js';
export * from './schedule.js';
