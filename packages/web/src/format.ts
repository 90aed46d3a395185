// Formatting shared by every view: times (relative and absolute), durations, short ids, output tails, actors.
import { useSyncExternalStore } from 'react';
import type { StepOutput } from '@runledger/server/api-types';

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
  /** One subscribe function per clock: useSyncExternalStore re-subscribes whenever it gets a new one. */
  readonly subscribe: (f: () => void) => () => void;
  readonly read: () => number;
}
const clocks = new Map<number, Clock>();

function clockOf(ms: number): Clock {
  let c = clocks.get(ms);
  if (c) return c;
  const clock: Clock = {
    now: Date.now(),
    listeners: new Set(),
    subscribe: (f) => {
      clock.listeners.add(f);
      if (clock.timer === undefined) {
        // A clock that was idle (no one showing a time) is stale: catch up before the first tick.
        clock.now = Date.now();
        clock.timer = setInterval(() => {
          clock.now = Date.now();
          for (const l of clock.listeners) l();
        }, ms);
      }
      return () => {
        clock.listeners.delete(f);
        if (clock.listeners.size === 0 && clock.timer !== undefined) {
          clearInterval(clock.timer);
          clock.timer = undefined;
        }
      };
    },
    read: () => clock.now,
  };
  clocks.set(ms, (c = clock));
  return c;
}

/**
 * The current time, re-read every `ms`, so relative times and running bars move on their own. One
 * timer per interval is shared by every component using it (a ledger page has many timestamps).
 * The subscribe function is stable: a fresh one per render would make React unsubscribe and
 * subscribe on every render, and a page re-rendering more often than `ms` (a live run) would reset
 * the timer before it ever fired, freezing every "just now".
 */
export function useNow(ms = 1000): number {
  const c = clockOf(ms);
  return useSyncExternalStore(c.subscribe, c.read);
}

/**
 * The last few non-empty lines of a step's latest attempt, stderr after stdout: an evidence row's
 * output tail (the whole output is one click away in the step's detail).
 */
export function tailOf(out: StepOutput | null | undefined, lines = 3): string {
  const a = out?.attempts.at(-1);
  if (!a) return '';
  const all = `${a.stdout}${a.stdout && !a.stdout.endsWith('\n') ? '\n' : ''}${a.stderr}`.split('\n').filter((l) => l.trim() !== '');
  return all.slice(-lines).join('\n');
}

/**
 * How an actor is shown everywhere in the UI. API tokens are recorded as `token:<name>` (the id
 * carries the kind), so a token shows as its name, as the header shows the signed-in user; other
 * actors (a command-line user, the system) show their id. The full id and kind go in a tooltip. The
 * engine words step details and reasons the same way (@runledger/core's actorLabel; the UI imports
 * only the server's types, so the rule is repeated here).
 */
export function actorName(id: string): string {
  return id.startsWith('token:') ? id.slice('token:'.length) : id;
}

/** The tooltip: the recorded id and what kind of actor it is. */
export function actorTitle(id: string, kind?: string): string {
  const k = kind ?? (id.startsWith('token:') ? 'token' : undefined);
  const what = k === 'token' ? 'API token' : k === 'user' ? 'command-line user' : k === 'system' ? 'Runledger itself' : k;
  return what ? `${id} (${what})` : id;
}

export function stateLabel(s: string): string {
  return s.replace(/_/g, ' ');
}
