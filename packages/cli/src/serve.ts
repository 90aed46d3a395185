// `runledger serve`: the engine in-process behind the HTTP API. Logs its version, the migration head
// and the ledger head at startup; on SIGTERM (or SIGINT) it stops taking new work, lets runs being
// driven reach a resting point, closes the HTTP server and the store, and exits 0.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { toBase64 } from '@runledger/ledger';
import { anchorMaxAgeSeconds, backupRpoTargetSeconds, parseDestinations, RuntimeError, schedulesPath, type LedgerLocation } from '@runledger/runtime';
import { createApp, openServerEngine, parseTrustProxy, type HealthDeps } from '@runledger/server';
import type { Io } from './io.js';
import { runledgerArgv } from './drills/runledger.js';

export function registerServeCommand(program: Command, io: Io, location: () => LedgerLocation, version: string): void {
  program
    .command('serve')
    .description('serve the API and the web UI; the engine runs in this process')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port (0: any free port)', '7340')
    .option('--runbooks <dir>', 'the runbook catalogue: a directory of Markdown runbooks', 'examples/runbooks')
    .option('--web-dir <dir>', 'the built web UI served at / (default: packages/web/dist of this checkout)')
    .option('--drain-timeout <seconds>', 'on SIGTERM, longest wait for runs being driven to rest', '30')
    .option('--secure-cookies', 'mark the session cookie Secure (when users reach the server over HTTPS)')
    .option('--catalog <path>', 'the service catalog, a file or a directory (default: <data dir>/catalog.yaml, else <data dir>/catalog/)')
    .option('--status-page', 'serve the read-only status page at /status')
    .option('--prometheus-url <url>', 'the Prometheus that checklist items and SLOs naming no url ask')
    .option('--anchors <destinations>', 'ship the ledger to these off-host anchors, comma-separated: DIR or cmd:PROG ARGS (default: $RUNLEDGER_ANCHORS)')
    .option('--anchor-interval <seconds>', 'seconds between anchor shipments', '5')
    .option('--schedules <file>', 'job schedules (backups, runbooks, drills on cron; docs/schedules.md) (default: $RUNLEDGER_SCHEDULES)')
    .option(
      '--trust-proxy <cidrs>',
      'reverse proxies (IP or CIDR, comma-separated) whose X-Forwarded-For/-Proto are believed (default: $RUNLEDGER_TRUST_PROXY, else none)',
    )
    .action(
      async (o: {
        host: string;
        port: string;
        runbooks: string;
        webDir?: string;
        drainTimeout: string;
        secureCookies?: boolean;
        trustProxy?: string;
        catalog?: string;
        statusPage?: boolean;
        prometheusUrl?: string;
        anchors?: string;
        anchorInterval: string;
        schedules?: string;
      }) => {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RuntimeError('USAGE', `--port ${o.port}: expected 0–65535`);
        const drain = Number(o.drainTimeout);
        if (!Number.isFinite(drain) || drain < 0) throw new RuntimeError('USAGE', `--drain-timeout ${o.drainTimeout}: expected seconds ≥ 0`);
        const proxies = o.trustProxy ?? io.env.RUNLEDGER_TRUST_PROXY;
        const trustProxy =
          proxies === undefined || proxies.trim() === ''
            ? []
            : parseTrustProxy(proxies, o.trustProxy !== undefined ? '--trust-proxy' : 'RUNLEDGER_TRUST_PROXY');
        if (o.prometheusUrl !== undefined && !/^https?:\/\/[^/]/i.test(o.prometheusUrl))
          throw new RuntimeError('USAGE', `--prometheus-url ${o.prometheusUrl}: expected an http or https URL`);
        const health: HealthDeps = {
          ...(o.catalog ? { catalogPath: resolve(io.cwd, o.catalog) } : {}),
          ...(o.statusPage ? { statusPage: true } : {}),
          ...(o.prometheusUrl ? { prometheusUrl: o.prometheusUrl } : {}),
        };
        const anchorInterval = Number(o.anchorInterval);
        if (!Number.isFinite(anchorInterval) || anchorInterval < 1)
          throw new RuntimeError('USAGE', `--anchor-interval ${o.anchorInterval}: expected seconds ≥ 1`);
        const anchors = parseDestinations(o.anchors ?? io.env.RUNLEDGER_ANCHORS, io.cwd);
        // RPO measured (docs/backups.md): RUNLEDGER_BACKUP_RPO (default 15m, `off`), RUNLEDGER_ANCHOR_MAX_AGE (default 5m, `off`).
        const rpo = backupRpoTargetSeconds(io.env);
        const anchorMaxAge = anchorMaxAgeSeconds(io.env);
        const schedules = schedulesPath(o.schedules, io.env, io.cwd);
        const webDir = o.webDir ? resolve(io.cwd, o.webDir) : fileURLToPath(new URL('../../web/dist', import.meta.url));
        const server = await openServerEngine(location(), { cwd: io.cwd });
        const ctx = server.engineContext;
        let app;
        try {
          app = await createApp({
            engineContext: ctx,
            events: server.events,
            version,
            logger: { level: io.env.RUNLEDGER_LOG_LEVEL ?? 'info' },
            defaultMetrics: true,
            runbooksDir: resolve(io.cwd, o.runbooks),
            webDir,
            drainTimeoutMs: drain * 1000,
            trustProxy,
            health,
            ...(anchors.length > 0
              ? {
                  anchors: { destinations: anchors, intervalMs: anchorInterval * 1000, ...(anchorMaxAge !== undefined ? { maxAgeSeconds: anchorMaxAge } : {}) },
                }
              : {}),
            ...(rpo !== undefined ? { backups: { rpoTargetSeconds: rpo } } : {}),
            ...(schedules ? { schedules: { path: schedules } } : {}),
            ...(o.secureCookies ? { secureCookies: true } : {}),
            // Drills run with this command's settings; chaos kill-run starts `runledger run` as this process runs `runledger`.
            drills: { runledger: runledgerArgv(), settings: io.env },
          });
          const head = await ctx.ledger.reader.head();
          app.fastify.log.info(
            {
              version,
              migrationHead: await ctx.ledger.store.migrationHead(),
              database: ctx.ledger.store.kind,
              ledger: { origin: ctx.ledger.origin, size: head.size, root: toBase64(head.root) },
              recoveredRuns: server.recovered,
              trustProxy,
              catalog: app.health.loaded ? { path: app.health.loaded.path, digest: app.health.loaded.digest } : null,
              schedules: app.schedules.loaded
                ? { path: app.schedules.loaded.path, digest: app.schedules.loaded.digest, count: app.schedules.loaded.schedules.length }
                : null,
            },
            'runledger serve starting',
          );
          await app.fastify.listen({ host: o.host, port });
          const addr = app.fastify.server.address();
          const url = typeof addr === 'object' && addr ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}/` : String(addr);
          app.fastify.log.info({ url, webUi: existsSync(resolve(webDir, 'index.html')) ? webDir : null }, 'listening');
          io.err(
            `Runledger ${version} is serving ${url} (web UI${existsSync(resolve(webDir, 'index.html')) ? '' : ' not built: npm run build -w @runledger/web'}; API ${url}api/v1)\n`,
          );
        } catch (e) {
          await app?.fastify.close();
          await ctx.close();
          throw e;
        }
        // SIGHUP: read the operations file, the service catalog and the schedules file again; an invalid one
        // keeps the one in force. The catalog after the operations file, whose escalation policies it names.
        const hup = (): void => {
          const a = app!;
          const log = a.fastify.log;
          void a.operations
            .reload()
            .then(
              (r) => log.info({ digest: r.digest, changed: r.changed }, 'operations configuration reloaded'),
              (err: unknown) => log.error({ err }, 'operations configuration NOT reloaded: the previous one stays in force'),
            )
            .then(async () => {
              // A catalog written after the start begins health checking now.
              const l = a.health.service ? await a.health.reload() : (await a.health.start(), a.health.loaded);
              if (l) log.info({ path: l.path, digest: l.digest, services: l.catalog.services.length }, 'service catalog reloaded');
              else log.info({ path: a.health.path ?? null }, 'no service catalog: health checking is off');
            })
            .catch((err: unknown) => log.error({ err }, 'service catalog NOT reloaded: the previous one stays in force'))
            .then(() => a.schedules.reload())
            .then(
              (l) => l && log.info({ path: l.path, digest: l.digest, schedules: l.schedules.length }, 'schedules reloaded'),
              (err: unknown) => log.error({ err }, 'schedules NOT reloaded: the previous ones stay in force'),
            );
        };
        process.on('SIGHUP', hup);
        const signal = await new Promise<string>((resolve) => {
          const on = (s: string) => () => resolve(s);
          process.once('SIGTERM', on('SIGTERM'));
          process.once('SIGINT', on('SIGINT'));
        });
        process.off('SIGHUP', hup);
        app.fastify.log.info({ signal, inFlight: app.worker.busy }, 'stopping: no new work; draining');
        const left = await app.shutdown();
        await ctx.close();
        if (left > 0) app.fastify.log.warn({ left }, 'runs left mid-drive will be recovered as interrupted at the next start');
        app.fastify.log.info('stopped');
      },
    );
}
