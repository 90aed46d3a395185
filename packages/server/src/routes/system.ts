// Liveness, readiness with named checks, and Prometheus metrics. Public: probes and scrapers carry
// no token, and none of these answers holds a secret.
import { sql } from 'kysely';
import { bytesEqual, toBase64 } from '@runledger/ledger';
import { MIGRATION_HEAD } from '@runledger/store';
import type { ApiInstance, RouteContext } from '../context.js';
import { integrityReadiness } from '../integrity.js';
import { Health, Ready } from '../schemas.js';

const CHECK_TIMEOUT_MS = 2000;
const started = Date.now();

interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

async function check(name: string, fn: () => Promise<string>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { name, ok: true, detail };
  } catch (e) {
    return { name, ok: false, detail: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

/** How long a root re-derived at an unchanged head is trusted before /ready derives it again. */
export const ROOT_CHECK_TTL_MS = 60_000;

export function systemRoutes(app: ApiInstance, rc: RouteContext): void {
  const { ctx } = rc;
  const store = ctx.ledger.store;
  // The last head whose stored tree was found to give its signed root: a probe polling /ready does
  // not re-derive it on every call, only when the head moves or the entry is older than the TTL.
  let rootChecked: { size: number; root: string; at: number } | undefined;

  app.get('/health', { schema: { tags: ['system'], summary: 'The process is alive', response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
    version: rc.deps.version,
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
  }));

  app.get(
    '/ready',
    { schema: { tags: ['system'], summary: 'Named readiness checks; 503 unless all pass', response: { 200: Ready, 503: Ready } } },
    async (_req, reply) => {
      const checks = await Promise.all([
        check('database', async () => {
          await sql`select 1`.execute(store.db);
          return `${store.kind} reachable`;
        }),
        check('database-writable', () => store.checkWritable()),
        check('migrations', async () => {
          const head = await store.migrationHead();
          if (head !== MIGRATION_HEAD) throw new Error(`migration head is ${head ?? 'none'}, this build expects ${MIGRATION_HEAD}`);
          return `head ${head}`;
        }),
        check('ledger-writer', async () => {
          const writer = ctx.ledger.writer;
          if (!writer) throw new Error('the ledger is open read-only');
          if (writer.activeSigners.length === 0) throw new Error('no signing key active for this ledger is loaded');
          const cp = await ctx.ledger.reader.latestCheckpoint();
          if (!cp) throw new Error('the ledger has no signed checkpoint');
          // Re-derived from the stored tree nodes, compared with the signed checkpoint's root.
          const signed = toBase64(cp.root);
          const at = rc.now().getTime();
          const cached = rootChecked !== undefined && rootChecked.size === cp.size && rootChecked.root === signed && at - rootChecked.at < ROOT_CHECK_TTL_MS;
          if (!cached) {
            const root = await ctx.ledger.reader.rootAt(cp.size);
            if (!bytesEqual(root, cp.root)) {
              rootChecked = undefined;
              throw new Error(`stored nodes give root ${toBase64(root)} at size ${cp.size}; the signed checkpoint says ${signed}`);
            }
            rootChecked = { size: cp.size, root: signed, at };
          }
          return `size ${cp.size}, root matches the latest checkpoint${cached ? ' (derived at this head within the last minute)' : ''}, ${writer.activeSigners.length} signing key(s)`;
        }),
        check('ledger-integrity', () => integrityReadiness(rc.integrity)),
        check('engine-worker', async () => {
          if (!rc.worker.isAccepting) throw new Error('draining for shutdown');
          const last = rc.worker.lastError;
          return `accepting; ${rc.worker.busy} run(s) driven in the background${last ? `; last background failure at ${last.at} on run ${last.runId}: ${last.message}` : ''}`;
        }),
      ]);
      const ready = checks.every((c) => c.ok);
      return reply.status(ready ? 200 : 503).send({ ready, checks });
    },
  );

  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics (text format)' } }, async (_req, reply) => {
    const text = await rc.metrics.registry.metrics();
    return reply.header('content-type', rc.metrics.registry.contentType).send(text);
  });
}
