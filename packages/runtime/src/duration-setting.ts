// A duration setting from the environment (RUNLEDGER_BACKUP_RPO=15m): the units runbooks and the
// operations file use (30s, 5m, 1h30m, 1d), `off` to turn what it bounds off.
import { configDuration } from '@runledger/core';
import { RuntimeError } from './errors.js';

/** Seconds; the default when unset; undefined for `off`. Anything else unusable is a USAGE error naming the setting. */
export function durationSetting(env: Readonly<Record<string, string | undefined>>, name: string, defaultSeconds: number): number | undefined {
  const v = env[name]?.trim();
  if (v === undefined || v === '') return defaultSeconds;
  if (v === 'off') return undefined;
  const ms = configDuration(v);
  if (ms === undefined || ms < 1000) throw new RuntimeError('USAGE', `${name}=${v}: expected a duration of at least 1s such as 15m or 1h, or off`);
  return ms / 1000;
}
