// Drills over HTTP. Reads need a viewer; running one an operator (a rollback drill deploys, a chaos
// drill kills a run or pauses the database). The history is the ledger's drill.finished entries; the
// evidence is the bundle the drill wrote, as a tar that `runledger-verify evidence` checks offline.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Type, type Static } from 'typebox';
import { availableDrillKinds, getDrill, listDrills, readDrillSummary, RuntimeError, type DrillRecord } from '@runledger/runtime';
import type { ApiInstance, RouteContext } from '../context.js';
import { tarOf } from '../export.js';
import { errors } from '../schemas.js';
import type { DrillsHost } from './host.js';
import type { Drill } from './schemas.js';
import { DrillDetail, DrillParams, DrillsPage, DrillsQuery, DrillStarted, RunDrillBody } from './schemas.js';

const tags = ['drills'];

export function drillRoutes(app: ApiInstance, rc: RouteContext, host: DrillsHost): void {
  const reader = rc.ctx.ledger.reader;
  const view = (d: DrillRecord): Static<typeof Drill> => ({
    ...d,
    reasons: [...d.reasons],
    measured: { ...d.measured, ...(d.measured.steps ? { steps: { ...d.measured.steps } } : {}) },
    targets: { ...d.targets },
    evidence: { ...d.evidence, available: existsSync(join(host.dir, d.id, 'MANIFEST.json')) },
  });
  const running = () => {
    const r = host.running();
    return r ? { id: r.id, kind: r.kind, env: r.env, actor: r.actor, startedAt: r.startedAt } : null;
  };

  app.get(
    '/drills',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Finished drills, newest first, with what they measured against their targets; the drill running here, if any',
        querystring: DrillsQuery,
        response: { 200: DrillsPage, ...errors(400, 401, 403, 429) },
      },
    },
    async (req) => {
      const q = req.query;
      const page = await listDrills(reader, { limit: q.limit, ...(q.kind ? { kind: q.kind } : {}), ...(q.before !== undefined ? { before: q.before } : {}) });
      return { drills: page.drills.map(view), next: page.next, running: running(), available: availableDrillKinds() };
    },
  );

  app.get(
    '/drills/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'One drill: its record, checks, steps and log (while it runs: its log so far)',
        params: DrillParams,
        response: { 200: DrillDetail, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req) => {
      const id = req.params.id;
      const r = host.running();
      if (r?.id === id) return { id, state: 'running' as const, drill: null, running: running(), checks: [], steps: [], log: [...r.log] };
      const d = await getDrill(reader, id);
      const summary = await readDrillSummary(host.dir, id);
      const log = await readFile(join(host.dir, id, 'log.txt'), 'utf8').catch(() => '');
      return {
        id,
        state: 'finished' as const,
        drill: view(d),
        running: null,
        checks: Array.isArray(summary?.['checks']) ? (summary['checks'] as Static<typeof DrillDetail>['checks']) : [],
        steps: Array.isArray(summary?.['steps']) ? (summary['steps'] as string[]) : [],
        log: log.split('\n').filter(Boolean),
      };
    },
  );

  app.get(
    '/drills/:id/evidence',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary:
          'The drill’s evidence bundle (tar): MANIFEST.json and its receipt, summary.json, log.txt, the kind’s files, cited ledger entries with receipts; check it with `runledger-verify evidence DIR --trust FILE`',
        params: DrillParams,
        produces: ['application/x-tar'],
        response: { 200: Type.Unknown({ description: 'a ustar archive of the bundle directory' }), ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const d = await getDrill(reader, req.params.id);
      const dir = join(host.dir, d.id);
      if (!existsSync(join(dir, 'MANIFEST.json')))
        throw new RuntimeError('DRILL_NOT_FOUND', `drill ${d.id} is in the ledger (entry ${d.evidence.index}), but its evidence bundle is not in ${host.dir}`);
      const tar = await tarOf(dir, d.id, Math.floor(Date.parse(d.finishedAt) / 1000));
      return reply
        .header('content-type', 'application/x-tar')
        .header('content-length', String(tar.bytes))
        .header('content-disposition', `attachment; filename="${d.id}-evidence.tar"`)
        .header('cache-control', 'no-store')
        .header('x-runledger-manifest-sha256', d.evidence.manifestSha256)
        .header('x-runledger-ledger-seq', String(d.evidence.index))
        .send(Readable.from(tar.chunks));
    },
  );

  app.post(
    '/drills',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary:
          'Run a drill in this server (one at a time): answered once drill.started is recorded; follow it with GET /drills/{id}. Bad input is refused before anything is recorded.',
        body: RunDrillBody,
        response: { 202: DrillStarted, ...errors(400, 401, 403, 409, 429, 501, 503) },
      },
    },
    async (req, reply) => {
      rc.requireAccepting();
      const b = req.body;
      const d = await host.start({
        kind: b.kind,
        ...(b.env !== undefined ? { env: b.env } : {}),
        ...(b.options ? { options: b.options } : {}),
        ...(b.targets ? { targets: b.targets } : {}),
        actor: req.principal!.actor,
      });
      return reply.code(202).send({ id: d.id, kind: d.kind, env: d.env, state: 'running' as const });
    },
  );
}
