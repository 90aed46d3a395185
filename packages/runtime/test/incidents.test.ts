// The incident service over a real store (SQLite and PostgreSQL), with a clock the test moves: grouping,
// severity, deadlines that fire at their minute and not before, acknowledgement cancelling them, exactly
// once across two services on one database and across a restart, de-duplicated bodies, auto-resolve
// only when every alert resolved, resolves to everyone who got the trigger, silences recorded as
// skipped, and every fact in the ledger.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseOperationsText, type IntakeAlert, type OperationsConfig } from '@runledger/core';
import { LedgerReader } from '@runledger/store';
import { locationOf, pgFactory, sqliteFactory, type FixtureFactory } from '@runledger/testkit';
import { IncidentService, initLedger, OperationsHost, openLedger, pumpOutbox, type LedgerContext, type LedgerLocation } from '../src/index.js';

const CONFIG = `
receivers:
  - name: oncall-critical
    email: { to: [critical@example.test], from: rl@example.test, smtp: { host: 127.0.0.1, port: 1 } }
  - name: oncall-high
    email: { to: [high@example.test], from: rl@example.test, smtp: { host: 127.0.0.1, port: 1 } }
  - name: oncall-standard
    email: { to: [standard@example.test], from: rl@example.test, smtp: { host: 127.0.0.1, port: 1 } }
route:
  receiver: oncall-standard
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall-critical
      escalation: sev1
    - matchers: ['severity="high"']
      receiver: oncall-high
people:
  - name: carol
    email: carol@example.test
escalationPolicies:
  - name: sev1
    levels:
      - after: 0m
        targets: [receiver:oncall-critical]
      - after: deadline
        targets: [person:carol]
incidents:
  ackDeadlines: { SEV-1: 15m, SEV-2: 30m, SEV-3: 4h }
  flapWindow: 5m
`;

function config(text = CONFIG): OperationsConfig {
  const r = parseOperationsText(text, 'ops.yaml');
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  return r.config;
}

const T0 = Date.parse('2026-12-07T14:45:00.000Z');

function alert(name: string, instance: string, severity: string, status: 'firing' | 'resolved' = 'firing'): IntakeAlert {
  const labels = { alertname: name, service: 'db', env: 'prod', instance, severity };
  return { fingerprint: `${name}-${instance}`, labels, annotations: {}, startsAt: new Date(T0).toISOString(), status };
}

class Clock {
  constructor(public ms = T0) {}
  now = (): Date => new Date(this.ms);
}

