// Process-group helpers. A step runs as the leader of its own group (spawn `detached: true` calls
// setsid), so `kill(-pgid)` reaches everything it started that did not leave the group on purpose.
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Sends `sig` to the whole group. False when the group no longer exists. */
export function killGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/**
 * Whether any process of the group is still running. `kill(-pgid, 0)` alone is not enough: it also
 * succeeds for zombies, and an orphan's zombie stays forever under an init that does not reap (as in
 * some containers and micro-VMs). On Linux /proc tells the states apart; elsewhere fall back to kill 0.
 */
export function groupAlive(pgid: number): boolean {
  // No member at all, not even a zombie: the cheap answer, without scanning /proc (EPERM: it exists).
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return killGroup(pgid, 0);
  }
  for (const name of entries) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const st = procStat(Number(name));
    if (st && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') return true;
  }
  return false;
}

/** Whether one process is running (not a zombie). */
export function processAlive(pid: number): boolean {
  const st = procStat(pid);
  if (st) return st.state !== 'Z' && st.state !== 'X';
  try {
    process.kill(pid, 0);
    // No /proc entry but kill 0 worked: not Linux, so take kill's word for it.
    return !isLinuxProc();
  } catch {
    return false;
  }
}

let linuxProc: boolean | undefined;
function isLinuxProc(): boolean {
  if (linuxProc === undefined) {
    try {
      readFileSync('/proc/self/stat');
      linuxProc = true;
    } catch {
      linuxProc = false;
    }
  }
  return linuxProc;
}

interface ProcStat {
  readonly state: string;
  readonly pgrp: number;
  /** Field 22: when the process started, in clock ticks since boot. With the pid it names one process. */
  readonly startTime: string;
}

/**
 * A process group as recorded in a step's started event: its id (the leader's pid), the leader's start
 * time where the system tells it (Linux), and the host. A pid that was reused by another process has a
 * different start time, so it is never mistaken for the step's.
 */
export interface ProcessIdentity {
  readonly pgid: number;
  readonly startTime?: string;
  readonly host: string;
}

/** The identity of the group `pid` leads, as it is now. */
export function identityOf(pid: number): ProcessIdentity {
  const st = procStat(pid);
  return { pgid: pid, ...(st ? { startTime: st.startTime } : {}), host: hostname() };
}

/**
 * Whether the group recorded in `id` still has a running process. Answers only for this host (false
 * elsewhere: another host's processes cannot be seen from here). A leader that is still there with
 * another start time means the pid was reused: the recorded group is gone. A leader that exited while
 * its background children live on still counts: a pgid is not reused while any member holds it.
 */
export function identityAlive(id: ProcessIdentity): boolean {
  if (id.host !== hostname()) return false;
  const leader = procStat(id.pgid);
  if (leader && id.startTime !== undefined && leader.startTime !== id.startTime) return false;
  return groupAlive(id.pgid);
}

/**
 * Ends a whole group: SIGTERM, then SIGKILL after `graceMs` to whatever is left. Resolves true once no
 * member runs, false if some still do `reapMs` after the SIGKILL.
 */
export async function endGroup(pgid: number, graceMs: number, reapMs = 2000): Promise<boolean> {
  if (!killGroup(pgid, 'SIGTERM')) return true;
  const until = async (deadline: number): Promise<boolean> => {
    for (;;) {
      if (!groupAlive(pgid)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, GROUP_POLL_MS));
    }
  };
  if (await until(Date.now() + graceMs)) return true;
  killGroup(pgid, 'SIGKILL');
  return until(Date.now() + reapMs);
}

/** How often a group being ended (or waited for) is looked at. */
export const GROUP_POLL_MS = 50;

function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // "pid (comm) state ppid pgrp …"; comm may itself contain spaces and parentheses.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const pgrp = Number(rest[2]);
  // Field 22 overall; fields after comm count from 3, so it is rest[19].
  const startTime = rest[19];
  if (state === undefined || !Number.isFinite(pgrp) || startTime === undefined) return null;
  return { state, pgrp, startTime };
}
