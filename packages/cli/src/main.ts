// `runledger`: parses flags, calls runtime services, prints, and maps errors to exit codes through the
// complete catalogue (@runledger/server's, which adds the API's codes to the runtime's). No ledger logic lives here.
import { Command, CommanderError } from 'commander';
import { runVerifyCli } from '@runledger/ledger/verify-cli';
import { parseCheckpointText, parseNote, toBase64 } from '@runledger/ledger';
import { StoreError } from '@runledger/store';
import {
  consistencyFor,
  defaultActor,
  EXIT,
  exportBundle,
  initLedger,
  openLedger,
  receiptFor,
  rotateSigningKey,
  type LedgerContext,
  type LedgerLocation,
} from '@runledger/runtime';
import { describeError } from '@runledger/server';
import { jsonObjectArg, nonNegativeInt, positiveInt, subjectArg } from './args.js';
import { processIo, progressBar, type Io } from './io.js';
import { registerAlertCommands } from './alerts.js';
import { registerBackupCommands } from './backups/index.js';
import { registerDrillCommands } from './drills/index.js';
import { registerAnchorCommands } from './anchors.js';
import { registerHealthCommands, registerSloCommands, takeHealthExit } from './health/index.js';
import { registerIncidentCommands } from './incidents.js';
import { registerLogsCommand } from './logs.js';
import { registerOperationsCommands } from './operations.js';
import { registerRunCommands, takeRunExit } from './runs.js';
import { registerReleaseCommands } from './releases/index.js';
import { takeReleaseExit } from './releases/exit.js';
import { registerServeCommand } from './serve.js';
import { registerScheduleCommands } from './schedules.js';
import { registerTokenCommands } from './tokens.js';

export const VERSION = '0.1.0';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function location(program: Command, io: Io, dataDir?: string): LedgerLocation {
  const dir = dataDir ?? (program.opts().dataDir as string | undefined);
  return { env: io.env, cwd: io.cwd, ...(dir ? { home: dir } : {}) };
}