function suite(factory: FixtureFactory): void {
  describe(`incidents on ${factory.name}`, () => {
    before(() => factory.setup());
    after(() => factory.teardown());
    const open: LedgerContext[] = [];
    after(async () => {
      for (const c of open) await c.close();
    });

    async function fresh(): Promise<LedgerLocation> {
      const f = await factory.create();
      const loc = locationOf(f);
      await initLedger(loc, { origin: 'incidents.test/ledger', actor: { kind: 'user', id: 'alice' } });
      return loc;
    }

    async function service(loc: LedgerLocation, clock: Clock, cfg = config()): Promise<{ svc: IncidentService; ledger: LedgerContext }> {
      const ledger = await openLedger(loc, { write: true });
      open.push(ledger);
      const svc = new IncidentService({ store: ledger.store, operations: () => ({ config: cfg, digest: 'sha256:test', path: 'ops.yaml' }), clock: clock.now });
      return { svc, ledger };
    }

    it('groups alerts into one SEV-1 incident, pages level 0, and misses the deadline at 15:00, not at 14:59.999', async () => {
      const loc = await fresh();
      const clock = new Clock();
      const { svc } = await service(loc, clock);
      const r = await svc.receive('am', 'alertmanager', { n: 1 }, [alert('DiskFull', 'db-1', 'critical'), alert('DiskFull', 'db-2', 'critical')]);
      assert.equal(r.body, 'stored');
      assert.equal(r.incidents.length, 1, 'two alerts with the same group labels make one incident');
      const v = await svc.get(r.incidents[0]!);
      assert.equal(v.model.severity, 'SEV-1');
      assert.equal(v.model.state, 'triggered');
      assert.equal(v.model.alerts.length, 2);
      assert.equal(v.row.ackDueAt, '2026-12-07T15:00:00.000Z');
      const d0 = await svc.deliveries.list({ incidentId: v.row.id });
      assert.deepEqual(
        d0.map((d) => [d.receiver, d.state, d.event]),
        [['oncall-critical', 'pending', 'triggered']],
      );

      clock.ms = Date.parse('2026-12-07T14:59:59.999Z');
      assert.equal(await svc.fireDue(), 0, 'nothing is due a millisecond early');
      clock.ms = Date.parse('2026-12-07T15:00:00.000Z');
      assert.ok((await svc.fireDue()) >= 1);
      const after15 = await svc.get(v.row.id);
      const types = after15.facts.map((f) => f.type);
      assert.ok(types.includes('deadline.missed'));
      const escalated = after15.facts.filter((f) => f.type === 'escalated').map((f) => (f.fact as { level: number }).level);
      assert.deepEqual(escalated, [0, 1], 'level 1 fired at the deadline');
      const receivers = (await svc.deliveries.list({ incidentId: v.row.id })).map((d) => `${d.event}:${d.receiver}`);
      assert.ok(receivers.includes('escalated:person:carol'), receivers.join(', '));
      assert.equal(await svc.fireDue(), 0, 'a fired timer does not fire again');
    });

    it('an acknowledgement at 14:59 cancels the deadline and the escalation', async () => {
      const loc = await fresh();
      const clock = new Clock();
      const { svc } = await service(loc, clock);
      const r = await svc.receive('am', 'alertmanager', { n: 2 }, [alert('DiskFull', 'db-1', 'critical')]);
      clock.ms = Date.parse('2026-12-07T14:59:00.000Z');
      const v = await svc.act(r.incidents[0]!, { type: 'acknowledge', by: 'user:alice' });
      assert.equal(v.model.state, 'acknowledged');
      assert.equal(v.row.owner, 'user:alice');
      assert.equal(v.row.ackDueAt, null);
      assert.equal(await svc.incidents.pendingTimerCount(), 0);
      clock.ms = Date.parse('2026-12-07T15:00:00.000Z');
      assert.equal(await svc.fireDue(), 0);
      await assert.rejects(svc.act(r.incidents[0]!, { type: 'acknowledge', by: 'user:bob' }), { code: 'INCIDENT_ALREADY_ACKNOWLEDGED' });
    });

    it('a body delivered twice is stored once; a resolve of one alert keeps the incident open, of all resolves it and tells who got the trigger', async () => {
      const loc = await fresh();
      const clock = new Clock();
      const { svc, ledger } = await service(loc, clock);
      const body = { status: 'firing', alerts: ['a', 'b'] };
      const first = await svc.receive('am', 'alertmanager', body, [alert('Lag', 'db-1', 'high'), alert('Lag', 'db-2', 'high')]);
      const again = await svc.receive('am', 'alertmanager', { alerts: ['a', 'b'], status: 'firing' }, [
        alert('Lag', 'db-1', 'high'),
        alert('Lag', 'db-2', 'high'),
      ]);
      assert.equal(again.body, 'duplicate', 'the same body in another key order is the same body');
      const id = first.incidents[0]!;
      assert.equal((await svc.get(id)).model.severity, 'SEV-2');
      clock.ms += 60_000;
      await svc.receive('am', 'alertmanager', { r: 1 }, [alert('Lag', 'db-1', 'high', 'resolved')]);
      assert.equal((await svc.get(id)).model.state, 'triggered', 'one payload saying resolved does not resolve the incident');
      await svc.receive('am', 'alertmanager', { r: 2 }, [alert('Lag', 'db-2', 'high', 'resolved')]);
      const done = await svc.get(id);
      assert.equal(done.model.state, 'resolved');
      const ds = await svc.deliveries.list({ incidentId: id });
      assert.deepEqual(
        ds.map((d) => `${d.event}:${d.receiver}:${d.state}`),
        ['triggered:oncall-high:pending', 'resolved:oncall-high:pending'],
      );
      // A firing alert inside the flap window reopens; after it, a new incident.
      clock.ms += 4 * 60_000;
      const re = await svc.receive('am', 'alertmanager', { f: 1 }, [alert('Lag', 'db-1', 'high')]);
      assert.equal(re.incidents[0], id);
      assert.equal((await svc.get(id)).model.state, 'triggered');
      assert.equal((await svc.get(id)).model.reopened, 1);

      await pumpOutbox(svc.outbox, (d) => ledger.writer!.append(d));
      const entries = await new LedgerReader(ledger.store).entries(0, 1000);
      const types = entries.map((e) => e.entry.type);
      assert.equal(types.filter((t) => t === 'alert.received').length, 4, 'one entry per distinct body');
      assert.equal(types.filter((t) => t.startsWith('incident.')).length, (await svc.get(id)).facts.length, 'every fact is a ledger entry');
      assert.ok(types.includes('incident.reopened'));
      assert.equal(await svc.outbox.size(), 0);
      await pumpOutbox(svc.outbox, (d) => ledger.writer!.append(d));
      assert.equal((await new LedgerReader(ledger.store).entries(0, 1000)).length, entries.length, 'pumping again adds nothing');
    });

    it('an alert firing again after the flap window opens a new incident; the resolved one stays resolved', async () => {
      const loc = await fresh();
      const clock = new Clock();
      const { svc } = await service(loc, clock);
      const first = await svc.receive('am', 'alertmanager', { f: 1 }, [alert('Lag', 'db-1', 'high')]);
      const id = first.incidents[0]!;
      await svc.receive('am', 'alertmanager', { r: 1 }, [alert('Lag', 'db-1', 'high', 'resolved')]);
      assert.equal((await svc.get(id)).model.state, 'resolved');
      // Past the 5-minute flap window: a new incident, started from nothing (not from the resolved one's model).
      clock.ms += 6 * 60_000;
      const again = await svc.receive('am', 'alertmanager', { f: 2 }, [alert('Lag', 'db-1', 'high')]);
      const id2 = again.incidents[0]!;
      assert.notEqual(id2, id);
      const v2 = await svc.get(id2);
      assert.deepEqual([v2.model.state, v2.model.reopened, v2.model.alerts.length], ['triggered', 0, 1]);
      assert.equal((await svc.get(id)).model.state, 'resolved');
      // And once more, past that one's window too.
      await svc.receive('am', 'alertmanager', { r: 2 }, [alert('Lag', 'db-1', 'high', 'resolved')]);
      clock.ms += 6 * 60_000;
      const third = await svc.receive('am', 'alertmanager', { f: 3 }, [alert('Lag', 'db-1', 'high')]);
      assert.ok(![id, id2].includes(third.incidents[0]!));
    });

    it('silences hold back the trigger as skipped records, never the resolve', async () => {
      const loc = await fresh();
      const clock = new Clock();
      const { svc } = await service(loc, clock);
      const { silenceDraft } = await import('../src/index.js');
      await svc.silences.add(
        {
          id: 's1',
          kind: 'maintenance',
          matchers: ['service="db"'],
          startsAt: new Date(T0 - 1000).toISOString(),
          endsAt: new Date(T0 + 3_600_000).toISOString(),
          createdBy: 'user:alice',
          comment: 'db upgrade',
          createdAt: new Date(T0).toISOString(),
        },
        silenceDraft('silence.created', { kind: 'user', id: 'alice' }, 's1', {}),
      );
      const r = await svc.receive('am', 'alertmanager', { s: 1 }, [alert('Lag', 'db-1', 'high')]);
      const ds = await svc.deliveries.list({ incidentId: r.incidents[0]! });
      assert.deepEqual(
        ds.map((d) => [d.receiver, d.state, d.reason, d.detail['silence']]),
        [['oncall-high', 'skipped', 'maintenance', 's1']],
      );
    });

    it('bodies arriving together are stored and applied in one batch; two services racing on one key make one incident and lose no alert', async () => {
      const loc = await fresh();
      const clock = new Clock();
      const a = await service(loc, clock);
      const b = await service(loc, clock);
      // Ten bodies into each service at once, every alert in the same group (one incident key).
      const sends = Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).svc.receive('am', 'alertmanager', { batch: i }, [alert('Saturated', `node-${i}`, 'high')]),
      );
      const results = await Promise.all(sends);
      assert.deepEqual(new Set(results.map((r) => r.body)), new Set(['stored']));
      const ids = new Set(results.flatMap((r) => r.incidents));
      assert.equal(ids.size, 1, `one incident, got ${[...ids].join(', ')}`);
      const [id] = [...ids];
      const v = await a.svc.get(id!);
      assert.deepEqual(v.model.alerts.map((x) => x.fingerprint).sort(), Array.from({ length: 20 }, (_, i) => `Saturated-node-${i}`).sort());
      assert.equal(v.facts.filter((f) => f.type === 'incident.created').length, 1);
      assert.equal((await a.svc.intake.unprocessed()).length, 0, 'every body is marked applied');
      assert.equal((await a.svc.intake.bodiesOfIncident(id!)).length, 20, 'every body is linked to the incident as evidence');
      const pages = (await a.svc.deliveries.list({ incidentId: id! })).filter((d) => d.event === 'triggered');
      assert.equal(pages.length, 1, 'one page for the incident, not one per body');
    });

    it('fires each due timer exactly once with two services racing on one database, and after a restart', async () => {
      const loc = await fresh();
      const clock = new Clock();
      const a = await service(loc, clock);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const r = await a.svc.receive('am', 'alertmanager', { i }, [alert(`A${i}`, 'x', 'warning')]);
        ids.push(r.incidents[0]!);
      }
      await a.ledger.close();
      open.splice(open.indexOf(a.ledger), 1);
      // "Restart": two fresh services open the same database after the deadlines were scheduled.
      const b = await service(loc, clock);
      const c = await service(loc, clock);
      clock.ms = T0 + 4 * 3_600_000;
      const [nb, nc] = await Promise.all([b.svc.fireDue(), c.svc.fireDue()]);
      assert.equal(nb + nc, 12, `fired ${nb} + ${nc}`);
      for (const id of ids) {
        const missed = (await b.svc.get(id)).facts.filter((f) => f.type === 'deadline.missed');
        assert.equal(missed.length, 1, `incident ${id} missed its deadline once`);
      }
      assert.equal(await b.svc.fireDue(), 0);
    });
  });
}

