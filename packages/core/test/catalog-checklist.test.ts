// "Healthy if and only if" checklists: every item kind judged on facts the caller supplies, each with
// its evidence; a fact nobody supplied fails its item (no data is never healthy).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  checklistNeeds,
  computeHealth,
  evaluateChecklist,
  formatFileProblem,
  parseCatalog,
  type Catalog,
  type ChecklistFacts,
  type CheckState,
  type OpenIncidentFact,
} from '@runledger/core';

const EXAMPLE = readFileSync(new URL('../../../examples/catalog/catalog.yaml', import.meta.url), 'utf8');

function example(): Catalog {
  const r = parseCatalog([{ file: 'catalog.yaml', text: EXAMPLE }]);
  assert.ok(r.ok, !r.ok ? r.problems.map(formatFileProblem).join('\n') : '');
  return r.catalog;
}

interface World {
  checks: Record<string, CheckState>;
  prom: Record<string, number | string>;
  ledger: { full?: boolean; sampled?: boolean };
  bypasses?: { kind: string; detail?: string }[];
  incidents?: OpenIncidentFact[];
  ready?: { ready: boolean; failed: string[] };
}

function facts(catalog: Catalog, w: World): ChecklistFacts {
  const health = computeHealth(catalog, w.checks);
  return {
    checkState: (id) => w.checks[id],
    serviceHealth: (name) => health.services[name],
    ledgerVerification: (mode, sample) => {
      const ok = w.ledger[mode];
      return ok === undefined ? undefined : { ok, mode, checked: sample ?? 1000, at: 1_700_000_000_000 };
    },
    activeBypasses: () => w.bypasses,
    openIncidents: () => w.incidents,
    readiness: () => w.ready,
    prometheus: (q) => {
      const key = Object.keys(w.prom).find((k) => q.includes(k));
      const v = key === undefined ? undefined : w.prom[key];
      return v === undefined ? undefined : typeof v === 'number' ? { ok: true, value: v } : { ok: false, error: v };
    },
  };
}

const DEMO_UP = Object.fromEntries(
  ['liveness', 'ready', 'database', 'migration-head', 'signing-material', 'worker'].map((n) => [`demo/${n}`, 'up' as CheckState]),
);
const HEALTHY: World = {
  checks: DEMO_UP,
  prom: { verification_failures_total: 1, append_only_violation: 0, without_code: 0 },
  ledger: { full: true, sampled: true },
  bypasses: [],
  incidents: [],
  ready: { ready: true, failed: [] },
};

describe('evaluateChecklist on seed 002’s eleven statements', () => {
  const catalog = example();
  const list = catalog.checklists.find((l) => l.name === 'demo-healthy')!;

  it('is healthy when all eleven hold, each with its evidence', () => {
    const r = evaluateChecklist(list, facts(catalog, HEALTHY));
    assert.equal(r.healthy, true, JSON.stringify(r.items.filter((i) => !i.ok)));
    assert.equal(r.items.length, 11);
    assert.equal(r.items[0]!.evidence, 'check demo/liveness is up');
    assert.deepEqual(r.items[5]!.evidence, { query: 'sum(increase(verification_failures_total{service="demo"}[15m]))', op: '<', threshold: 5, value: 1 });
    assert.deepEqual(r.items[9]!.evidence, { ok: true, mode: 'sampled', checked: 20, at: 1_700_000_000_000 });
    assert.equal(r.items[10]!.evidence, 'no bypass or override is on');
  });

  it('is unhealthy if any one statement fails, and names it', () => {
    const cases: Array<[string, Partial<World>, number]> = [
      ['worker mismatch', { checks: { ...DEMO_UP, 'demo/worker': 'down' } }, 4],
      ['verification spike', { prom: { ...HEALTHY.prom, verification_failures_total: 7 } }, 5],
      ['Prometheus unreachable', { prom: { ...HEALTHY.prom, append_only_violation: 'connect ECONNREFUSED' } }, 6],
      ['sampled verification fails', { ledger: { full: true, sampled: false } }, 9],
      ['an emergency bypass is on', { bypasses: [{ kind: 'freeze-bypass', detail: 'INC-7' }] }, 10],
    ];
    for (const [what, change, index] of cases) {
      const r = evaluateChecklist(list, facts(catalog, { ...HEALTHY, ...change }));
      assert.equal(r.healthy, false, what);
      assert.deepEqual(
        r.items.flatMap((i, n) => (i.ok ? [] : [n])),
        [index],
        what,
      );
    }
    const bypass = evaluateChecklist(list, facts(catalog, { ...HEALTHY, bypasses: [{ kind: 'freeze-bypass', detail: 'INC-7' }] }));
    assert.deepEqual(bypass.items[10]!.evidence, { active: [{ kind: 'freeze-bypass', detail: 'INC-7' }] });
  });

  it('fails items whose facts nobody supplied: no data is never healthy', () => {
    const r = evaluateChecklist(list, facts(catalog, { checks: {}, prom: {}, ledger: {} }));
    assert.equal(r.healthy, false);
    assert.ok(r.items.every((i) => !i.ok));
    assert.equal(r.items[0]!.evidence, 'no state for check demo/liveness');
    assert.deepEqual(r.items[6]!.evidence, {
      query: 'sum(increase(append_only_violation_attempts_total{service="demo"}[24h]))',
      op: '==',
      threshold: 0,
      error: 'no result',
    });
    assert.equal(r.items[8]!.evidence, 'no full ledger verification result');
    assert.equal(r.items[10]!.evidence, 'bypass state unknown');
  });
});

