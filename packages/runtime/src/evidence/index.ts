// Evidence bundles of any kind: the writer, the ledger it pins them in, cited entries.
export type { BundleFile, BundleFiles } from './files.js';
export { evidenceLedgerOf, type EvidenceLedger } from './ledger.js';
export { citedEntryFiles } from './cited.js';
export { writeEvidenceBundle, type WriteEvidenceOptions, type WrittenEvidence } from './writer.js';
