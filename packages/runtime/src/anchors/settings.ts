// Anchor settings read from the environment by the server.
import { durationSetting } from '../duration-setting.js';

export const ANCHOR_MAX_AGE_SETTING = 'RUNLEDGER_ANCHOR_MAX_AGE';
/** A destination not known to hold the live head for this long is stale (AnchorStale). */
export const DEFAULT_ANCHOR_MAX_AGE_SECONDS = 300;

/** RUNLEDGER_ANCHOR_MAX_AGE in seconds (default 5m); undefined when `off`. */
export function anchorMaxAgeSeconds(env: Readonly<Record<string, string | undefined>>): number | undefined {
  return durationSetting(env, ANCHOR_MAX_AGE_SETTING, DEFAULT_ANCHOR_MAX_AGE_SECONDS);
}
