// The alert rules shipped for Runledger's own metrics (rules/runledger.rules.yml): Prometheus' own
// promtool checks them and runs their unit tests, and every runledger_* metric they use is one the
// server really exports (a rule on a misspelt metric would never fire).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { sqliteFactory } from '@runledger/testkit';
import { harness, type Harness } from './helpers.js';

const rulesDir = fileURLToPath(new URL('../../../rules/', import.meta.url));

function promtool(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd: rulesDir, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`promtool (Debian package prometheus) is needed and could not run: ${r.error.message}`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('Prometheus rules for Runledger’s own metrics', () => {
  let h: Harness;
  before(async () => {
    h = await harness(await sqliteFactory.create());
  });
  after(async () => {
    await h.close();
    await sqliteFactory.teardown();
  });

  it('promtool check rules accepts them', () => {
    const r = promtool('check', 'rules', 'runledger.rules.yml');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS: \d+ rules found/);
  });

  it('promtool test rules passes their unit tests (alerts fire when they should and not before)', () => {
    const r = promtool('test', 'rules', 'runledger.rules.test.yml');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS/);
  });

  it('every runledger_* metric a rule uses is exported by /metrics', async () => {
    const rules = readFileSync(`${rulesDir}runledger.rules.yml`, 'utf8');
    const used = new Set([...rules.matchAll(/\b(runledger_[a-z_]+?)(?:_bucket|_count|_sum)?\b(?=[{[\s)]|$)/gm)].map((m) => m[1]!));
    assert.ok(used.size >= 6, `rules use ${[...used].join(', ')}`);
    const res = await h.inject({ url: '/metrics' });
    assert.equal(res.status, 200);
    const exported = new Set([...res.text.matchAll(/^# TYPE (runledger_[a-z_]+) /gm)].map((m) => m[1]!));
    for (const m of used) assert.ok(exported.has(m), `${m} is used by a rule but /metrics has no such metric (it has ${[...exported].join(', ')})`);
  });
});
