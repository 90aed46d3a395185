// Ledger: head, entries, proofs and operator notes.
import { toBase64 } from '@runledger/ledger';
import { consistencyFor, receiptFor } from '@runledger/runtime';
import { StoreError, type StoredCheckpoint, type StoredEntry } from '@runledger/store';
import { Readable } from 'node:stream';
import { ApiError } from '../errors.js';
import { Type } from 'typebox';
import { exportToTemp, tarOf } from '../export.js';
import type { ApiInstance, RouteContext } from '../context.js';
import {
  ConsistencyProof,
  ConsistencyQuery,
  EntriesPage,
  EntriesQuery,
  errors,
  IdempotencyHeaders,
  InclusionQuery,
  LastVerification,
  LedgerEntry,
  LedgerHead,
  LedgerSearchPage,
  LedgerSearchQuery,
  NoteBody,
  NoteResult,
  SeqParams,
  Verification,
} from '../schemas.js';
import { LastVerification as LastVerificationStore, verifyLedger } from '../verification.js';
import { actorIds } from '../actor-filter.js';
import { timeRange } from '../query-time.js';

function entryJson(e: StoredEntry): { seq: number; leaf: string; entry: StoredEntry['entry'] } {
  return { seq: e.seq, leaf: toBase64(e.leaf), entry: e.entry };
}

function checkpointJson(cp: StoredCheckpoint): { size: number; root: string; checkpoint: string } {
  return { size: cp.size, root: toBase64(cp.root), checkpoint: cp.note };
}

