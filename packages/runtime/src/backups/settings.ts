// Backup settings read from the environment by the server and `runledger health`.
import { DEFAULT_DRILL_TARGETS } from '@runledger/core';
import { durationSetting } from '../duration-setting.js';

export const BACKUP_RPO_SETTING = 'RUNLEDGER_BACKUP_RPO';
/** Seed 001: RPO ≤ 15 min. */
export const DEFAULT_BACKUP_RPO_SECONDS = DEFAULT_DRILL_TARGETS.rpoSeconds;

/** The RPO target in seconds (RUNLEDGER_BACKUP_RPO, default 15m); undefined when `off`. */
export function backupRpoTargetSeconds(env: Readonly<Record<string, string | undefined>>): number | undefined {
  return durationSetting(env, BACKUP_RPO_SETTING, DEFAULT_BACKUP_RPO_SECONDS);
}
