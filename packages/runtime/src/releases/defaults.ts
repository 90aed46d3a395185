// A service's release settings from the catalog: its deploy, verify and rollback runbooks and its
// `release:` block (gating checklist, post-rollback checklist, bake window, automatic rollback, the
// environments whose rollbacks need an approval).
import { releaseRunbooksOf, type Catalog } from '@runledger/core';
import type { ReleaseDefaults } from './ports.js';

export function releaseDefaultsOf(catalog: Catalog | undefined, service: string): ReleaseDefaults | undefined {
  const s = catalog?.services.find((x) => x.name === service);
  if (!s) return undefined;
  const rb = releaseRunbooksOf(s.runbooks);
  const rel = s.release ?? {};
  const bake = {
    ...(rel.bakeMs !== undefined ? { durationMs: rel.bakeMs } : {}),
    ...(rel.maxBurnRate !== undefined ? { maxBurnRate: rel.maxBurnRate } : {}),
    ...(rel.failSeverity !== undefined ? { failSeverity: rel.failSeverity } : {}),
    ...(rel.autoRollback !== undefined ? { autoRollback: rel.autoRollback } : {}),
  };
  return {
    gates: { runbooks: rb.gates, ...(rel.checklist !== undefined ? { checklist: rel.checklist } : {}) },
    runbooks: {
      ...(rb.deploy !== undefined ? { deploy: rb.deploy } : {}),
      ...(rb.rollback !== undefined ? { rollback: rb.rollback } : {}),
      ...(rb.downgrade !== undefined ? { downgrade: rb.downgrade } : {}),
    },
    ...(rel.postRollback !== undefined ? { postRollbackChecklist: rel.postRollback } : {}),
    bake,
    ...(rel.approvals !== undefined ? { approvalEnvs: rel.approvals } : {}),
    ...(rel.inputs !== undefined ? { inputs: rel.inputs } : {}),
  };
}
