// Issue 11's releases end to end through the HTTP API (a listening server, fetch) against the real demo
// service and the example runbooks, on SQLite and PostgreSQL: a good release announced (metrics, an
// evidence bundle that verifies offline with `runledger-verify`); a bad one never announced and rolled
// back with seed 003's entry and log line; a bake-window failure rolled back automatically; a destructive
// migration's rollback refused without a revision, then approved by someone else and run as a
// downgrade; a rollback refused on a tampered ledger, then allowed by a recorded admin override.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initLedger, TRUST_FILE } from '@runledger/runtime';
import { TokenStore, type TokenRole } from '@runledger/store';
import { freePort, pgFactory, sqliteFactory, tempDir, until, type Fixture, type FixtureFactory } from '@runledger/testkit';
import { createApp, openServerEngine, type App, type ServerEngine } from '../src/index.js';
import { locOf } from './helpers.js';

const repo = resolve(import.meta.dirname, '../../..');
const CTL = join(repo, 'examples/demo-service/ctl.sh');
const VERIFY_BIN = join(repo, 'packages/ledger/bin/runledger-verify.js');
const DIGEST = (c: string): string => `sha256:${c.repeat(64)}`;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// Response bodies are read ad hoc in assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

/**
 * The example runbooks with the demo settings' defaults pointing at this test's demo service (a release
 * passes only its own inputs), and a shorter wait for a restarted service's health.
 */
