// Public surface of @runledger/ledger: pure, zero runtime dependencies (node:crypto only).
export * from './bytes.js';
export * from './errors.js';
export * from './jcs.js';
export * from './tree.js';
export * from './note.js';
export * from './checkpoint.js';
export * from './entry.js';
export * from './keyrules.js';
export * from './receipt.js';
export * from './bundle.js';
export * from './evidence.js';
export * from './evidence-cited.js';
export * from './verifier.js';
export * from './anchors.js';
export * from './jcs-parse.js';
// The WebAssembly tree: the writer takes each entry's prev from it (one WASM call per root).
export { FastTree } from './fastfold/index.js';
