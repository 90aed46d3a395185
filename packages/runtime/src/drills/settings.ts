// Where drill evidence lives and what a drill is judged against: settings with defaults beside the
// backups' (RUNLEDGER_DRILL_DIR, RUNLEDGER_DRILL_*_SECONDS).
import { basename, dirname, join, resolve } from 'node:path';
import { DEFAULT_DRILL_TARGETS, type DrillTargets } from '@runledger/core';
import { StoreError } from '@runledger/store';
import { RuntimeError } from '../errors.js';
import type { LedgerContext } from '../ledger/service.js';

export const DRILL_DIR_SETTING = 'RUNLEDGER_DRILL_DIR';
type Settings = Readonly<Record<string, string | undefined>>;

/** One evidence bundle per drill id under this directory: RUNLEDGER_DRILL_DIR, else DATA_DIR-drills beside the data directory. */
export function defaultDrillDir(home: string, settings: Settings = process.env): string {
  const set = settings[DRILL_DIR_SETTING];
  return set ? resolve(set) : join(dirname(home), `${basename(home)}-drills`);
}

const TARGET_SETTINGS: ReadonlyArray<[keyof DrillTargets, string]> = [
  ['rtoSeconds', 'RUNLEDGER_DRILL_RTO_SECONDS'],
  ['rpoSeconds', 'RUNLEDGER_DRILL_RPO_SECONDS'],
  ['deliverySeconds', 'RUNLEDGER_DRILL_DELIVERY_SECONDS'],
];

/** Seed 001's targets, then the settings, then what the caller gives (flags, the request): later wins. */
export function drillTargets(settings: Settings, given: DrillTargets = {}): Required<DrillTargets> {
  const out: { -readonly [K in keyof DrillTargets]-?: number } = { ...DEFAULT_DRILL_TARGETS };
  for (const [key, name] of TARGET_SETTINGS) {
    const v = settings[name];
    if (v === undefined || v === '') continue;
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v.trim()) || !(n > 0))
      throw new StoreError('CONFIG_INVALID', `${name}=${JSON.stringify(v)}: expected a positive number of seconds`);
    out[key] = n;
  }
  for (const [key] of TARGET_SETTINGS) {
    const v = given[key];
    if (v === undefined) continue;
    if (!(Number.isFinite(v) && v > 0)) throw new RuntimeError('DRILL_INVALID', `target ${key}: expected a positive number of seconds, got ${String(v)}`);
    out[key] = v;
  }
  return out;
}

/**
 * The settings a drill runs with: the host's, pointed at the store the drill's ledger is open on (the
 * data directory and the database settings), so a child process (`runledger run`) and a second look
 * at the ledger (the restore's "recorded" check) see the same store whatever the host's environment.
 */
export function drillSettings(ledger: LedgerContext, settings: Settings): Record<string, string | undefined> {
  const c = ledger.store.config;
  const out: Record<string, string | undefined> = { ...settings, RUNLEDGER_HOME: ledger.home };
  delete out['RUNLEDGER_DATABASE_URL_FILE'];
  delete out['RUNLEDGER_LEDGER_DATABASE_URL_FILE'];
  if (c.kind === 'sqlite') {
    out['RUNLEDGER_DATABASE_URL'] = `sqlite:${c.file}`;
    delete out['RUNLEDGER_LEDGER_DATABASE_URL'];
  } else {
    out['RUNLEDGER_DATABASE_URL'] = c.url;
    out['RUNLEDGER_LEDGER_DATABASE_URL'] = c.ledgerWriterUrl;
  }
  return out;
}
