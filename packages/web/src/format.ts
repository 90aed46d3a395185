// Formatting shared by every view: times (relative and absolute), durations, short ids.
import { useSyncExternalStore } from 'react';

/** "12s ago", "3m ago", "in 5m" from two instants. */
export function relative(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = Math.round((now - t) / 1000);
  const a = Math.abs(d);
  const s = a < 5 ? 'just now' : a < 60 ? `${a}s` : a < 3600 ? `${Math.floor(a / 60)}m` : a < 86400 ? `${Math.floor(a / 3600)}h` : `${Math.floor(a / 86400)}d`;
  if (s === 'just now') return s;
  return d >= 0 ? `${s} ago` : `in ${s}`;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Local time, "2026-12-05 21:40:12" (the full ISO form is in the title). */
export function absolute(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** 850 ms, 4.2 s, 3m 05s, 1h 02m. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

/** Run ids are `<UTC time>-<random>`; the random part tells runs apart at a glance (the full id is in the title). */
export function shortId(id: string): string {
  const m = /^\d{14}-([0-9a-f]{8})$/.exec(id);
  return m?.[1] ?? (id.length > 14 ? `${id.slice(0, 12)}…` : id);
}

export function bytesOfBase64(b64: string): string {
  return b64.length > 20 ? `${b64.slice(0, 16)}…` : b64;
}

interface Clock {
  now: number;
  readonly listeners: Set<() => void>;
  timer?: ReturnType<typeof setInterval>;
}
const clocks = new Map<number, Clock>();

function clockOf(ms: number): Clock {
  let c = clocks.get(ms);
  if (!c) clocks.set(ms, (c = { now: Date.now(), listeners: new Set() }));
  return c;
}

/**
 * The current time, re-read every `ms`, so relative times and running bars move on their own. One
 * timer per interval is shared by every component using it (a ledger page has many timestamps).
 */
export function useNow(ms = 1000): number {
  const c = clockOf(ms);
  return useSyncExternalStore(
    (f) => {
      c.listeners.add(f);
      c.timer ??= setInterval(() => {
        c.now = Date.now();
        for (const l of c.listeners) l();
      }, ms);
      return () => {
        c.listeners.delete(f);
        if (c.listeners.size === 0 && c.timer !== undefined) {
          clearInterval(c.timer);
          c.timer = undefined;
        }
      };
    },
    () => c.now,
  );
}

export function stateLabel(s: string): string {
  return s.replace(/_/g, ' ');
}