describe('the operations host', () => {
  after(() => sqliteFactory.teardown());

  it('raises and resolves alerts through an internal integration, reloads its file with the digest in the ledger, and keeps the old one when the new one is invalid', async () => {
    const f = await sqliteFactory.create();
    const loc = locationOf(f);
    await initLedger(loc, { origin: 'incidents.test/ledger', actor: { kind: 'user', id: 'alice' } });
    const ledger = await openLedger(loc, { write: true });
    const file = join(f.home, 'operations.yaml');
    writeFileSync(file, `integrations:\n  - name: probes\n    type: internal\n${CONFIG}`);
    const host = await OperationsHost.open({ store: ledger.store, append: (d) => ledger.writer!.append(d), configPath: file, env: {} });
    try {
      const r = await host.raise('probes', [{ fingerprint: 'probe:db-ready', labels: { alertname: 'DbNotReady', service: 'db', severity: 'critical' } }]);
      const v = await host.service.get(r.incidents[0]!);
      assert.equal(v.model.severity, 'SEV-1');
      assert.equal(v.context.integration, 'probes');
      await host.raise('probes', [
        { fingerprint: 'probe:db-ready', labels: { alertname: 'DbNotReady', service: 'db', severity: 'critical' }, status: 'resolved' },
      ]);
      assert.equal((await host.service.get(v.row.id)).model.state, 'resolved');
      await assert.rejects(host.raise('nope', []), { code: 'INPUT_INVALID' });

      const first = host.state.digest;
      writeFileSync(file, `integrations:\n  - name: probes\n    type: internal\n${CONFIG.replace('SEV-2: 30m', 'SEV-2: 20m')}`);
      const re = await host.reload();
      assert.ok(re.changed);
      assert.notEqual(re.digest, first);
      assert.equal(host.config.rules.ackDeadlines['SEV-2'], 20 * 60_000);
      writeFileSync(file, 'route: [not, a, mapping]\n');
      await assert.rejects(host.reload(), { code: 'OPERATIONS_CONFIG_INVALID' });
      assert.equal(host.state.digest, re.digest, 'an invalid file keeps the configuration in force');
      await pumpOutbox(host.service.outbox, (d) => ledger.writer!.append(d));
      const loaded = (await new LedgerReader(ledger.store).entries(0, 1000)).filter((e) => e.entry.type === 'operations.config.loaded');
      assert.deepEqual(
        loaded.map((e) => (e.entry.data as { digest: string }).digest),
        [first, re.digest],
      );
    } finally {
      await host.stop();
      await ledger.close();
    }
  });
});

suite(sqliteFactory);
suite(pgFactory());
