// Public surface of @runledger/runtime.
export * from './errors.js';
export * from './ledger/service.js';
export { renderErrorsDoc } from './errors-doc.js';
