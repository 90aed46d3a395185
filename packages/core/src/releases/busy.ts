// One deploy per service and environment at a time: a release deploying or verifying, or a rollback
// still running, holds the pair (two at once would make the gates judge a mix of versions).
import type { Release } from './types.js';

export function rollbackRunning(r: Release): boolean {
  return r.rollback !== undefined && r.rollback.outcome === undefined;
}

export function busyRelease(releases: readonly Release[], service: string, env: string): Release | undefined {
  return releases.find((r) => r.service === service && r.env === env && (r.state === 'deploying' || r.state === 'verifying' || rollbackRunning(r)));
}

export type DeployCheck = { readonly ok: true } | { readonly ok: false; readonly code: 'RELEASE_BUSY'; readonly message: string; readonly busy: string };

export function canStartDeploy(releases: readonly Release[], service: string, env: string): DeployCheck {
  const b = busyRelease(releases, service, env);
  if (!b) return { ok: true };
  const what = rollbackRunning(b) ? `rolling back ${b.version}` : `${b.state} ${b.version}`;
  return { ok: false, code: 'RELEASE_BUSY', busy: b.id, message: `${service} in ${env} is busy: release ${b.id} is ${what}; one deploy at a time` };
}
