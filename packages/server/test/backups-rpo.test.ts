// RPO measured in the server (SQLite): the newest verified backup's age on /metrics, the checklist item
// `backup: fresh` both ways, and BackupRpoBreached opened through the incident path and resolved when a
// fresh backup appears; AnchorStale the same way for an anchor destination not current for too long.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { backupNow, parseDestination } from '@runledger/runtime';
import { sqliteFactory, tempDir, until } from '@runledger/testkit';
import { harness, type Harness } from './helpers.js';

after(() => sqliteFactory.teardown());

const actor = { kind: 'user' as const, id: 'ada' };

interface Incident {
  id: string;
  title: string;
  severity: string;
  state: string;
}

async function openIncident(h: Harness, title: RegExp): Promise<Incident | undefined> {
  const r = await h.inject({ url: '/api/v1/incidents?state=open', token: h.tokens.viewer });
  return (r.json as { incidents: Incident[] }).incidents.find((i) => title.test(i.title));
}

async function stateOf(h: Harness, id: string): Promise<string> {
  return ((await h.inject({ url: `/api/v1/incidents/${id}`, token: h.tokens.viewer })).json as { state: string }).state;
}

describe('backup RPO in the server', () => {
  it('metrics, the `backup: fresh` item and BackupRpoBreached follow the newest verified backup', async () => {
    const root = tempDir('runledger-backup-rpo-');
    const dir = join(root, 'backups');
    const catalog = join(root, 'catalog.yaml');
    writeFileSync(catalog, 'checklists:\n  - name: backed-up\n    items:\n      - backup: fresh\n');
    let clock = Date.now();
    const h = await harness(await sqliteFactory.create(), {
      clock: () => new Date(clock),
      backups: { dir, rpoTargetSeconds: 900 },
      freshnessEveryMs: 3_600_000,
      health: { catalogPath: catalog, checklistEveryMs: 3_600_000 },
    });
    try {
      assert.ok(h.app.backups);
      // No backup: the target is exported, the age is absent, the item fails, the alert opens.
      let m = (await h.inject({ url: '/metrics' })).text;
      assert.match(m, /^runledger_backup_rpo_target_seconds 900$/m);
      assert.match(m, /^runledger_backup_age_seconds \+Inf$/m);
      assert.match(m, /^runledger_backup_last_bytes 0$/m);
      let item = (await h.app.health.evaluateOne('backed-up'))!;
      assert.equal(item.healthy, false);
      assert.match(JSON.stringify(item.items[0]!.evidence), /no verified backup in/);
      await h.app.checkFreshness();
      const breach = await until('BackupRpoBreached opens an incident', () => openIncident(h, /has no verified backup/));
      assert.equal(breach.severity, 'SEV-2');

      // A backup: fresh, so the alert resolves; the age, the bytes and the item follow.
      const b = await backupNow({ ctx: h.server.engineContext.ledger, dir, actor, now: () => new Date(clock) });
      clock += 60_000;
      await h.app.checkFreshness();
      await until('the incident resolves', async () => (await stateOf(h, breach.id)) === 'resolved');
      m = (await h.inject({ url: '/metrics' })).text;
      assert.match(m, /^runledger_backup_age_seconds 60$/m);
      assert.match(m, new RegExp(`^runledger_backup_last_bytes ${b.bytes}$`, 'm'));
      item = (await h.app.health.evaluateOne('backed-up'))!;
      assert.equal(item.healthy, true, JSON.stringify(item));
      assert.deepEqual((item.items[0]!.evidence as { newest: { id: string } }).newest.id, b.id);
      const verifications = h.app.backups.verifier.hashed;
      await h.inject({ url: '/metrics' });
      assert.equal(h.app.backups.verifier.hashed, verifications, 'a scrape does not hash the backup again');

      // Past the target: breached again, with the age in the summary.
      clock += 1000 * 1000;
      item = (await h.app.health.evaluateOne('backed-up'))!;
      assert.equal(item.healthy, false);
      assert.match(JSON.stringify(item.items[0]!.evidence), /over the target of 900 s/);
      await h.app.checkFreshness();
      const again = await until('breached again', () => openIncident(h, /newest verified backup is 1060 s old, over the RPO target of 900 s/));
      assert.equal(again.state, 'triggered');

      // A backup whose data no longer matches its digests does not count.
      writeFileSync(join(b.path, 'trust.vkeys'), '# emptied\n');
      const fresh = await backupNow({ ctx: h.server.engineContext.ledger, dir, actor, now: () => new Date(clock) });
      writeFileSync(join(fresh.path, 'runledger.db'), 'not the snapshot');
      assert.equal((await h.app.backups.fact()).ok, false);
      assert.match((await h.inject({ url: '/metrics' })).text, /^runledger_backup_age_seconds \+Inf$/m);
      assert.match(h.app.backups.verifier.problemOf(fresh.id)!, /runledger\.db has/);
    } finally {
      await h.close();
    }
  });

  it('AnchorStale opens when a destination has not held the live head for longer than the limit, and resolves when it does again', async () => {
    const root = tempDir('runledger-anchor-stale-');
    const anchors = join(root, 'offhost');
    let clock = Date.now();
    const h = await harness(await sqliteFactory.create(), {
      clock: () => new Date(clock),
      anchors: { destinations: [parseDestination(anchors, root)], intervalMs: 3_600_000, maxAgeSeconds: 300 },
      freshnessEveryMs: 3_600_000,
    });
    try {
      await h.app.anchors!.shipNow();
      await h.app.checkFreshness();
      assert.equal(await openIncident(h, /Anchor destination/), undefined, 'current: no alert');
      clock += 301_000;
      await h.app.checkFreshness();
      const stale = await until('AnchorStale opens an incident', () =>
        openIncident(h, /Anchor destination .* has not held the live ledger head for 301 s \(limit 300 s\)/),
      );
      assert.ok(stale.title.includes(anchors), 'named by its directory');
      await h.app.anchors!.shipNow();
      await h.app.checkFreshness();
      await until('the incident resolves', async () => (await stateOf(h, stale.id)) === 'resolved');
    } finally {
      await h.close();
    }
  });
});
