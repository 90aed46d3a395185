// `runledger drill run|list|show`: a drill runs in this process (the runtime's runner and kinds); its
// verdict, figures and evidence digest are ledger entries. Exit codes: 0 passed, 1 ran and failed,
// 2 bad input (nothing recorded), 3 refused (a rollback drill in production without --allow-production).
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { isDrillKind, type DrillTargets } from '@runledger/core';
import {
  defaultActor,
  defaultDrillDir,
  drillKindOf,
  getDrill,
  listDrills,
  openLedger,
  readDrillSummary,
  resolveLedgerHome,
  runDrill,
  RuntimeError,
  TRUST_FILE,
  type DrillOptions,
  type DrillResult,
  type LedgerContext,
  type LedgerLocation,
  type ReleaseDriver,
} from '@runledger/runtime';
import { positiveInt } from '../args.js';
import { CATALOG_FLAG } from '../health/catalog.js';
import type { Io } from '../io.js';
import { withReleases } from '../releases/open.js';
import { runledgerArgv } from './runledger.js';
import { recordLine, resultText } from './text.js';

interface RunFlags {
  env?: string;
  json?: boolean;
  dir?: string;
  targetRto?: string;
  targetRpo?: string;
  targetDelivery?: string;
  backup?: string;
  backupDir?: string;
  targetDatabase?: string;
  service?: string;
  releaseVersion?: string;
  artifact?: string;
  digest?: string;
  allowProduction?: boolean;
  timeout?: string;
  catalog?: string;
  runbooks?: string;
  scenario?: string;
  pause?: string;
  option: string[];
}

function seconds(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0)) throw new RuntimeError('USAGE', `${flag} ${JSON.stringify(v)}: expected a positive number of seconds`);
  return n;
}

