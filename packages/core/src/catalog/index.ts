// The service catalog: services, components, checks with declarative conditions, dependency-aware
// health, "healthy if and only if" checklists, and Backstage import. Pure: the runtime probes and
// reads files; everything here is data in, verdicts out.
export * from './types.js';
export { CATALOG_PROBE_KINDS, DNS_RECORD_TYPES, hostKeyOf, PROBE_KEYS, SUBJECTS_OF, toProbeSpec, type CatalogProbe, type CatalogProbeKind } from './probe.js';
export {
  CONDITION_OPS,
  parseCondition,
  type Condition,
  type ConditionOp,
  type ConditionSubject,
  type ParsedCondition,
  type Scalar,
  type SubjectKind,
} from './conditions.js';
export * from './evaluate.js';
export * from './thresholds.js';
export * from './health.js';
export * from './checklist.js';
export { ESCALATION_ANNOTATION, isBackstageEntity, OPTIONAL_DEPENDENCIES_ANNOTATION, serviceNameOfRef } from './backstage.js';
export { CATALOG_KEYS, validateCatalogDocument } from './validate.js';
export { DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS } from './validate-checks.js';
export { DEFAULT_LEDGER_SAMPLE, ITEM_KEYS, ITEM_KINDS, ITEM_OBJECT_KEYS, SLO_KEYS, SLO_PROMETHEUS_KEYS } from './validate-checklists.js';
export { checksOfSlo, sloDefinitionOf } from './slo.js';
export { parseCatalog, type CatalogFile, type ParseCatalogOptions, type ParsedCatalog, type SkippedEntity } from './parse.js';
export type { ReferenceOptions } from './references.js';