describe('service, incident and readiness items', () => {
  const catalog = example();
  const list = catalog.checklists.find((l) => l.name === 'aegis-serving')!;
  const aegisUp = Object.fromEntries(
    catalog.services.flatMap((s) => [...s.checks, ...s.components.flatMap((c) => c.checks)]).map((c) => [c.id, 'up' as CheckState]),
  );
  const world: World = { ...HEALTHY, checks: aegisUp };

  it('accepts a degraded backend when the item allows it (the AI engine is optional)', () => {
    const r = evaluateChecklist(list, facts(catalog, { ...world, checks: { ...aegisUp, 'ai-engine/health': 'down' } }));
    assert.equal(r.healthy, true, JSON.stringify(r.items));
    assert.deepEqual((r.items[0]!.evidence as { state: string }).state, 'degraded');
  });

  it('refuses a down backend, a SEV-1 open, and Runledger not ready, with the evidence of each', () => {
    const r = evaluateChecklist(
      list,
      facts(catalog, {
        ...world,
        checks: { ...aegisUp, 'postgres/ready': 'down' },
        incidents: [
          { id: 'inc-1', severity: 'SEV-1', title: 'Database unavailable', service: 'postgres' },
          { id: 'inc-2', severity: 'SEV-3', title: 'slow' },
        ],
        ready: { ready: false, failed: ['store'] },
      }),
    );
    assert.deepEqual(
      r.items.map((i) => [i.name, i.ok]),
      [
        ['service backend is up or degraded', false],
        ['service frontend is up or degraded', false],
        ['check postgres/ready is up', false],
        ['no open SEV-1 incident', false],
        ['runledger is ready', false],
      ],
    );
    assert.deepEqual((r.items[0]!.evidence as { cause: unknown }).cause, { service: 'postgres', check: 'postgres/ready' });
    assert.deepEqual(r.items[3]!.evidence, { open: [{ id: 'inc-1', severity: 'SEV-1', title: 'Database unavailable' }] });
    assert.deepEqual(r.items[4]!.evidence, { ready: false, failed: ['store'] });
  });

  it('counts only incidents at the item’s severity or worse', () => {
    const r = evaluateChecklist(list, facts(catalog, { ...world, incidents: [{ id: 'inc-9', severity: 'SEV-2' }] }));
    assert.equal(r.items[3]!.ok, true);
    assert.equal(r.items[3]!.evidence, 'no open incident SEV-1 or worse');
  });
});

describe('checklistNeeds', () => {
  it('lists what to gather once for all checklists', () => {
    const n = checklistNeeds(example().checklists);
    assert.deepEqual(n.checks, [
      'demo/liveness',
      'demo/ready',
      'demo/migration-head',
      'demo/signing-material',
      'demo/worker',
      'demo/queue',
      'demo/compliance-mode',
      'postgres/ready',
    ]);
    assert.deepEqual(n.services, ['backend', 'frontend']);
    assert.deepEqual(n.ledger, [{ mode: 'full' }, { mode: 'sampled', sample: 20 }]);
    assert.equal(n.prometheus.length, 3);
    assert.deepEqual([n.bypasses, n.incidents, n.readiness], [true, true, true]);
  });
});

describe('the anchors item', () => {
  const list = { name: 'anchored', items: [{ kind: 'anchors' as const, name: 'the ledger extends its off-host anchors' }] };
  const base = facts(example(), HEALTHY);

  it('holds when every anchor directory is consistent, fails with the evidence otherwise, and fails without the fact', () => {
    const ok = { dir: '/a', status: 'CONSISTENT', reason: 'CONSISTENT', detail: 'extends' };
    const bad = { dir: '/b', status: 'ROLLED_BACK', reason: 'LIVE_BEHIND_ANCHOR', detail: 'smaller' };
    assert.equal(evaluateChecklist(list, { ...base, anchors: () => ({ ok: true, results: [ok] }) }).healthy, true);
    const r = evaluateChecklist(list, { ...base, anchors: () => ({ ok: false, results: [ok, bad] }) });
    assert.equal(r.healthy, false);
    assert.deepEqual(r.items[0]!.evidence, { results: [ok, bad] });
    const none = evaluateChecklist(list, base);
    assert.deepEqual([none.healthy, none.items[0]!.evidence], [false, 'no anchor directory configured (RUNLEDGER_ANCHORS)']);
    assert.equal(checklistNeeds([list]).anchors, true);
  });
});

