// Releases over HTTP. Reads need a viewer; creating, deploying and asking for a rollback an operator;
// approving a waiting rollback an approver (never the person who asked). Refusals carry the rule's code
// (RELEASE_BUSY, ROLLBACK_LEDGER_UNVERIFIED …) in the one error shape.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { currentRelease, rollbackRunning, type Release as CoreRelease } from '@runledger/core';
import {
  evidenceLedgerOf,
  loaded,
  releaseWindow,
  rollbackLogLines,
  sloReport,
  writeReleaseEvidence,
  type PendingRollback,
  type ReleaseDriver,
} from '@runledger/runtime';
import type { ApiInstance, RouteContext } from '../context.js';
import { errors } from '../schemas.js';
import { tarOf } from '../export.js';
import {
  CreateReleaseBody,
  EmptyBody,
  Release,
  ReleaseDetail,
  ReleaseLogQuery,
  ReleaseParams,
  ReleasesPage,
  ReleasesQuery,
  ReleaseTargets,
  RollbackBody,
  RollbackResult,
} from './schemas.js';

const tags = ['releases'];

const jsonOf = (l: { release: CoreRelease; pending: PendingRollback | null }): Static<typeof Release> => releaseJson(l.release, l.pending);

export function releaseJson(r: CoreRelease, pending: PendingRollback | null): Static<typeof Release> {
  return { ...r, gates: [...r.gates], bake: { ...r.bake, failHealth: [...r.bake.failHealth] }, pendingRollback: pending };
}

