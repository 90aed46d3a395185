// Continuous health from the command line: `services` (the catalog's services with their states, as the
// server recorded them or probed now), `checks run` (one check probed now, nothing recorded), `health`
// (the "healthy if and only if" checklists, or one service, evaluated now: exit 0 only when every item
// holds) and `slo`; `config check`'s catalog part. The catalog is the server's: `--catalog PATH`, else
// `<data dir>/catalog.yaml`, else `<data dir>/catalog/`. --json prints the API's shapes where the API has one.
import type { Command } from 'commander';
import { EXIT, type LedgerLocation, type LoadedCatalog } from '@runledger/runtime';
import { ApiError } from '@runledger/server';
import type { Io } from '../io.js';
import { CATALOG_FLAG, checksOf, checksUnder, findService, homeOf, noCatalog, readCatalog } from './catalog.js';
import { checkRunJson, printCheckRun } from './check-run.js';
import { evaluateHealth, type HealthOptions } from './evaluate.js';
import { setHealthExit } from './exit.js';
import { probeCheck } from './probe.js';
import { healthJson, printHealthReport } from './report.js';
import { printService, printServices, serviceJson } from './services.js';
import { probedSnapshot, recordedSnapshot, withStore, type Snapshot } from './snapshot.js';

export { catalogJson, checkCatalog, printCatalog, type CatalogCheck } from './catalog-check.js';
export { takeHealthExit } from './exit.js';
export { registerSloCommands } from './slo.js';

export function registerHealthCommands(program: Command, io: Io, location: () => LedgerLocation): void {
  const services = program.command('services').description('the service catalog’s services and their states (up, degraded, down, unknown)');

  const snapshot = async (l: LoadedCatalog, probe: boolean | undefined): Promise<Snapshot> =>
    probe ? probedSnapshot(l.catalog, undefined, io.env) : withStore(location, (ledger) => recordedSnapshot(ledger, l.catalog));

  services
    .command('list', { isDefault: true })
    .description('every service: state, owner and why (states as the server recorded them, or --probe now)')
    .option(...CATALOG_FLAG)
    .option('--probe', 'probe every check once now instead of reading what the server recorded')
    .option('--json', 'as one JSON object (the API’s GET /services)')
    .action(async (o: { catalog?: string; probe?: boolean; json?: boolean }) => {
      const l = await readCatalog(io, location, o.catalog, false);
      if (!l) {
        if (o.json) io.out(`${JSON.stringify({ catalog: null, source: null, at: null, services: [] })}\n`);
        else io.out(`${noCatalog(homeOf(io, location))}: write one (docs/catalog.md) or pass --catalog PATH\n`);
        return;
      }
      const snap = await snapshot(l, o.probe);
      const rows = l.catalog.services.map((s) => serviceJson(l.catalog, snap, s));
      if (o.json)
        io.out(`${JSON.stringify({ catalog: { path: l.path, digest: l.digest, files: [...l.files] }, source: snap.source, at: snap.at, services: rows })}\n`);
      else printServices(io, l, snap, rows);
    });

  services
    .command('show')
    .description('one service: its checks (state, reason, detail, latency), components, dependencies both ways')
    .argument('<name>', 'the service')
    .option(...CATALOG_FLAG)
    .option('--probe', 'probe its checks (and those of what it depends on) once now')
    .option('--json', 'as one JSON object (the API’s service)')
    .action(async (name: string, o: { catalog?: string; probe?: boolean; json?: boolean }) => {
      const l = (await readCatalog(io, location, o.catalog, true))!;
      const s = findService(l, name);
      const snap = o.probe
        ? await probedSnapshot(l.catalog, checksUnder(l.catalog, [s.name]), io.env)
        : await withStore(location, (ledger) => recordedSnapshot(ledger, l.catalog));
      const out = serviceJson(l.catalog, snap, s);
      if (o.json) io.out(`${JSON.stringify({ ...out, source: snap.source, at: snap.at })}\n`);
      else printService(io, snap, out);
    });

  const checks = program.command('checks').description('the catalog’s checks');
  checks
    .command('run')
    .description('probe one check now and show what it saw: reason, detail, phase timings, each condition (nothing is recorded); exit 1 when it fails')
    .argument('<id>', 'the check id, e.g. api/ping')
    .option(...CATALOG_FLAG)
    .option('--json', 'as one JSON object (the API’s POST /checks/{id}/run)')
    .action(async (id: string, o: { catalog?: string; json?: boolean }) => {
      const l = (await readCatalog(io, location, o.catalog, true))!;
      const all = checksOf(l.catalog);
      const c = all.find((x) => x.id === id);
      if (!c)
        throw new ApiError(
          'CATALOG_ENTRY_NOT_FOUND',
          `no check ${JSON.stringify(id)} in ${l.path} (checks: ${
            all
              .slice(0, 30)
              .map((x) => x.id)
              .join(', ') || 'none'
          }${all.length > 30 ? ', …' : ''})`,
        );
      const out = await probeCheck(c, io.env);
      if (o.json) io.out(`${JSON.stringify(checkRunJson(c, out))}\n`);
      else printCheckRun(io, c, out);
      setHealthExit(out.ok ? EXIT.OK : EXIT.FAILED);
    });

  program
    .command('health')
    .description(
      'evaluate now, probing the checks it needs: every checklist of the catalog, one checklist, or one service (its state and its checks); each item with its evidence; exit 0 only when every item holds, 1 when one does not',
    )
    .argument('[name]', 'a checklist or a service (default: every checklist; without checklists, every service)')
    .option(...CATALOG_FLAG)
    .option('--prometheus-url <url>', 'the Prometheus asked by items that name no url')
    .option('--server <url>', 'ask this running server’s /ready for the `ready: runledger` items (default: checked locally on the data directory)')
    .option('--json', 'as one JSON object: healthy, items [{checklist, name, ok, evidence}], checklists')
    .action(async (name: string | undefined, o: HealthOptions) => {
      const r = await evaluateHealth(io, location, name, o);
      setHealthExit(r.healthy ? EXIT.OK : EXIT.FAILED);
      if (o.json) io.out(`${JSON.stringify(healthJson(r, name))}\n`);
      else printHealthReport(io, r);
    });
}
