// Notification channels: email (SMTP), signed webhooks and chat webhooks.
export * from './http.js';
export * from './smtp.js';
