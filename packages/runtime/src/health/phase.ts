// Where in its interval a check runs. The offset comes from a hash of the id alone, so a restart (or a
// second server with the same catalog) keeps every check's phase, and many checks land spread across
// the interval instead of in one burst (200 probes fired at once measure latency ~100× too high).

/** FNV-1a over the id's UTF-16 units, then murmur3's finalizer so ids differing in one digit scatter. */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The check's offset in [0, intervalMs). It is the same fraction of any interval, so changing a
 * check's interval keeps it in the same relative place.
 */
export function phaseOf(id: string, intervalMs: number): number {
  return Math.floor((hashId(id) / 0x1_0000_0000) * intervalMs);
}

/**
 * The first tick at or after `t` (ms since the epoch) on the grid `phase + k·interval`. Ticks come
 * from the epoch, not from when the last run ended, so slow runs never make a check drift.
 */
export function nextTickAtOrAfter(t: number, phase: number, intervalMs: number): number {
  return phase + Math.ceil((t - phase) / intervalMs) * intervalMs;
}
