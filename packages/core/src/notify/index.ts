// Notifications: delivery records, the retry rule, Standard Webhooks signing.
export * from './delivery.js';
export * from './standard-webhooks.js';
export * from './message.js';
