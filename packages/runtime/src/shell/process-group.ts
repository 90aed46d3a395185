// Process-group helpers. A step runs as the leader of its own group (spawn `detached: true` calls
// setsid), so `kill(-pgid)` reaches everything it started that did not leave the group on purpose.
import { readdirSync, readFileSync } from 'node:fs';

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
}

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
  if (state === undefined || !Number.isFinite(pgrp)) return null;
  return { state, pgrp };
}