/** The kind's options from its flags, and any `--option key=value`. */
function optionsOf(io: Io, o: RunFlags): DrillOptions {
  const out: Record<string, string | boolean> = {};
  const put = (k: string, v: string | boolean | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  put('backup', o.backup);
  put('backupDir', o.backupDir !== undefined ? resolve(io.cwd, o.backupDir) : undefined);
  put('targetDatabase', o.targetDatabase);
  put('service', o.service);
  put('version', o.releaseVersion);
  put('artifact', o.artifact);
  put('digest', o.digest);
  put('allowProduction', o.allowProduction);
  put('timeoutSeconds', o.timeout);
  put('scenario', o.scenario);
  put('pauseSeconds', o.pause);
  for (const kv of o.option) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new RuntimeError('USAGE', `--option ${JSON.stringify(kv)}: expected key=value`);
    put(kv.slice(0, i), kv.slice(i + 1));
  }
  return out;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export function registerDrillCommands(program: Command, io: Io, location: () => LedgerLocation, exit: (code: number) => Error): void {
  const drill = program.command('drill').description('drills with evidence: run restore|escalation|rollback|chaos, list, show');
  const dirOf = (dir: string | undefined): string => (dir ? resolve(io.cwd, dir) : defaultDrillDir(resolveLedgerHome(location()), io.env));

  drill
    .command('run')
    .description('run a drill here and record it: drill.started, then drill.finished pinning its evidence bundle')
    .argument('<kind>', 'restore | escalation | rollback | chaos')
    .option('--env <name>', 'the environment (rollback: default staging)')
    .option('--json', 'the result as one JSON object (the live log goes to stderr)')
    .option('--dir <dir>', 'where evidence bundles go (default: $RUNLEDGER_DRILL_DIR, else DATA_DIR-drills beside the data directory)')
    .option('--target-rto <seconds>', 'RTO target (default: $RUNLEDGER_DRILL_RTO_SECONDS, else 3600)')
    .option('--target-rpo <seconds>', 'RPO target (default: $RUNLEDGER_DRILL_RPO_SECONDS, else 900)')
    .option('--target-delivery <seconds>', 'delivery target (default: $RUNLEDGER_DRILL_DELIVERY_SECONDS, else 60)')
    .option('--backup <id>', 'restore: restore this backup, or `newest` (default: take a fresh one)')
    .option('--backup-dir <dir>', 'restore: the backup directory (default: as `backup now`)')
    .option(
      '--target-database <name>',
      'restore on PostgreSQL: the scratch database to restore into, set up with docs/sql/postgres-roles.sql and emptied after the drill (default: $RUNLEDGER_DRILL_PG_DATABASE)',
    )
    .option('--service <name>', 'rollback: the catalog service to deploy and roll back')
    // Not --version: commander gives that to the program (`runledger --version`) wherever it stands.
    .option('--release-version <version>', 'rollback: the version the drill deploys')
    .option('--artifact <ref>', 'rollback: the artifact reference (default: drill/SERVICE:VERSION)')
    .option('--digest <sha256:…>', 'rollback: the artifact digest (default: the SHA-256 of the reference)')
    .option('--allow-production', 'rollback: allow the drill in production (it deploys and rolls back for real)')
    .option('--timeout <seconds>', 'rollback: longest wait for each step (default 1800)')
    .option(...CATALOG_FLAG)
    .option('--runbooks <dir>', 'rollback: the runbooks directory (default: $RUNLEDGER_RUNBOOKS, else examples/runbooks)')
    .option('--scenario <name>', 'chaos: kill-run (default) or db-pause (PostgreSQL)')
    .option('--pause <seconds>', 'chaos db-pause: how long the database is held (default 3)')
    .option('--option <key=value>', 'any other option of the kind (repeatable)', collect, [])
    .action(async (kind: string, o: RunFlags) => {
      const targets: DrillTargets = {
        ...(o.targetRto !== undefined ? { rtoSeconds: seconds('--target-rto', o.targetRto)! } : {}),
        ...(o.targetRpo !== undefined ? { rpoSeconds: seconds('--target-rpo', o.targetRpo)! } : {}),
        ...(o.targetDelivery !== undefined ? { deliverySeconds: seconds('--target-delivery', o.targetDelivery)! } : {}),
      };
      const options = optionsOf(io, o);
      const log = (line: string): void => (o.json ? io.err(`${line}\n`) : io.out(`${line}\n`));
      const go = (ledgerCtx: LedgerContext, releases?: ReleaseDriver): Promise<DrillResult> =>
        runDrill({
          kind,
          ...(o.env !== undefined ? { env: o.env } : {}),
          actor: defaultActor(io.env),
          ledgerCtx,
          targets,
          evidenceDir: dirOf(o.dir),
          log,
          options,
          settings: io.env,
          ...(releases ? { releases } : {}),
          runledger: runledgerArgv(),
        });
      // An unknown kind, or one not built in, is refused before the store is opened.
      drillKindOf(kind);
      let r: DrillResult;
      if (kind === 'rollback') {
        r = await withReleases(io, location, o, ({ driver, ctx }) => go(ctx.ledger, driver));
      } else {
        const ctx = await openLedger(location(), { write: true });
        try {
          r = await go(ctx);
        } finally {
          await ctx.close();
        }
      }
      if (o.json) io.out(`${JSON.stringify(r)}\n`);
      else io.out(resultText(r, join(resolveLedgerHome(location()), TRUST_FILE)));
      if (!r.passed) throw exit(1);
    });

  drill
    .command('list')
    .description('finished drills from the ledger, newest first')
    .option('--kind <kind>', 'only this kind')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'one JSON object: {drills: [...]}')
    .action(async (o: { kind?: string; limit: string; json?: boolean }) => {
      if (o.kind !== undefined && !isDrillKind(o.kind)) throw new RuntimeError('USAGE', `--kind ${o.kind}: expected restore, escalation, rollback or chaos`);
      const limit = positiveInt('--limit', o.limit)!;
      const ctx = await openLedger(location(), { write: false });
      try {
        const page = await listDrills(ctx.reader, { limit, ...(o.kind !== undefined && isDrillKind(o.kind) ? { kind: o.kind } : {}) });
        if (o.json) io.out(`${JSON.stringify({ drills: page.drills })}\n`);
        else if (page.drills.length === 0) io.out('no drills\n');
        else for (const d of page.drills) io.out(`${recordLine(d)}\n`);
      } finally {
        await ctx.close();
      }
    });

  drill
    .command('show')
    .description('one drill: its record in the ledger and the summary in its evidence bundle')
    .argument('<id>', 'the drill id (drill-YYYYMMDDTHHMMSSZ-xxxxxx)')
    .option('--dir <dir>', 'where evidence bundles are')
    .option('--json', 'one JSON object: {drill, summary}')
    .action(async (id: string, o: { dir?: string; json?: boolean }) => {
      const ctx = await openLedger(location(), { write: false });
      try {
        const d = await getDrill(ctx.reader, id);
        const dir = dirOf(o.dir);
        const summary = await readDrillSummary(dir, id);
        if (o.json) {
          io.out(`${JSON.stringify({ drill: d, summary: summary ?? null, evidenceDir: summary ? join(dir, id) : null })}\n`);
          return;
        }
        io.out(`${recordLine(d)}\n  started ${d.startedAt} by ${d.actor}, finished ${d.finishedAt}\n`);
        for (const r of d.reasons) io.out(`  ✘ ${r}\n`);
        const checks = (summary?.['checks'] ?? []) as { name: string; ok: boolean; detail: string }[];
        for (const c of checks) io.out(`  ${c.ok ? '✔' : '✘'} ${c.name}: ${c.detail}\n`);
        io.out(
          `  manifest sha256:${d.evidence.manifestSha256}, pinned by ledger entry ${d.evidence.index}\n  evidence ${summary ? join(dir, id) : `not in ${dir}`}\n`,
        );
      } finally {
        await ctx.close();
      }
    });
}
