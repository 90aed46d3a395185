// The shared test kit: database fixtures (a fresh SQLite file or a fresh PostgreSQL database with its
// own roles) for every package's tests, so no test reaches into another package's test folder.
export * from './fixtures.js';