function runbooksFor(demoHome: string, port: number, proxyPort: number): string {
  const dir = tempDir('runledger-release-runbooks-');
  for (const f of readdirSync(join(repo, 'examples/runbooks'))) {
    if (!f.endsWith('.md')) continue;
    const text = readFileSync(join(repo, 'examples/runbooks', f), 'utf8')
      .replaceAll('default: 7390', `default: ${port}`)
      .replaceAll('default: .demo', `default: '${demoHome}'`)
      .replaceAll('default: examples/demo-service/ctl.sh', `default: '${CTL}'`)
      .replaceAll('default: http://127.0.0.1:7391', `default: 'http://127.0.0.1:${proxyPort}'`)
      // A bad version never answers /health: waiting 15 s for it says the same as 60 s, sooner.
      .replaceAll('{#healthy interval=1s timeout=60s}', '{#healthy interval=1s timeout=15s}');
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

function catalogFor(port: number): string {
  const file = join(tempDir('runledger-release-catalog-'), 'catalog.yaml');
  writeFileSync(
    file,
    `services:
  - name: demo
    owner: team-ledger
    severity: SEV-2
    runbooks: { deploy: upgrade-rolling, verify: readiness, rollback: rollback-image, downgrade: rollback-schema }
    release: { checklist: demo-release, postRollback: demo-post-rollback, bake: 2s, autoRollback: on }
    checks:
      - name: liveness
        http: { url: "http://127.0.0.1:${port}/health" }
        interval: 1s
        timeout: 1s
        failureThreshold: 2
        successThreshold: 1
        conditions: ['status == 200', 'json.$.status == "ok"']
      - name: ready
        http: { url: "http://127.0.0.1:${port}/ready" }
        interval: 1s
        timeout: 1s
        failureThreshold: 2
        successThreshold: 1
        conditions: ['status == 200', 'json.$.ready == true']
      - name: queue
        http: { url: "http://127.0.0.1:${port}/queue" }
        interval: 1s
        timeout: 1s
        failureThreshold: 2
        successThreshold: 1
        conditions: ['status == 200']
checklists:
  - name: demo-release
    items:
      - check: demo/liveness
      - check: demo/ready
  - name: demo-post-rollback
    items:
      - check: demo/liveness
      - check: demo/ready
      - check: demo/queue
`,
  );
  return file;
}

function suite(factory: FixtureFactory): void {
  describe(`releases over HTTP against the demo service on ${factory.name}`, () => {
    let fx: Fixture;
    let server: ServerEngine;
    let app: App;
    let base = '';
    let demoHome = '';
    let port = 0;
    const tokens: Record<string, string> = {};

    const ctl = (...args: string[]) =>
      spawnSync(CTL, args, { env: { ...process.env, DEMO_HOME: demoHome, DEMO_PORT: String(port), DEMO_ACTOR: 'test' }, encoding: 'utf8' });
    const demoVersion = async (): Promise<string> => ((await (await fetch(`http://127.0.0.1:${port}/version`)).json()) as { version: string }).version;
    const head = (): string => ctl('schema', 'head').stdout.trim();

    async function call(
      method: 'GET' | 'POST',
      path: string,
      who: string,
      body?: unknown,
    ): Promise<{ status: number; json: Body; text: string; headers: Headers; bytes: Buffer }> {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      const text = bytes.toString('utf8');
      let json: Body;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text, headers: res.headers, bytes };
    }

    function refused(r: { status: number; json: Body }, status: number, code: string): string {
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.equal(r.json?.error?.code, code, JSON.stringify(r.json));
      return r.json.error.message as string;
    }

    const detail = async (id: string): Promise<Body> => {
      const r = await call('GET', `/api/v1/releases/${id}`, 'viewer');
      assert.equal(r.status, 200, r.text);
      return r.json;
    };

    /** Waits until the release rests (not deploying, verifying or rolling back), then returns its detail. */
    async function settled(id: string, what: string, timeoutMs = 90_000): Promise<Body> {
      return until(
        `${what} to rest`,
        async () => {
          const d = await detail(id);
          const r = d.release;
          const busy = r.state === 'deploying' || r.state === 'verifying' || (r.rollback !== undefined && r.rollback.outcome === undefined);
          // A finished rollback is at rest once its post-rollback checks are recorded.
          const checking = r.rollback?.outcome !== undefined && r.postRollbackChecklist !== undefined && r.rollback.postChecks === undefined;
          // An automatic rollback is decided just after the failure: started, or refused.
          const deciding = r.rollbackProposed?.mode === 'on' && r.rollback === undefined && r.rollbackRefused === undefined;
          return busy || checking || deciding ? undefined : d;
        },
        { timeoutMs, everyMs: 100 },
      );
    }

    async function release(version: string, extra: Record<string, unknown> = {}, env = 'staging'): Promise<Body> {
      const r = await call('POST', '/api/v1/releases', 'operator', {
        service: 'demo',
        env,
        version,
        artifact: { ref: `registry.example/demo:${version}`, digest: DIGEST(version.replace(/[^0-9]/g, '').slice(0, 1) || 'a') },
        manifestDigest: DIGEST('b'),
        deploy: true,
        ...extra,
      });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.state, 'deploying');
      return r.json;
    }

    const types = (d: Body): string[] => d.timeline.map((t: { type: string }) => t.type);

    async function ledgerEntries(): Promise<{ type: string; subject: { kind: string; id: string } | null; data: Body }[]> {
      const out = [];
      for (const row of await fx.admin(`SELECT bytes FROM ${fx.table('ledger_entries')} ORDER BY seq`)) {
        out.push(JSON.parse(Buffer.from(row['bytes'] as Uint8Array).toString('utf8')));
      }
      return out;
    }

    before(async () => {
      await factory.setup();
      fx = await factory.create();
      // The demo service: staging, compliance mode, the audit DSN set, a front proxy for release-smoke.
      demoHome = tempDir('runledger-release-demo-');
      port = await freePort();
      const proxyPort = await freePort();
      writeFileSync(
        join(demoHome, 'env'),
        `DEMO_AUDIT_DSN=postgres://audit_writer@127.0.0.1:5432/audit\nDEMO_ENV=staging\nDEMO_COMPLIANCE_MODE=1\nDEMO_PROXY_PORT=${proxyPort}\n`,
      );
      const started = ctl('start');
      assert.equal(started.status, 0, started.stdout + started.stderr);

      const loc = locOf(fx);
      await initLedger(loc, { origin: `releases-api.test/${factory.name}`, actor: { kind: 'user', id: 'setup' } });
      const cwd = tempDir('runledger-release-cwd-');
      server = await openServerEngine(loc, { cwd });
      const ts = new TokenStore(server.engineContext.ledger.store);
      const make = async (key: string, name: string, role: TokenRole): Promise<void> => {
        const r = await ts.create({ name, role, now: new Date().toISOString() });
        assert.ok(r.ok);
        tokens[key] = r.token;
      };
      await make('viewer', 'vera', 'viewer');
      await make('operator', 'olga', 'operator');
      await make('approver', 'bob', 'approver');
      await make('approver2', 'carol', 'approver');
      await make('admin', 'ada', 'admin');
      app = await createApp({
        engineContext: server.engineContext,
        events: server.events,
        version: '0.0.0-test',
        logger: false,
        runbooksDir: runbooksFor(demoHome, port, proxyPort),
        health: { catalogPath: catalogFor(port), flushMs: 100, checklistEveryMs: 500 },
        releases: { pollMs: 200 },
      });
      await app.fastify.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(app.fastify.server.address() as AddressInfo).port}`;
      // The stored ledger's background check has finished before any tampering below.
      assert.equal((await app.integrity.start()).state, 'ok');
      // The checks have seen the service up before the first release.
      await until('demo up', async () => {
        const r = await call('GET', '/api/v1/services/demo', 'viewer');
        return r.json?.state === 'up';
      });
    });

    after(async () => {
      await app?.shutdown();
      await server?.engineContext.close();
      ctl('stop', '--force');
      await factory.teardown();
    });

    let good = '';
    let baseline = '';

    it('a good release is announced only after deploy, verify, checklist and bake; /metrics shows it; its evidence verifies offline', async () => {
      const first = await release('1.0.0');
      const b = await settled(first.id, 'the baseline release');
      assert.equal(b.release.state, 'announced', JSON.stringify(b.release));
      baseline = first.id;

      const r = await release('1.1.0', { migration: { id: '0004_add_column', kind: 'additive', revision: '0004_add_column' } });
      assert.equal(r.previous, baseline);
      const d = await settled(r.id, 'the good release');
      const rel = d.release;
      assert.equal(rel.state, 'announced', JSON.stringify(rel));
      assert.deepEqual(
        rel.gates.map((g: { name: string; kind: string; target?: string; passed: boolean }) => [g.name, g.kind, g.target, g.passed]),
        [
          ['readiness', 'runbook', 'readiness', true],
          ['demo-release', 'checklist', 'demo-release', true],
          ['bake', 'bake', undefined, true],
        ],
      );
      assert.ok(rel.deployRunId, 'the deploy run is linked');
      assert.ok(rel.gates[0].runId, 'the gate run is linked');
      const seq = types(d);
      assert.ok(seq.indexOf('release.announced') > seq.lastIndexOf('gate.decided'), seq.join(', '));
      assert.equal(await demoVersion(), '1.1.0');
      assert.equal(head(), '0004_add_column');
      assert.equal(d.canRollback, true);

      // The runs really ran the example runbooks, and the deploy's run says which release it was.
      const run = await call('GET', `/api/v1/runs/${rel.deployRunId}`, 'viewer');
      assert.equal(run.status, 200, run.text);
      assert.deepEqual(
        [run.json.runbook.id, run.json.state, run.json.environment, run.json.requester],
        ['upgrade-rolling', 'succeeded', 'staging', 'token:olga'],
      );
      assert.equal(run.json.inputs.release, rel.id);
      assert.match(readFileSync(join(demoHome, 'image'), 'utf8'), new RegExp(`release=${rel.id} `));

      const targets = await call('GET', '/api/v1/releases/targets', 'viewer');
      assert.deepEqual(
        targets.json.targets.map((t: Body) => [t.service, t.env, t.current?.version]),
        [['demo', 'staging', '1.1.0']],
      );

      const m = await fetch(`${base}/metrics`);
      const text = await m.text();
      assert.match(text, /^runledger_release_info\{service="demo",env="staging",version="1\.1\.0"\} 1$/m);
      assert.doesNotMatch(text, /^runledger_release_info\{[^}]*version="1\.0\.0"\}/m, 'only the release in place');
      assert.match(text, /^runledger_release_deploys_total\{service="demo",env="staging",outcome="announced"\} 2$/m);

      // The evidence bundle: a tar whose directory verifies with the standalone verifier and the trust file.
      const ev = await call('GET', `/api/v1/releases/${rel.id}/evidence`, 'viewer');
      assert.equal(ev.status, 200, ev.text.slice(0, 500));
      assert.equal(ev.headers.get('content-type'), 'application/x-tar');
      const out = tempDir('runledger-release-evidence-');
      const tarFile = join(out, 'evidence.tar');
      writeFileSync(tarFile, ev.bytes);
      const x = spawnSync('tar', ['-xf', tarFile, '-C', out], { encoding: 'utf8' });
      assert.equal(x.status, 0, x.stderr);
      const dir = join(out, `release-${rel.id}-evidence`);
      const record = JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8'));
      assert.equal(record.id ?? record.release?.id, rel.id, JSON.stringify(record).slice(0, 300));
      const v = spawnSync(process.execPath, [VERIFY_BIN, 'evidence', dir, '--trust', join(fx.home, TRUST_FILE), '--json'], { encoding: 'utf8' });
      assert.equal(v.status, 0, v.stdout + v.stderr);
      good = rel.id;
    });

    it('a bad release fails its verification, is never announced, and rolls back with seed 003’s entry and log line', async () => {
      assert.ok(good);
      const r = await release('1.2.0-bad');
      const d = await settled(r.id, 'the bad release');
      const rel = d.release;
      assert.equal(rel.state, 'rolled_back', JSON.stringify(rel));
      assert.equal(rel.announcedAt, undefined);
      assert.ok(!types(d).includes('release.announced'), types(d).join(', '));
      // The deploy's own step 5 (smoke and verify) finds the bad version unhealthy; the release driver rolls back.
      assert.equal(rel.failure?.gate, 'deploy', JSON.stringify(rel));
      assert.match(rel.failure.reason, /step healthy failed/);
      assert.deepEqual(
        { outcome: rel.rollback.outcome, from: rel.rollback.fromVersion, to: rel.rollback.toVersion, actor: rel.rollback.actor, mode: rel.rollback.mode },
        { outcome: 'success', from: '1.2.0-bad', to: '1.1.0', actor: 'system', mode: 'image-only' },
        JSON.stringify(rel),
      );
      assert.equal(rel.rollback.to, good);
      assert.equal(await demoVersion(), '1.1.0');

      // The ledger holds seed 003's release.rollback entry; the log prints its line.
      const entry = await until('the release.rollback entry', async () =>
        (await ledgerEntries()).find((e) => e.type === 'release.rollback' && e.subject?.id === rel.id),
      );
      assert.deepEqual(
        { outcome: entry.data.outcome, from: entry.data.from, to: entry.data.to, actor: entry.data.actor },
        { outcome: 'success', from: '1.2.0-bad', to: '1.1.0', actor: 'system' },
      );
      const log = await call('GET', '/api/v1/releases/log?service=demo&env=staging', 'viewer');
      assert.equal(log.status, 200, log.text);
      const lines = log.text.trimEnd().split('\n');
      assert.equal(lines.length, 1, log.text);
      assert.match(
        lines[0]!,
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \| rollback \| success \| from=1\.2\.0-bad \| to=1\.1\.0 \| actor=system \| reason=gate \S+ failed: .+$/,
      );
      // Seed 003's post-rollback checks ran and were recorded. (Their verdict is not asserted: the checklist
      // reads the checks' scheduled states, which still say down from the bad version for a moment.)
      assert.equal(typeof rel.rollback.postChecks?.passed, 'boolean', JSON.stringify(rel.rollback));
      assert.ok(types(d).includes('post-rollback.checked'), types(d).join(', '));

      const m = await (await fetch(`${base}/metrics`)).text();
      assert.match(m, /^runledger_release_info\{service="demo",env="staging",version="1\.1\.0"\} 1$/m);
      assert.match(m, /^runledger_release_deploys_total\{service="demo",env="staging",outcome="failed"\} 1$/m);
    });

    it('a bake-window failure (the service broken after the deploy) rolls back automatically', async () => {
      const r = await release('1.3.0', { bakeMs: 120_000 });
      await until(
        'the bake window',
        async () => {
          const x = (await detail(r.id)).release;
          assert.notEqual(x.state, 'failed', JSON.stringify(x));
          return x.state === 'verifying' && x.bakeStartedAt !== undefined;
        },
        { timeoutMs: 60_000 },
      );
      assert.equal(ctl('break').status, 0);
      try {
        const failed = await until(
          'the bake gate to fail',
          async () => {
            const x = (await detail(r.id)).release;
            return x.state !== 'verifying' ? x : undefined;
          },
          { timeoutMs: 60_000 },
        );
        assert.equal(failed.failure?.gate, 'bake', JSON.stringify(failed));
        assert.match(failed.failure.reason, /service health down/);
      } finally {
        // The old image must come up healthy: the break was the new release's, not the service's for good.
        assert.equal(ctl('fix').status, 0);
      }
      const d = await settled(r.id, 'the bake rollback');
      const rel = d.release;
      assert.equal(rel.state, 'rolled_back', JSON.stringify(rel));
      assert.equal(rel.announcedAt, undefined);
      assert.deepEqual(
        { outcome: rel.rollback.outcome, from: rel.rollback.fromVersion, to: rel.rollback.toVersion, actor: rel.rollback.actor },
        { outcome: 'success', from: '1.3.0', to: '1.1.0', actor: 'system' },
        JSON.stringify(rel),
      );
      assert.match(rel.rollback.reason, /^gate bake failed: service health down/);
      assert.equal(await demoVersion(), '1.1.0');
      const log = (await call('GET', '/api/v1/releases/log', 'viewer')).text.trimEnd().split('\n');
      assert.equal(log.length, 2);
      assert.match(log[1]!, / \| rollback \| success \| from=1\.3\.0 \| to=1\.1\.0 \| actor=system \| reason=gate bake failed: service health down/);
    });

    it('a destructive migration’s rollback needs an explicit revision, then someone else’s approval, then runs the downgrade runbook', async () => {
      await until('demo up again', async () => (await call('GET', '/api/v1/services/demo', 'viewer')).json?.state === 'up');
      const r = await release('2.0.0', { migration: { id: '0005_drop_legacy', kind: 'destructive', revision: '0005_drop_legacy' } });
      const up = await settled(r.id, 'the destructive release');
      assert.equal(up.release.state, 'announced', JSON.stringify(up.release));
      assert.equal(head(), '0005_drop_legacy');

      const ask = { service: 'demo', env: 'staging', reason: 'error rate up after 2.0.0' };
      const noRev = refused(await call('POST', '/api/v1/releases/rollback', 'approver', ask), 409, 'ROLLBACK_DESTRUCTIVE_NEEDS_REVISION');
      assert.match(noRev, /0005_drop_legacy/);
      assert.match(noRev, /ran at revision 0004_add_column/);
      assert.equal((await detail(r.id)).release.state, 'announced', 'nothing started');

      const asked = await call('POST', '/api/v1/releases/rollback', 'approver', { ...ask, revision: '0004_add_column' });
      assert.equal(asked.status, 202, asked.text);
      assert.equal(asked.json.pending, true);
      assert.equal(asked.json.release.id, r.id);
      assert.equal(asked.json.release.pendingRollback.revision, '0004_add_column');
      assert.match(asked.json.release.pendingRollback.why, /needs an approval from someone other than token:bob/);
      assert.equal(asked.json.release.rollback, undefined, 'nothing runs before the approval');
      assert.equal(head(), '0005_drop_legacy');

      // Not by who asked, nor by an operator; by another approver.
      refused(await call('POST', `/api/v1/releases/${r.id}/rollback/approve`, 'approver', {}), 403, 'ROLLBACK_NEEDS_APPROVAL');
      refused(await call('POST', `/api/v1/releases/${r.id}/rollback/approve`, 'operator', {}), 403, 'FORBIDDEN_ROLE');
      const ok = await call('POST', `/api/v1/releases/${r.id}/rollback/approve`, 'approver2', {});
      assert.equal(ok.status, 202, ok.text);
      assert.equal(ok.json.rollback?.approvedBy, 'token:carol', ok.text);
      // rollback-schema asks for its own approval before anything changes (seed 000), again not from who asked.
      const runId = await until('the downgrade run', async () => (await detail(r.id)).release.rollback?.runId as string | undefined);
      await until('the downgrade run at its approval', async () => {
        const run = await call('GET', `/api/v1/runs/${runId}`, 'viewer');
        return run.json?.state === 'waiting_approval';
      });
      assert.equal(head(), '0005_drop_legacy', 'nothing changes before the approval');
      refused(await call('POST', `/api/v1/runs/${runId}/approve`, 'approver', { comment: 'mine' }), 403, 'APPROVAL_SELF');
      const gate = await call('POST', `/api/v1/runs/${runId}/approve`, 'approver2', { comment: 'downgrade plan read: 0005_drop_legacy reversed' });
      assert.ok(gate.status === 200 || gate.status === 202, gate.text);
      const d = await settled(r.id, 'the downgrade');
      const rel = d.release;
      assert.equal(rel.state, 'rolled_back', JSON.stringify(rel));
      assert.deepEqual(
        {
          outcome: rel.rollback.outcome,
          mode: rel.rollback.mode,
          revision: rel.rollback.revision,
          approvedBy: rel.rollback.approvedBy,
          actor: rel.rollback.actor,
          to: rel.rollback.toVersion,
        },
        { outcome: 'success', mode: 'downgrade', revision: '0004_add_column', approvedBy: 'token:carol', actor: 'token:bob', to: '1.1.0' },
        JSON.stringify(rel),
      );
      assert.equal(rel.pendingRollback, null);
      const run = await call('GET', `/api/v1/runs/${rel.rollback.runId}`, 'viewer');
      assert.equal(run.status, 200, run.text);
      assert.deepEqual([run.json.runbook.id, run.json.state, run.json.requester], ['rollback-schema', 'succeeded', 'token:bob']);
      assert.equal(run.json.inputs.revision, '0004_add_column');
      assert.equal(head(), '0004_add_column');
      assert.equal(await demoVersion(), '1.1.0');
      assert.match(
        readFileSync(join(demoHome, 'migrations.log'), 'utf8').trimEnd().split('\n').at(-1)!,
        /\| downgrade \| 0005_drop_legacy \| destructive \| head=0004_add_column \|/,
      );
    });

    it('a rollback is refused while the ledger does not verify, naming why; an admin’s override is allowed and recorded', async () => {
      const cur = (await call('GET', '/api/v1/releases/targets', 'viewer')).json.targets[0].current;
      assert.equal(cur.version, '1.1.0');
      // Edit an early entry's bytes in the database, after the server's own check has finished.
      const rows = await fx.admin(`SELECT seq, bytes FROM ${fx.table('ledger_entries')} ORDER BY seq`);
      const victim = rows.find((row) => /"type":"release\.created"/.test(Buffer.from(row['bytes'] as Uint8Array).toString('utf8')))!;
      const edited = Buffer.from(
        Buffer.from(victim['bytes'] as Uint8Array)
          .toString('utf8')
          .replace('"version":"1.0.0"', '"version":"9.0.0"'),
      );
      assert.notDeepEqual(edited, Buffer.from(victim['bytes'] as Uint8Array));
      const lit = fx.dialect === 'postgres' ? `decode('${hex(edited)}', 'hex')` : `X'${hex(edited)}'`;
      await fx.tamper(`UPDATE ${fx.table('ledger_entries')} SET bytes = ${lit} WHERE seq = ${Number(victim['seq'])}`);

      const ask = { service: 'demo', env: 'staging', reason: 'roll 1.1.0 back to 1.0.0' };
      const why = refused(await call('POST', '/api/v1/releases/rollback', 'operator', ask), 409, 'ROLLBACK_LEDGER_UNVERIFIED');
      // The verifier recomputes the edited entry's leaf, so the next entry's prev no longer matches.
      const problem = `the ledger did not verify: ENTRY_PREV_MISMATCH at entry ${Number(victim['seq']) + 1}`;
      assert.ok(why.startsWith(problem), why);
      refused(
        await call('POST', '/api/v1/releases/rollback', 'operator', { ...ask, override: { reason: 'the tampering is understood' } }),
        403,
        'ROLLBACK_OVERRIDE_FORBIDDEN',
      );
      assert.equal((await detail(cur.id)).release.rollback, undefined);

      const over = await call('POST', '/api/v1/releases/rollback', 'admin', { ...ask, override: { reason: 'entry edited in a restore drill; ticket 42' } });
      assert.equal(over.status, 202, over.text);
      assert.equal(over.json.pending, false);
      const d = await settled(cur.id, 'the overridden rollback');
      const fact = d.timeline.find((t: Body) => t.type === 'ledger.override');
      assert.ok(fact, types(d).join(', '));
      assert.equal(fact.fact.by, 'token:ada');
      assert.equal(fact.fact.reason, 'entry edited in a restore drill; ticket 42');
      assert.ok(String(fact.fact.ledger).startsWith(problem), String(fact.fact.ledger));
      assert.deepEqual(
        { outcome: d.release.rollback.outcome, from: d.release.rollback.fromVersion, to: d.release.rollback.toVersion, actor: d.release.rollback.actor },
        { outcome: 'success', from: '1.1.0', to: '1.0.0', actor: 'token:ada' },
        JSON.stringify(d.release),
      );
      assert.equal(await demoVersion(), '1.0.0');
      // The override is a ledger entry of its own (release.ledger.override).
      const entry = await until('the override entry', async () =>
        (await ledgerEntries()).find((e) => e.type === 'release.ledger.override' && e.subject?.id === cur.id),
      );
      assert.equal(entry.data.by, 'token:ada');
    });
  });
}

suite(sqliteFactory);
suite(pgFactory());
