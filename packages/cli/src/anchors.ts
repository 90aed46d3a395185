// `runledger anchors ship|check|prune`: off-host anchors of the ledger (docs/anchors.md).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseVkey, type VerifierKey } from '@runledger/ledger';
import {
  AnchorShipper,
  checkAnchors,
  defaultActor,
  openLedger,
  parseDestination,
  parseDestinations,
  pruneAnchors,
  RuntimeError,
  TRUST_FILE,
  type LedgerLocation,
} from '@runledger/runtime';
import { positiveInt } from './args.js';
import type { Io } from './io.js';

function readTrust(path: string): VerifierKey[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RuntimeError('USAGE', `--trust ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const keys: VerifierKey[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      keys.push(parseVkey(line));
    } catch (e) {
      throw new RuntimeError('USAGE', `${path}:${i + 1}: ${(e as Error).message}`);
    }
  }
  if (keys.length === 0) throw new RuntimeError('USAGE', `${path}: no verifier keys`);
  return keys;
}

export function registerAnchorCommands(program: Command, io: Io, location: () => LedgerLocation, exit: (code: number) => Error): void {
  const anchors = program.command('anchors').description('off-host anchors: ship the ledger’s checkpoints and entries, check the live ledger against them');

  anchors
    .command('ship')
    .description('ship one shipment now to each destination that is behind (default: $RUNLEDGER_ANCHORS)')
    .option(
      '--to <destination>',
      'a directory, or cmd:PROG ARGS (the shipment file is its last argument); repeatable',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option('--json', 'one JSON object')
    .action(async (o: { to: string[]; json?: boolean }) => {
      const destinations = o.to.length > 0 ? o.to.map((d) => parseDestination(d, io.cwd)) : parseDestinations(io.env.RUNLEDGER_ANCHORS, io.cwd);
      if (destinations.length === 0) throw new RuntimeError('USAGE', 'no anchor destination: pass --to DIR or set RUNLEDGER_ANCHORS');
      const ctx = await openLedger(location(), { write: false });
      try {
        const shipper = new AnchorShipper({ reader: ctx.reader, destinations, stateDir: join(ctx.home, 'anchors'), env: io.env });
        const results = await shipper.shipNow();
        const failed = shipper.status().filter((s) => s.lastError !== undefined);
        if (o.json) io.out(`${JSON.stringify({ shipped: results, failed: failed.map((f) => ({ destination: f.destination, error: f.lastError })) })}\n`);
        else {
          for (const r of results)
            io.out(r.shipped ? `shipped ${r.from} → ${r.size} (${r.entries} entries) to ${r.file}\n` : `${r.destination}: current at size ${r.size}\n`);
          for (const f of failed) io.err(`runledger: ${f.destination}: ${f.lastError}\n`);
        }
        if (failed.length > 0) throw exit(1);
      } finally {
        await ctx.close();
      }
    });

  anchors
    .command('prune')
    .description('delete all but the newest N anchors of a directory (never the newest; only when its chain verifies and the live ledger extends it)')
    .requiredOption('--keep <n>', 'how many of the newest anchors to keep (at least 1)')
    .option('--dir <dir>', 'the anchor directory (default: the first directory in $RUNLEDGER_ANCHORS)')
    .option('--trust <file>', 'trusted verifier keys (default: <data dir>/trust.vkeys)')
    .option('--dry-run', 'print the plan, delete nothing')
    .option('--json', 'one JSON object')
    .action(async (o: { keep: string; dir?: string; trust?: string; dryRun?: boolean; json?: boolean }) => {
      const keep = positiveInt('--keep', o.keep)!;
      const dir = anchorDirOf(o.dir, io);
      const ctx = await openLedger(location(), { write: !o.dryRun });
      try {
        const trusted = readTrust(o.trust ? resolve(io.cwd, o.trust) : join(ctx.home, TRUST_FILE));
        const r = await pruneAnchors({ ctx, dir, keep, trusted, actor: defaultActor(io.env), ...(o.dryRun ? { dryRun: true } : {}) });
        if (o.json) io.out(`${JSON.stringify(r)}\n`);
        else
          io.out(
            `${dir}: kept ${r.kept.length} (newest ${r.kept.at(-1)}), ${o.dryRun ? 'would delete' : 'deleted'} ${r.removed.length}${r.entry !== undefined ? ` (ledger entry ${r.entry})` : ''}\n`,
          );
      } finally {
        await ctx.close();
      }
    });

  anchors
    .command('check')
    .description('compare the live ledger with the newest anchor: exit 0 consistent, 1 rolled back, forked or invalid anchors, 2 bad input')
    .option('--dir <dir>', 'the anchor directory (default: the first directory in $RUNLEDGER_ANCHORS)')
    .option('--trust <file>', 'trusted verifier keys (default: <data dir>/trust.vkeys; keep your own copy)')
    .option('--json', 'one JSON object')
    .action(async (o: { dir?: string; trust?: string; json?: boolean }) => {
      const dir = anchorDirOf(o.dir, io);
      const ctx = await openLedger(location(), { write: false });
      try {
        const trusted = readTrust(o.trust ? resolve(io.cwd, o.trust) : join(ctx.home, TRUST_FILE));
        const r = await checkAnchors(ctx.reader, dir, trusted);
        if (o.json) io.out(`${JSON.stringify({ dir, ...r })}\n`);
        else io.out(`${r.status} ${r.reason}${r.file ? ` ${r.file}` : ''}: ${r.detail}\n`);
        // An empty or missing directory is not evidence either way: bad input.
        if (r.reason === 'NO_ANCHORS') throw exit(2);
        if (r.status !== 'CONSISTENT') throw exit(1);
      } finally {
        await ctx.close();
      }
    });
}

/** --dir, else the first directory destination of RUNLEDGER_ANCHORS. */
function anchorDirOf(flag: string | undefined, io: Io): string {
  const dir = flag
    ? resolve(io.cwd, flag)
    : parseDestinations(io.env.RUNLEDGER_ANCHORS, io.cwd).find((d): d is Extract<typeof d, { kind: 'dir' }> => d.kind === 'dir')?.dir;
  if (!dir) throw new RuntimeError('USAGE', 'no anchor directory: pass --dir DIR or set RUNLEDGER_ANCHORS');
  return dir;
}
