// The server ships the ledger to its anchor destinations (RUNLEDGER_ANCHORS / serve --anchors) and
// reports each destination's age and lag on /metrics.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseDestination, readAnchorDir } from '@runledger/runtime';
import { sqliteFactory, tempDir } from '@runledger/testkit';
import { harness } from './helpers.js';

after(() => sqliteFactory.teardown());

describe('anchors in the server', () => {
  it('ships on start and on demand; /metrics has runledger_anchor_age_seconds and runledger_anchor_lag_entries', async () => {
    const dir = tempDir('runledger-anchors-api-');
    // A long interval: the test drives rounds itself (the first runs at start).
    const h = await harness(await sqliteFactory.create(), { anchors: { destinations: [parseDestination(dir, '/')], intervalMs: 3_600_000 } });
    try {
      assert.ok(h.app.anchors);
      await h.app.anchors.shipNow();
      assert.equal((await readAnchorDir(dir)).length, 1);
      const w = h.server.engineContext.ledger.writer!;
      await w.append({ type: 'ops.note', actor: { kind: 'user', id: 'ada' }, data: {} });
      let m = (await h.inject({ url: '/metrics' })).text;
      assert.match(m, new RegExp(`runledger_anchor_lag_entries\\{destination="${dir}"\\} 1\\n`));
      assert.match(m, new RegExp(`runledger_anchor_age_seconds\\{destination="${dir}"\\} \\d`));
      const r = await h.app.anchors.shipNow();
      assert.equal(r[0]!.shipped, true);
      m = (await h.inject({ url: '/metrics' })).text;
      assert.match(m, new RegExp(`runledger_anchor_lag_entries\\{destination="${dir}"\\} 0\\n`));
      assert.equal((await readAnchorDir(dir)).length, 2);
    } finally {
      await h.close();
    }
  });
});