describe('the backup item', () => {
  const list = { name: 'backed-up', items: [{ kind: 'backup' as const, name: 'the newest verified backup is within the RPO target' }] };
  const base = facts(example(), HEALTHY);

  it('holds while the newest verified backup is within the target, fails past it or without one, and fails without the fact', () => {
    const fresh = {
      ok: true,
      dir: '/b',
      targetSeconds: 900,
      ageSeconds: 60,
      newest: { id: '20261207T120000Z-aaaaaa', createdAt: '2026-12-07T12:00:00.000Z', bytes: 10 },
      detail: 'newest verified backup 60 s old',
    };
    assert.equal(evaluateChecklist(list, { ...base, backup: () => fresh }).healthy, true);
    const stale = { ...fresh, ok: false, ageSeconds: 1000, detail: 'older than the target' };
    const r = evaluateChecklist(list, { ...base, backup: () => stale });
    assert.equal(r.healthy, false);
    assert.deepEqual(r.items[0]!.evidence, stale);
    const none = evaluateChecklist(list, base);
    assert.deepEqual([none.healthy, none.items[0]!.evidence], [false, 'backup freshness unknown']);
    assert.equal(checklistNeeds([list]).backup, true);
    assert.equal(checklistNeeds([list]).anchors, false);
  });

  it('is written `backup: fresh`; any other value is refused with its path', () => {
    const ok = parseCatalog([{ file: 'c.yaml', text: 'checklists:\n  - name: b\n    items:\n      - backup: fresh\n' }]);
    assert.ok(ok.ok);
    assert.deepEqual(ok.catalog.checklists[0]!.items[0], { kind: 'backup', name: 'the newest verified backup is within the RPO target' });
    const bad = parseCatalog([{ file: 'c.yaml', text: 'checklists:\n  - name: b\n    items:\n      - backup: stale\n' }]);
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.problems.some((p) => p.path.endsWith('.backup') && /backup: fresh/.test(p.message)), JSON.stringify(!bad.ok && bad.problems));
  });
});

describe('the drill item', () => {
  const list = { name: 'drilled', items: [{ kind: 'drill' as const, drill: 'restore' as const, withinMs: 31 * 86_400_000, name: 'restore drill' }] };
  const base = facts(example(), HEALTHY);
  const last = (passed: boolean) => ({
    id: 'drill-20261201T000000Z-aaaaaa',
    passed,
    finishedAt: '2026-12-01T00:00:10.000Z',
    reasons: passed ? [] : ['RTO 4000.000 s is over the target 3600 s'],
    measured: { rtoSeconds: passed ? 2 : 4000 },
    index: 42,
  });

  it('holds while the last drill of the kind passed within `within`; fails when it failed, is too old, never ran, or is unknown', () => {
    const fresh = { kind: 'restore', last: last(true), ageSeconds: 86_400 };
    assert.equal(evaluateChecklist(list, { ...base, drill: () => fresh }).healthy, true);
    const failed = evaluateChecklist(list, { ...base, drill: () => ({ kind: 'restore', last: last(false), ageSeconds: 60 }) });
    assert.equal(failed.healthy, false);
    assert.match(JSON.stringify(failed.items[0]!.evidence), /the last restore drill failed: RTO 4000.000 s is over the target 3600 s/);
    const old = evaluateChecklist(list, { ...base, drill: () => ({ ...fresh, ageSeconds: 32 * 86_400 }) });
    assert.equal(old.healthy, false);
    assert.match(JSON.stringify(old.items[0]!.evidence), /passed but is older than 2678400 s/);
    const never = evaluateChecklist(list, { ...base, drill: () => ({ kind: 'restore', last: null, ageSeconds: null }) });
    assert.equal(never.healthy, false);
    assert.match(JSON.stringify(never.items[0]!.evidence), /no restore drill has run/);
    const unknown = evaluateChecklist(list, base);
    assert.deepEqual([unknown.healthy, unknown.items[0]!.evidence], [false, 'restore drills unknown']);
    assert.deepEqual(checklistNeeds([list]).drills, ['restore']);
  });

  it('is written `drill: {kind, within}`; an unknown kind, a bad duration or key is refused with its path', () => {
    const ok = parseCatalog([{ file: 'c.yaml', text: 'checklists:\n  - name: b\n    items:\n      - drill: { kind: escalation, within: 14d }\n' }]);
    assert.ok(ok.ok, !ok.ok ? ok.problems.map(formatFileProblem).join('\n') : '');
    assert.deepEqual(ok.catalog.checklists[0]!.items[0], {
      kind: 'drill',
      drill: 'escalation',
      withinMs: 14 * 86_400_000,
      name: 'the last escalation drill passed, within 14 days',
    });
    for (const [item, path, message] of [
      ['{ kind: fire }', '.drill.kind', /restore, escalation, rollback, chaos/],
      ['{ kind: restore, within: soon }', '.drill.within', /duration/],
      ['{ kind: restore, every: 1d }', '.drill.every', /unknown key every/],
    ] as const) {
      const bad = parseCatalog([{ file: 'c.yaml', text: `checklists:\n  - name: b\n    items:\n      - drill: ${item}\n` }]);
      assert.equal(bad.ok, false, item);
      assert.ok(!bad.ok && bad.problems.some((p) => p.path.endsWith(path) && message.test(p.message)), JSON.stringify(!bad.ok && bad.problems));
    }
  });
});
