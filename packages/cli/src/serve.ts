// `runledger serve`: the engine in-process behind the HTTP API. Logs its version, the migration head
// and the ledger head at startup; on SIGTERM (or SIGINT) it stops taking new work, lets runs being
// driven reach a resting point, closes the HTTP server and the store, and exits 0.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { toBase64 } from '@runledger/ledger';
import { RuntimeError, type LedgerLocation } from '@runledger/runtime';
import { createApp, openServerEngine } from '@runledger/server';
import type { Io } from './io.js';

export function registerServeCommand(program: Command, io: Io, location: () => LedgerLocation, version: string): void {
  program
    .command('serve')
    .description('serve the API (and, later, the web UI); the engine runs in this process')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port (0: any free port)', '7340')
    .option('--runbooks <dir>', 'the runbook catalogue: a directory of Markdown runbooks', 'examples/runbooks')
    .action(async (o: { host: string; port: string; runbooks: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RuntimeError('USAGE', `--port ${o.port}: expected 0–65535`);
      const server = await openServerEngine(location(), { cwd: io.cwd });
      const ctx = server.engineContext;
      let app;
      try {
        app = await createApp({ engineContext: ctx, events: server.events, version, logger: { level: io.env.RUNLEDGER_LOG_LEVEL ?? 'info' }, defaultMetrics: true, runbooksDir: resolve(io.cwd, o.runbooks) });
        const head = await ctx.ledger.reader.head();
        app.fastify.log.info(
          {
            version,
            migrationHead: await ctx.ledger.store.migrationHead(),
            database: ctx.ledger.store.kind,
            ledger: { origin: ctx.ledger.origin, size: head.size, root: toBase64(head.root) },
            recoveredRuns: server.recovered,
          },
          'runledger serve starting',
        );
        await app.fastify.listen({ host: o.host, port });
      } catch (e) {
        await app?.fastify.close();
        await ctx.close();
        throw e;
      }
      const signal = await new Promise<string>((resolve) => {
        const on = (s: string) => () => resolve(s);
        process.once('SIGTERM', on('SIGTERM'));
        process.once('SIGINT', on('SIGINT'));
      });
      app.fastify.log.info({ signal, inFlight: app.worker.busy }, 'stopping: no new work; draining');
      await app.shutdown();
      await ctx.close();
      app.fastify.log.info('stopped');
    });
}