export function ledgerRoutes(app: ApiInstance, rc: RouteContext): void {
  const reader = rc.ctx.ledger.reader;
  const tags = ['ledger'];

  app.get(
    '/ledger/head',
    {
      config: { role: 'viewer' },
      schema: { tags, summary: 'Size, root and the latest signed checkpoint', response: { 200: LedgerHead, ...errors(401, 403, 429, 503) } },
    },
    async () => {
      const cp = await reader.latestCheckpoint();
      if (!cp) throw new StoreError('LEDGER_NOT_INITIALISED', 'the ledger has no signed checkpoint yet');
      return { origin: rc.ctx.ledger.origin, size: cp.size, root: toBase64(cp.root), checkpoint: cp.note };
    },
  );

  app.get(
    '/ledger/entries',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Entries from seq `from`, in order',
        querystring: EntriesQuery,
        response: { 200: EntriesPage, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (req) => {
      const { from, limit } = req.query;
      const size = (await reader.head()).size;
      const rows = from >= size ? [] : await reader.entries(from, Math.min(limit, size - from));
      const last = rows.at(-1);
      return { entries: rows.map(entryJson), next: last && last.seq + 1 < size ? last.seq + 1 : null };
    },
  );

  app.get(
    '/ledger/search',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Entries newest first, filtered by type (or type prefix), run, actor and time; page with `before`',
        querystring: LedgerSearchQuery,
        response: { 200: LedgerSearchPage, ...errors(400, 401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      const q = req.query;
      const range = timeRange(q);
      const run = q.run === undefined ? undefined : await rc.ctx.runs.findRun(q.run);
      const ids = q.actor === undefined ? undefined : new Set(actorIds(q.actor));
      const size = (await reader.head()).size;
      // Only signed entries, as /ledger/entries: nothing beyond the latest checkpoint.
      const before = Math.min(q.before ?? size, size);
      const page = await reader.search({
        ...(q.type === undefined ? {} : q.type.endsWith('*') ? { typePrefix: q.type.slice(0, -1) } : { types: [q.type] }),
        ...(run ? { idemPrefix: `run:${run.id}:` } : {}),
        ...range,
        ...(ids ? { match: (e: StoredEntry['entry']) => ids.has(e.actor.id) } : {}),
        before,
        limit: q.limit,
      });
      return { entries: page.entries.map(entryJson), next: page.next, scanned: page.scanned };
    },
  );

  app.get(
    '/ledger/entries/:seq',
    {
      config: { role: 'viewer' },
      schema: { tags, summary: 'One entry', params: SeqParams, response: { 200: LedgerEntry, ...errors(400, 401, 403, 404, 429, 503) } },
    },
    async (req) => {
      const size = (await reader.head()).size;
      const e = req.params.seq < size ? await reader.entry(req.params.seq) : undefined;
      if (!e) throw new StoreError('NOT_FOUND', `no entry ${req.params.seq}; the ledger has ${size}`);
      return entryJson(e);
    },
  );

  app.get(
    '/ledger/proof/inclusion',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'A C2SP tlog-proof receipt for entry `index` under the checkpoint of `size` (default: the latest)',
        querystring: InclusionQuery,
        produces: ['text/plain'],
        response: { 200: Type.String(), ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (req, reply) => {
      const text = await receiptFor(reader, req.query.index, req.query.size);
      return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(text);
    },
  );

  app.get(
    '/ledger/proof/consistency',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'RFC 6962 consistency proof between two signed sizes',
        querystring: ConsistencyQuery,
        response: { 200: ConsistencyProof, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (req, reply) => {
      const r = await consistencyFor(reader, req.query.from, req.query.to);
      return reply.header('cache-control', 'no-store').send({ from: checkpointJson(r.from), to: checkpointJson(r.to), proof: r.proof.map(toBase64) });
    },
  );

  app.post(
    '/ledger/notes',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Append an operator note (type ops.note) with the token as actor; `Idempotency-Key` makes a retry return the first entry',
        headers: IdempotencyHeaders,
        body: NoteBody,
        response: { 200: NoteResult, 201: NoteResult, ...errors(400, 401, 403, 409, 413, 429, 503) },
      },
    },
    async (req, reply) => {
      rc.requireAccepting();
      const p = req.principal!;
      const key = req.headers['idempotency-key'];
      const r = await rc.append({
        type: 'ops.note',
        actor: p.actor,
        ...(req.body.subject ? { subject: req.body.subject } : {}),
        data: { text: req.body.text },
        // Scoped to the token: two callers cannot collide on each other's keys.
        ...(key !== undefined ? { idem: `api:${p.token.name}:note:${key}` } : {}),
      });
      return reply.status(r.duplicate ? 200 : 201).send({ seq: r.seq, duplicate: r.duplicate, checkpointSize: r.checkpointSize });
    },
  );

  app.get(
    '/ledger/export',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'The whole ledger as a runledger-export/1 bundle in a tar archive (one read snapshot), for `runledger-verify`',
        produces: ['application/x-tar'],
        response: {
          200: Type.Unknown({ description: 'a ustar archive: runledger-export-<size>/{MANIFEST.json,entries.jsonl,checkpoints/}' }),
          ...errors(401, 403, 429, 503),
        },
      },
    },
    async (req, reply) => {
      const ex = await exportToTemp(reader);
      const name = `runledger-export-${ex.result.size}`;
      let cleaned = false;
      const cleanup = (): void => {
        if (!cleaned) {
          cleaned = true;
          void ex.cleanup();
        }
      };
      let archive;
      try {
        archive = await tarOf(ex.dir, name, Math.floor(rc.now().getTime() / 1000));
        // Recorded before it is sent: who took which snapshot, even if the download is cut short.
        await rc.append({
          type: 'audit.export',
          actor: req.principal!.actor,
          subject: { kind: 'ledger', id: rc.ctx.ledger.origin },
          data: { size: ex.result.size, root: ex.result.root, bytes: archive.bytes, format: 'runledger-export/1 (tar)', requestId: req.id },
        });
      } catch (e) {
        cleanup();
        throw e;
      }
      const stream = Readable.from(archive.chunks);
      // The temporary export goes when the archive is sent or the client goes away.
      stream.on('close', cleanup);
      stream.on('error', (e) => {
        req.log.error({ err: e }, 'export archive failed');
        cleanup();
      });
      return reply
        .header('content-type', 'application/x-tar')
        .header('content-length', String(archive.bytes))
        .header('content-disposition', `attachment; filename="${name}.tar"`)
        .header('x-ledger-size', String(ex.result.size))
        .header('x-ledger-root', ex.result.root)
        .header('cache-control', 'no-store')
        .send(stream);
    },
  );

  let verifying = false;
  const last = new LastVerificationStore(rc);
  app.post(
    '/ledger/verify',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary:
          'Export the ledger and verify it with the standalone verifier against the trust file, as an auditor would; the result (also a fault: `unknown`) is kept as the last verification and recorded in the ledger (audit.verification)',
        response: { 200: Verification, ...errors(401, 403, 409, 429, 500, 503) },
      },
    },
    async (req, reply) => {
      if (verifying) throw new ApiError('VERIFY_BUSY', 'a verification is already running; its result will be the last verification');
      verifying = true;
      try {
        const v = await verifyLedger(rc, last, {
          actor: req.principal!.actor,
          requestId: req.id,
          onUnrecorded: (e) => req.log.error({ err: e }, 'the verification could not be recorded in the ledger'),
        });
        if (!v.ok) req.log.error({ problem: v.problem, result: v.result }, 'ledger verification did not pass');
        return reply.header('cache-control', 'no-store').send(v);
      } finally {
        verifying = false;
      }
    },
  );

  app.get(
    '/ledger/verify',
    {
      config: { role: 'viewer' },
      schema: { tags, summary: 'The last verification’s result (null if none yet)', response: { 200: LastVerification, ...errors(401, 403, 429, 503) } },
    },
    async (_req, reply) => {
      return reply.header('cache-control', 'no-store').send({ last: await last.get() });
    },
  );
}