export function releaseRoutes(app: ApiInstance, rc: RouteContext, driver: ReleaseDriver): void {
  const svc = driver.service;
  const load = async (id: string) => {
    const l = await svc.load(id);
    return releaseJson(l.release, l.pending);
  };

  app.get(
    '/releases',
    {
      config: { role: 'viewer' },
      schema: { tags, summary: 'Releases, newest first', querystring: ReleasesQuery, response: { 200: ReleasesPage, ...errors(400, 401, 403, 429) } },
    },
    async (req) => {
      const q = req.query;
      const rows = await svc.releases.list({
        ...(q.service !== undefined ? { service: q.service } : {}),
        ...(q.env !== undefined ? { env: q.env } : {}),
        ...(q.state !== undefined ? { states: [q.state as string] } : {}),
        limit: q.limit,
        ...(q.before !== undefined ? { before: q.before } : {}),
      });
      return { releases: rows.map((row) => jsonOf(loaded(row))) };
    },
  );

  app.get(
    '/releases/targets',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Each service and environment: the release running now and the newest one',
        response: { 200: ReleaseTargets, ...errors(401, 403, 429) },
      },
    },
    async () => {
      const targets = [];
      for (const row of await svc.releases.latestPerTarget()) {
        const all = await svc.ofTarget(row.service, row.env);
        const cur = currentRelease(all, row.service, row.env);
        targets.push({
          service: row.service,
          env: row.env,
          current: cur ? { id: cur.id, version: cur.version } : null,
          latest: jsonOf(loaded(row)),
        });
      }
      return { targets };
    },
  );

  app.get(
    '/releases/log',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Seed 003’s rollback log, one line per release.rollback entry: `<time> | rollback | <outcome> | from=… | to=… | actor=… | reason=…`',
        querystring: ReleaseLogQuery,
        produces: ['text/plain'],
        response: { 200: Type.String(), ...errors(400, 401, 403, 429) },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const filtered = q.service !== undefined || q.env !== undefined;
      const rows = filtered ? await svc.releases.list({ ...(q.service ? { service: q.service } : {}), ...(q.env ? { env: q.env } : {}), limit: 100_000 }) : [];
      const lines = await rollbackLogLines(rc.ctx.ledger.store, filtered ? new Set(rows.map((r) => r.id)) : undefined, q.limit);
      return reply.header('content-type', 'text/plain; charset=utf-8').send(
        lines
          .slice(-q.limit)
          .map((l) => `${l}\n`)
          .join(''),
      );
    },
  );

  app.get(
    '/releases/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'A release: its gates with their runs, bake window, timeline and the incidents of its window',
        params: ReleaseParams,
        response: { 200: ReleaseDetail, ...errors(401, 403, 404, 429) },
      },
    },
    async (req) => {
      const l = await svc.load(req.params.id);
      const r = l.release;
      const window = releaseWindow(r, rc.now().toISOString());
      const incidents = (await rc.operations.service.incidents.list({ limit: 500 }))
        .filter((i) => {
          const labels = (i.context as { labels?: Record<string, string> } | null)?.labels;
          // Another environment's incident (labelled env=staging, say) is not this release's.
          const env = labels?.['env'] ?? labels?.['environment'];
          return labels?.['service'] === r.service && (env === undefined || env === r.env) && i.openedAt >= (r.deployStartedAt ?? window.from);
        })
        .map((i) => ({ id: i.id, title: i.title, severity: i.severity as 'SEV-1' | 'SEV-2' | 'SEV-3', state: i.state, openedAt: i.openedAt }));
      const timeline = (await svc.releases.facts(r.id)).map((f) => ({ seq: f.seq, at: f.at, type: f.type, fact: f.fact as Record<string, unknown> }));
      const deployed = r.state === 'verifying' || r.state === 'announced' || r.state === 'failed';
      return { release: releaseJson(r, l.pending), timeline, incidents, canRollback: deployed && !rollbackRunning(r) && l.pending === null };
    },
  );

  app.post(
    '/releases',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Create a release (planned) with the catalog’s gates and runbooks; `deploy: true` starts its deploy at once',
        body: CreateReleaseBody,
        response: { 201: Release, ...errors(400, 401, 403, 409, 429, 503) },
      },
    },
    async (req, reply) => {
      rc.requireAccepting();
      const b = req.body;
      const by = req.principal!.actor.id;
      let r = await svc.create({
        service: b.service,
        env: b.env,
        version: b.version,
        artifact: b.artifact,
        ...(b.manifestDigest !== undefined ? { manifestDigest: b.manifestDigest } : {}),
        ...(b.migration ? { migration: b.migration } : {}),
        requestedBy: by,
        ...(b.bakeMs !== undefined ? { bake: { durationMs: b.bakeMs } } : {}),
      });
      if (b.deploy) r = await svc.deploy(r.id, by);
      return reply.code(201).send(releaseJson(r, null));
    },
  );

  app.post(
    '/releases/:id/deploy',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Start a planned release’s deploy (refused while another release of the service and environment is busy)',
        params: ReleaseParams,
        body: EmptyBody,
        response: { 202: Release, ...errors(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (req, reply) => {
      rc.requireAccepting();
      const r = await svc.deploy(req.params.id, req.principal!.actor.id);
      return reply.code(202).send(await load(r.id));
    },
  );

  app.post(
    '/releases/rollback',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary:
          'Roll a service back in an environment: the ledger is verified first (an admin may override with a reason); it starts, or waits for someone else’s approval (production, or a destructive downgrade)',
        body: RollbackBody,
        response: { 202: RollbackResult, ...errors(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (req, reply) => {
      rc.requireAccepting();
      const b = req.body;
      const p = req.principal!;
      const out = await driver.rollback({
        service: b.service,
        env: b.env,
        ...(b.from !== undefined ? { from: b.from } : {}),
        ...(b.to !== undefined ? { to: b.to } : {}),
        ...(b.revision !== undefined ? { revision: b.revision } : {}),
        reason: b.reason,
        actor: p.actor.id,
        roles: p.roles,
        ...(b.override ? { override: b.override } : {}),
      });
      const id = 'started' in out ? out.started.id : out.release.id;
      return reply.code(202).send({ release: await load(id), pending: 'pending' in out });
    },
  );

  app.post(
    '/releases/:id/rollback/approve',
    {
      config: { role: 'approver' },
      schema: {
        tags,
        summary: 'Approve the rollback waiting on this release (someone other than who asked); it is planned again now and starts',
        params: ReleaseParams,
        body: EmptyBody,
        response: { 202: Release, ...errors(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (req, reply) => {
      rc.requireAccepting();
      const p = req.principal!;
      const r = await driver.approve(req.params.id, p.actor.id, p.roles);
      return reply.code(202).send(await load(r.id));
    },
  );

  app.post(
    '/releases/:id/rollback/cancel',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Withdraw the rollback waiting for an approval',
        params: ReleaseParams,
        body: EmptyBody,
        response: { 200: Release, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => {
      const r = await driver.cancelPending(req.params.id);
      return load(r.id);
    },
  );

  app.get(
    '/releases/:id/evidence',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary:
          'The release’s evidence bundle (tar): MANIFEST.json, its receipt, the release record, its ledger entries with receipts, incidents, SLO report, drills, hand-offs, artifacts; check it with `runledger-verify evidence DIR --trust FILE`',
        params: ReleaseParams,
        produces: ['application/x-tar'],
        response: { 200: Type.Unknown({ description: 'a ustar archive of the bundle directory' }), ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      const tmp = await mkdtemp(join(tmpdir(), 'runledger-release-evidence-'));
      try {
        const r = await svc.get(req.params.id);
        const root = `release-${r.id}-evidence`;
        const dir = join(tmp, root);
        const ledger = evidenceLedgerOf(rc.ctx.ledger.writer!, rc.ctx.ledger.reader);
        // The SLO report for the release's window, from the same recorded history `slo report` reads.
        const health = rc.health.service;
        const w = releaseWindow(r, rc.now().toISOString());
        const slo =
          health && health.catalogInForce.slos.length > 0 ? await sloReport(health, Date.parse(w.from), Date.parse(w.to), rc.health.sloOptions) : undefined;
        const written = await writeReleaseEvidence(svc, rc.ctx.ledger.store, r.id, {
          dir,
          actor: p.actor,
          ...(slo ? { slo } : {}),
          ledger: { ...ledger, append: async (d) => rc.append(d) },
        });
        // The export's archiver; read whole here, since the staging directory goes when the request ends.
        const tar = await tarOf(dir, root, Math.floor(rc.now().getTime() / 1000));
        const parts: Buffer[] = [];
        for await (const chunk of tar.chunks) parts.push(chunk);
        return reply
          .header('content-type', 'application/x-tar')
          .header('content-disposition', `attachment; filename="${root}.tar"`)
          .header('cache-control', 'no-store')
          .header('x-runledger-manifest-sha256', written.manifestSha256)
          .header('x-runledger-ledger-seq', String(written.index))
          .send(Buffer.concat(parts));
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
  );
}
