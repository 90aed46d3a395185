// The shared test kit: database fixtures (a fresh SQLite file or a fresh PostgreSQL database with its
// own roles) for every package's tests, so no test reaches into another package's test folder; and real
// peers on loopback for the alerting and notification tests (Alertmanager 0.25, an SMTP sink, a webhook sink);
// a fake clock with injectable timers for code that takes them (the check scheduler).
export * from './fixtures.js';
export * from './inbox.js';
export * from './alertmanager.js';
export * from './smtp-sink.js';
export * from './webhook-sink.js';
export * from './wait.js';
export * from './fake-clock.js';
export * from './prometheus.js';
export * from './pg-cluster.js';