async function withLedger<T>(loc: LedgerLocation, write: boolean, fn: (ctx: LedgerContext) => Promise<T>, startupCheck?: 'full'): Promise<T> {
  const ctx = await openLedger(loc, { write, ...(startupCheck ? { startupCheck } : {}) });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function signersOf(note: string): string {
  return parseNote(note)
    .signatures.map((s) => `${s.name}+${s.keyId.toString(16).padStart(8, '0')}`)
    .join(', ');
}

export function buildProgram(io: Io): Command {
  const program = new Command();
  program
    .name('runledger')
    .description('Executable runbooks and a tamper-evident operations ledger.')
    .version(VERSION)
    .option('--data-dir <dir>', 'data directory (default: $RUNLEDGER_HOME, then ./.runledger)')
    .exitOverride()
    // Every error line has one shape, `runledger: CODE: message`, whoever found the problem.
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (str, write) => write(usageLine(str)) })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('init')
    .description('create the store, the first signing key and the genesis entry; write DIR/trust.vkeys')
    .option('--data-dir <dir>', 'data directory')
    .option('--origin <name>', 'ledger origin, e.g. ops.example.com/prod (no spaces or +)')
    .action(async (o: { dataDir?: string; origin?: string }) => {
      const r = await initLedger(location(program, io, o.dataDir), { ...(o.origin ? { origin: o.origin } : {}), actor: defaultActor(io.env) });
      io.out(
        [
          `initialised ledger ${r.origin} in ${r.home}`,
          `  signing key  ${r.keyFile} (mode 0600)`,
          `  trust file   ${r.trustFile}  (give a copy to auditors)`,
          `  vkey         ${r.vkey}`,
          `  head         size ${r.size}, root ${r.root}`,
          '',
        ].join('\n'),
      );
    });

  const ledger = program.command('ledger').description('append, read, prove and export ledger entries');

  ledger
    .command('append')
    .description("append an operator's manual entry; prints its seq")
    .requiredOption('--type <type>', 'entry type, e.g. ops.note or release.announced')
    .option('--subject <kind:id>', 'what the entry is about, e.g. release:1.4.2')
    .option('--data <json>', 'a JSON object with the details')
    .option('--idem <key>', 'idempotency key: a retry with the same key returns the original entry')
    .action(async (o: { type: string; subject?: string; data?: string; idem?: string }) => {
      const subject = subjectArg(o.subject);
      const data = jsonObjectArg('--data', o.data);
      await withLedger(location(program, io), true, async (ctx) => {
        const r = await ctx.writer!.append({
          type: o.type,
          actor: defaultActor(io.env),
          ...(subject ? { subject } : {}),
          ...(data ? { data } : {}),
          ...(o.idem !== undefined ? { idem: o.idem } : {}),
        });
        if (r.duplicate) io.err(`idempotency key ${JSON.stringify(o.idem)} already used: returning entry ${r.seq}\n`);
        io.out(`${r.seq}\n`);
      });
    });

  ledger
    .command('show')
    .description('list entries')
    .option('--from <n>', 'first seq', '0')
    .option('--limit <k>', 'at most this many entries', '50')
    .option('--json', 'one entry a line, byte-exact as stored (JSON Lines)')
    .action(async (o: { from: string; limit: string; json?: boolean }) => {
      const from = nonNegativeInt('--from', o.from)!;
      const limit = positiveInt('--limit', o.limit)!;
      await withLedger(location(program, io), false, async (ctx) => {
        const rows = await ctx.reader.entries(from, limit);
        if (o.json) {
          for (const r of rows) io.out(`${Buffer.from(r.bytes).toString('utf8')}\n`);
          return;
        }
        if (rows.length === 0) {
          io.out(`no entries from seq ${from} (the ledger has ${(await ctx.reader.head()).size})\n`);
          return;
        }
        io.out(`${pad('SEQ', 7)}${pad('TIME', 26)}${pad('TYPE', 22)}${pad('ACTOR', 20)}${pad('SUBJECT', 20)}DATA\n`);
        for (const { entry: e } of rows) {
          const subject = e.subject ? kindId(e.subject) : '-';
          io.out(
            `${pad(String(e.seq), 7)}${pad(e.ts, 26)}${pad(clip(e.type, 21), 22)}${pad(clip(kindId(e.actor), 19), 20)}${pad(clip(subject, 19), 20)}${clip(JSON.stringify(e.data), 60)}\n`,
          );
        }
      });
    });

  ledger
    .command('head')
    .description('size, root and the latest signed checkpoint')
    .option('--json', 'as one JSON object')
    .action(async (o: { json?: boolean }) => {
      await withLedger(location(program, io), false, async (ctx) => {
        const cp = await ctx.reader.latestCheckpoint();
        if (!cp) throw new StoreError('LEDGER_NOT_INITIALISED', 'the ledger has no signed checkpoint yet: run `runledger init` first');
        const body = parseCheckpointText(parseNote(cp.note).text);
        if (o.json) {
          io.out(`${JSON.stringify({ origin: ctx.origin, size: cp.size, root: toBase64(body.root), checkpoint: cp.note })}\n`);
          return;
        }
        io.out(`origin      ${ctx.origin}\nsize        ${cp.size}\nroot        ${toBase64(body.root)}\nsigned by   ${signersOf(cp.note)}\n\n${cp.note}`);
      });
    });

  ledger
    .command('proof')
    .description('print a C2SP tlog-proof receipt for one entry')
    .requiredOption('--index <i>', 'entry seq')
    .option('--size <n>', 'a signed tree size (default: the latest checkpoint)')
    .action(async (o: { index: string; size?: string }) => {
      const index = nonNegativeInt('--index', o.index)!;
      const size = positiveInt('--size', o.size);
      await withLedger(location(program, io), false, async (ctx) => io.out(await receiptFor(ctx.reader, index, size)));
    });

  ledger
    .command('consistency')
    .description('print an RFC 6962 consistency proof between two signed sizes')
    .requiredOption('--from <m>', 'older signed tree size')
    .option('--to <n>', 'newer signed tree size (default: the latest checkpoint)')
    .action(async (o: { from: string; to?: string }) => {
      const m = positiveInt('--from', o.from)!;
      const n = positiveInt('--to', o.to);
      await withLedger(location(program, io), false, async (ctx) => {
        const r = await consistencyFor(ctx.reader, m, n);
        io.out(`old ${r.from.size}\nnew ${r.to.size}\n${r.proof.map((h) => `${toBase64(h)}\n`).join('')}`);
      });
    });

  ledger
    .command('check')
    .description('re-derive the root from every stored entry and check it against the latest signed checkpoint')
    .action(async () => {
      await withLedger(
        location(program, io),
        true,
        async (ctx) => {
          io.out(`ok: ${ctx.writer!.size} entries re-hashed; the root matches the latest signed checkpoint\n`);
        },
        'full',
      );
    });

  ledger
    .command('export')
    .description('write a runledger-export/1 bundle to DIR (a new or empty directory)')
    .argument('<dir>', 'target directory')
    .action(async (dir: string) => {
      await withLedger(location(program, io), false, async (ctx) => {
        const bar = progressBar(io, 'exporting');
        const r = await exportBundle(ctx.reader, dir, { progress: (d, t) => bar.update(d, t) });
        bar.done();
        io.out(`exported ${r.size} entries of ${r.origin} to ${r.dir} (root ${r.root}, ${r.checkpoints} checkpoint${r.checkpoints === 1 ? '' : 's'})\n`);
      });
    });

  const keys = program.command('keys').description('signing keys');
  keys
    .command('rotate')
    .description('new signing key: appends ledger.key.rotate with a dual-signed handover checkpoint')
    .action(async () => {
      await withLedger(location(program, io), true, async (ctx) => {
        const r = await rotateSigningKey(ctx, defaultActor(io.env));
        io.out(
          `rotated: entry ${r.seq}, handover checkpoint ${r.checkpointSize}\n  new key   ${r.vkey}\n  key file  ${r.keyFile} (mode 0600)\n${r.retired.map((k) => `  retired   ${k}\n`).join('')}`,
        );
      });
    });

  program
    .command('verify')
    .description('verify an export bundle offline (same as the standalone runledger-verify)')
    .argument('<bundle>')
    .requiredOption('--trust <file>', 'trusted verifier keys, one vkey a line (repeatable)', collect, [])
    .option('--anchor <note>', 'a signed checkpoint kept by someone else (repeatable)', collect, [])
    .option('--anchors <dir>', 'an off-host anchor directory: its shipments must verify and the bundle extend the newest (repeatable)', collect, [])
    .option('--json', 'one JSON object')
    .action((bundle: string, o: { trust: string[]; anchor: string[]; anchors: string[]; json?: boolean }) => {
      const argv = [
        bundle,
        ...o.trust.flatMap((t) => ['--trust', t]),
        ...o.anchor.flatMap((a) => ['--anchor', a]),
        ...o.anchors.flatMap((d) => ['--anchors', d]),
        ...(o.json ? ['--json'] : []),
      ];
      const code = runVerifyCli(argv, { out: io.out, err: io.err, progress: io.tty });
      if (code !== 0) throw new Exit(code);
    });

  registerRunCommands(
    program,
    io,
    () => location(program, io),
    () => defaultActor(io.env).id,
  );
  registerLogsCommand(program, io, () => location(program, io));
  registerAnchorCommands(
    program,
    io,
    () => location(program, io),
    (code) => new Exit(code),
  );
  registerTokenCommands(program, io, () => location(program, io));
  registerServeCommand(program, io, () => location(program, io), VERSION);
  registerOperationsCommands(program, io, () => location(program, io));
  registerIncidentCommands(program, io, () => location(program, io));
  registerAlertCommands(program, io, () => location(program, io));
  registerHealthCommands(program, io, () => location(program, io));
  registerSloCommands(program, io, () => location(program, io));
  registerReleaseCommands(
    program,
    io,
    () => location(program, io),
    () => defaultActor(io.env).id,
  );
  registerBackupCommands(program, io, () => location(program, io));
  registerDrillCommands(
    program,
    io,
    () => location(program, io),
    (code) => new Exit(code),
  );
  registerScheduleCommands(program, io, () => location(program, io));

  return program;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** Commander's own messages ("error: unknown option '--x'") in the CLI's error shape. */
export function usageLine(str: string): string {
  return `runledger: USAGE: ${str.replace(/^error:\s*/i, '')}`;
}

/** The one error line every failure prints (stderr). */
export function errorLine(code: string, message: string): string {
  return `runledger: ${code}: ${message}\n`;
}

/** Runs the CLI; returns the exit code (see docs/errors.md). */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return takeRunExit() || takeHealthExit() || takeReleaseExit();
  } catch (e) {
    takeHealthExit();
    takeReleaseExit();
    if (e instanceof Exit) return e.code;
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    const d = describeError(e);
    io.err(errorLine(d.code, d.message));
    return d.exit;
  }
}

/** `kind:id`, except when the id already carries its kind: tokens are recorded as {kind: token, id: token:<name>}. */
function kindId(r: { readonly kind: string; readonly id: string }): string {
  return r.id.startsWith(`${r.kind}:`) ? r.id : `${r.kind}:${r.id}`;
}
