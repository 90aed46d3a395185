// docs/catalog.md cannot drift from the catalog model: every key the validator accepts (CATALOG_KEYS and
// the other key lists it checks against) has a row in the section for its place, and no row names a key
// it refuses; the worked example is examples/catalog/catalog.yaml byte for byte, and it validates against
// the example operations file and runbooks; and every condition, problem message, default, threshold
// step, health verdict and checklist item the page shows is what the code gives.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  applyResult,
  CATALOG_KEYS,
  CATALOG_PROBE_KINDS,
  computeHealth,
  describeVerdict,
  ESCALATION_ANNOTATION,
  formatFileProblem,
  initialTracker,
  ITEM_KEYS,
  ITEM_KINDS,
  ITEM_OBJECT_KEYS,
  SLO_KEYS,
  SLO_PROMETHEUS_KEYS,
  OPTIONAL_DEPENDENCIES_ANNOTATION,
  parseCatalog,
  parseCondition,
  parseOperationsText,
  parseRunbook,
  PROBE_KEYS,
  SUBJECTS_OF,
  validateCatalogDocument,
  type Catalog,
  type CatalogFile,
  type CheckState,
} from '@runledger/core';

const root = new URL('../../../', import.meta.url);
const DOC = readFileSync(new URL('docs/catalog.md', root), 'utf8');
const EXAMPLE = readFileSync(new URL('examples/catalog/catalog.yaml', root), 'utf8');

/** Every place the page documents, with the keys the validator accepts there. */
const PLACES: Readonly<Record<string, readonly string[]>> = {
  ...CATALOG_KEYS,
  ...Object.fromEntries(Object.entries(PROBE_KEYS).map(([kind, keys]) => [`$.services[].checks[].${kind}`, keys])),
  '$.checklists[].items[]': [...new Set(Object.values(ITEM_KEYS).flat())],
  '$.checklists[].items[].noOpenIncident': ITEM_OBJECT_KEYS.noOpenIncident,
  '$.checklists[].items[].prometheus': ITEM_OBJECT_KEYS.prometheus,
  '$.checklists[].items[].drill': ITEM_OBJECT_KEYS.drill,
  '$.slos[]': SLO_KEYS,
  '$.slos[].prometheus': SLO_PROMETHEUS_KEYS,
};

/** `### \`$.path\`` sections → the keys of their table rows (first cell in backticks). */
function referenceSections(doc: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of doc.split('\n')) {
    if (/^#{1,6} /.test(line)) {
      const m = /^### `(\$[^`]*)`\s*$/.exec(line);
      current = m ? [] : undefined;
      if (m) {
        assert.ok(!out.has(m[1]!), `section ${m[1]} appears twice`);
        out.set(m[1]!, current!);
      }
      continue;
    }
    const row = /^\| `([^`]+)` \|/.exec(line);
    if (row && current) current.push(row[1]!);
  }
  return out;
}

/** The lines between `<!-- BEGIN name…-->` and `<!-- END name -->`. */
function between(name: string): string[] {
  const lines = DOC.split('\n');
  const begin = lines.findIndex((l) => l.startsWith(`<!-- BEGIN ${name}:`) || l === `<!-- BEGIN ${name} -->`);
  const end = lines.findIndex((l, i) => i > begin && l === `<!-- END ${name} -->`);
  assert.ok(begin >= 0 && end > begin, `docs/catalog.md marks the ${name} block`);
  return lines.slice(begin + 1, end);
}

/** A marked block's code, without its fence. */
function fenced(name: string, lang: string): string {
  const body = between(name);
  assert.equal(body[0], '```' + lang, `${name} is one ${lang} code block`);
  assert.equal(body[body.length - 1], '```');
  return `${body.slice(1, -1).join('\n')}\n`;
}

/** A marked block's table rows (header and rule left out), as trimmed cells. */
function rows(name: string): string[][] {
  const table = between(name).filter((l) => l.startsWith('|'));
  assert.ok(table.length > 2, `${name} is a table`);
  assert.match(table[1]!, /^\|(-+\|)+$/);
  return table.slice(2).map((l) =>
    l
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim()),
  );
}

/** The code spans of a cell. */
const codes = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

function load(files: CatalogFile[], opts = {}): Catalog {
  const r = parseCatalog(files, opts);
  assert.ok(r.ok, r.ok ? '' : r.problems.map(formatFileProblem).join('\n'));
  return r.catalog;
}

type Obj = Record<string, unknown>;
/** The mapping at a dotted path (`services.0.checks.1`) of plain data. */
function at(data: Obj, path: string): Obj {
  let v: unknown = data;
  for (const step of path.split('.').filter((s) => s !== '')) v = (v as Obj)[step];
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${path} is a mapping`);
  return v as Obj;
}

/** A document with one of everything: every place the validator checks keys at. */
function everything(): Obj {
  return {
    services: [
      {
        name: 'a',
        release: { checklist: 'l', bake: '10m', inputs: { port: '7390' } },
        components: [{ name: 'c', checks: [{ name: 'k', tcp: { host: 'h', port: 1 } }] }],
        checks: [
          { name: 'http', http: { url: 'http://h/' } },
          { name: 'tcp', tcp: { host: 'h', port: 1 } },
          { name: 'postgres', postgres: { url: 'env:PG' } },
          { name: 'redis', redis: { host: 'h' } },
          { name: 'command', command: { run: 'true' } },
          { name: 'dns', dns: { name: 'h' } },
        ],
      },
      { name: 'b', dependsOn: [{ service: 'a' }], checks: [{ name: 'k', tcp: { host: 'h', port: 1 } }] },
    ],
    checklists: [
      {
        name: 'l',
        items: [
          { check: 'a/tcp' },
          { service: 'a' },
          { ledger: 'verifies' },
          { noBypass: true },
          { noOpenIncident: { severity: 'SEV-1' } },
          { ready: 'runledger' },
          { prometheus: { query: 'up', op: '==', threshold: 1 } },
          { anchors: 'consistent' },
          { backup: 'fresh' },
          { drill: { kind: 'restore', within: '31d' } },
        ],
      },
    ],
    slos: [
      { name: 's', service: 'a', objective: 99.9 },
      { name: 'e', service: 'a', objective: 99.9, prometheus: { good: 'sum(g[$window])', total: 'sum(t[$window])' } },
    ],
  };
}

/** The keys the validator itself names when it refuses an unknown key at `path` of `everything()`. */
function keysRefusalNames(path: string): string[] {
  const d = everything();
  at(d, path)['zzz'] = 1;
  const problems = validateCatalogDocument(d).problems;
  const p = problems.find((x) => x.path.endsWith('.zzz'));
  assert.ok(p, `an unknown key at ${path || '$'} is refused (${JSON.stringify(problems)})`);
  const m = /^unknown key zzz \(expected one of (.+)\)$/.exec(p.message);
  assert.ok(m, p.message);
  return m[1]!.split(', ');
}

describe('docs/catalog.md', () => {
  const sections = referenceSections(DOC);

  it('documents every key the validator accepts, in the section for its place, and no other', () => {
    for (const [place, keys] of Object.entries(PLACES)) {
      const documented = sections.get(place);
      assert.ok(documented, `docs/catalog.md has no section "### \`${place}\`"`);
      const missing = keys.filter((k) => !documented.includes(k));
      assert.deepEqual(missing, [], `${place}: keys the validator accepts but the page does not document`);
      const extra = documented.filter((k) => !keys.includes(k));
      assert.deepEqual(extra, [], `${place}: keys the page documents but the validator refuses`);
      assert.equal(new Set(documented).size, documented.length, `${place}: a key documented twice`);
    }
    const stale = [...sections.keys()].filter((p) => !(p in PLACES));
    assert.deepEqual(stale, [], 'reference sections for places the validator does not know');
  });

  it('takes the key lists from the validator: they are the lists it names when it refuses a key', () => {
    assert.deepEqual(validateCatalogDocument(everything()).problems, [], 'the probe document is valid');
    const where: Record<string, string> = {
      $: '',
      '$.services[]': 'services.0',
      '$.services[].components[]': 'services.0.components.0',
      '$.services[].dependsOn[]': 'services.1.dependsOn.0',
      '$.services[].checks[]': 'services.0.checks.0',
      '$.services[].release': 'services.0.release',
      '$.checklists[]': 'checklists.0',
    };
    for (const [place, path] of Object.entries(where)) assert.deepEqual(keysRefusalNames(path), CATALOG_KEYS[place as keyof typeof CATALOG_KEYS], place);
    assert.deepEqual(Object.keys(where).sort(), Object.keys(CATALOG_KEYS).sort(), 'every place of CATALOG_KEYS is probed');
    assert.deepEqual(keysRefusalNames('services.0.components.0.checks.0'), CATALOG_KEYS['$.services[].checks[]'], 'component checks take the same keys');
    CATALOG_PROBE_KINDS.forEach((kind, i) => assert.deepEqual(keysRefusalNames(`services.0.checks.${i}.${kind}`), PROBE_KEYS[kind], kind));
    ITEM_KINDS.forEach((kind, i) => assert.deepEqual(keysRefusalNames(`checklists.0.items.${i}`), ITEM_KEYS[kind], kind));
    assert.deepEqual(keysRefusalNames('checklists.0.items.4.noOpenIncident'), ITEM_OBJECT_KEYS.noOpenIncident);
    assert.deepEqual(keysRefusalNames('checklists.0.items.6.prometheus'), ITEM_OBJECT_KEYS.prometheus);
    assert.deepEqual(keysRefusalNames('checklists.0.items.9.drill'), ITEM_OBJECT_KEYS.drill);
    assert.deepEqual(keysRefusalNames('slos.0'), SLO_KEYS);
    assert.deepEqual(keysRefusalNames('slos.1.prometheus'), SLO_PROMETHEUS_KEYS);
  });

  it('shows examples/catalog/catalog.yaml byte for byte as the worked example, and the file validates', () => {
    assert.equal(fenced('examples/catalog/catalog.yaml', 'yaml'), EXAMPLE);
    load([{ file: 'examples/catalog/catalog.yaml', text: EXAMPLE }]);
    // Its escalation policies and runbooks are the examples' own.
    const ops = parseOperationsText(readFileSync(new URL('examples/operations/operations.yaml', root), 'utf8'), 'operations.yaml');
    assert.ok(ops.ok);
    const dir = new URL('examples/runbooks/', root);
    const runbooks = readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => {
        const r = parseRunbook(readFileSync(new URL(f, dir), 'utf8'), f);
        assert.ok(r.ok, f);
        return r.runbook.id;
      });
    load([{ file: 'examples/catalog/catalog.yaml', text: EXAMPLE }], { escalationPolicies: ops.config.escalationPolicies.map((p) => p.name), runbooks });
  });

  it('shows the problems its broken file really gives', () => {
    const r = parseCatalog([{ file: 'catalog/app.yaml', text: fenced('problems-example', 'yaml') }]);
    assert.ok(!r.ok);
    assert.equal(r.problems.map(formatFileProblem).join('\n') + '\n', fenced('problems-output', 'text'));
  });

  it('every condition it shows as accepted parses, on the probe kinds it names', () => {
    const table = rows('conditions-accepted');
    assert.ok(table.length >= 15);
    const subjects = new Set<string>();
    for (const [cell, kinds] of table) {
      const [text] = codes(cell!);
      const r = parseCondition(text!);
      assert.ok(r.ok, r.ok ? '' : `${text}: column ${r.column}: ${r.message}`);
      subjects.add(r.condition.subject.kind);
      const on = kinds!.split(',').map((k) => k.trim());
      assert.ok(on.length > 0);
      for (const k of on) {
        assert.ok(k in SUBJECTS_OF, `${k} is a probe kind`);
        assert.ok(SUBJECTS_OF[k as keyof typeof SUBJECTS_OF].includes(r.condition.subject.kind), `${text}: a ${k} check observes ${r.condition.subject.kind}`);
      }
    }
    const all = new Set(Object.values(SUBJECTS_OF).flat());
    assert.deepEqual(
      [...all].filter((s) => !subjects.has(s)),
      [],
      'an example for every subject',
    );
  });

  it('every condition it shows as refused is refused at that column with that message', () => {
    for (const [cell, column, message] of rows('conditions-refused')) {
      const [text] = codes(cell!);
      const r = parseCondition(text!);
      assert.ok(!r.ok, `${text} should be refused`);
      assert.deepEqual([r.column, r.message], [Number(column), codes(message!)[0]], text);
    }
  });

  it('states the conditions a check without any gets, for every kind', () => {
    const table = new Map(rows('default-conditions').map(([kind, cell]) => [codes(kind!)[0]!, codes(cell!)]));
    assert.deepEqual([...table.keys()], [...CATALOG_PROBE_KINDS]);
    const d = validateCatalogDocument(everything());
    for (const kind of CATALOG_PROBE_KINDS) {
      const check = d.services[0]!.service.checks.find((c) => c.probe.kind === kind)!;
      assert.deepEqual(
        check.conditions.map((c) => c.text),
        table.get(kind),
        kind,
      );
    }
  });

  it('replays its threshold example with the default thresholds', () => {
    let t = initialTracker();
    rows('thresholds-example').forEach(([result, state, asks], i) => {
      const step = applyResult(t, { ok: result === 'success', at: i * 1000 }, { failureThreshold: 3, successThreshold: 2 });
      t = step.tracker;
      assert.equal(step.state, state, `row ${i + 1}`);
      assert.deepEqual(step.commands, asks!.startsWith('a recheck in 1 s') ? [{ type: 'recheck', afterMs: 1000 }] : [], `row ${i + 1}`);
    });
    const c = validateCatalogDocument(everything()).services[0]!.service.checks[0]!;
    assert.deepEqual([c.failureThreshold, c.successThreshold], [3, 2], 'the defaults it replays with');
  });

  it('computes its dependency examples from the worked example', () => {
    const catalog = load([{ file: 'catalog.yaml', text: EXAMPLE }]);
    const ids = catalog.services.flatMap((s) => [...s.checks, ...s.components.flatMap((c) => c.checks)]).map((c) => c.id);
    const table = rows('health-examples');
    assert.ok(table.length >= 8);
    for (const [changes, backend, frontend, observability, verdict] of table) {
      const states: Record<string, CheckState> = Object.fromEntries(ids.map((id) => [id, 'up']));
      for (const m of changes!.matchAll(/`([^`]+)` (up|down|unknown)/g)) {
        assert.ok(ids.includes(m[1]!), `${m[1]} is a check of the example`);
        states[m[1]!] = m[2] as CheckState;
      }
      const h = computeHealth(catalog, states);
      assert.deepEqual(
        [h.services['backend']!.state, h.services['frontend']!.state, h.services['observability']!.state],
        [backend, frontend, observability],
        changes,
      );
      assert.equal(describeVerdict('frontend', h.services['frontend']!), codes(verdict!)[0], changes);
    }
  });

  it('maps seed 002’s eleven statements to the items of demo-healthy, in order', () => {
    const catalog = load([{ file: 'catalog.yaml', text: EXAMPLE }]);
    const items = catalog.checklists.find((l) => l.name === 'demo-healthy')!.items;
    const table = rows('seed-002-checklist');
    assert.equal(table.length, 11);
    assert.deepEqual(
      table.map(([statement]) => statement),
      items.map((i) => i.name),
    );
    table.forEach(([, item], i) => {
      const [head] = codes(item!);
      const kind = /^(\w+):/.exec(head!)![1];
      const actual = items[i]!;
      assert.equal(kind, actual.kind, head);
      if (actual.kind === 'check') assert.equal(head, `check: ${actual.check}`);
      if (actual.kind === 'prometheus') assert.ok(actual.query.includes(head!.slice('prometheus: '.length)), head);
      if (actual.kind === 'ledger') assert.ok(item!.includes(actual.mode === 'full' ? '(full)' : `(sampled, ${actual.sample})`), item);
    });
  });

  it('names checks of seed 004’s table that exist, with their probe kind', () => {
    const catalog = load([{ file: 'catalog.yaml', text: EXAMPLE }]);
    const checks = new Map(catalog.services.flatMap((s) => [...s.checks, ...s.components.flatMap((c) => c.checks)]).map((c) => [c.id, c]));
    const table = rows('seed-004-table');
    assert.equal(table.length, 10, 'one row per row of seed 004’s table');
    for (const [, id, kind] of table) {
      const check = checks.get(codes(id!)[0]!);
      assert.ok(check, id);
      assert.equal(check.probe.kind, kind, id);
    }
  });

  it('its Backstage example reads as one catalog with the native entry, the annotations doing what it says', () => {
    assert.ok(DOC.includes(`\`${OPTIONAL_DEPENDENCIES_ANNOTATION}\``) && DOC.includes(`\`${ESCALATION_ANNOTATION}\``));
    const r = parseCatalog([
      { file: 'catalog-info.yaml', text: fenced('backstage-catalog-info', 'yaml') },
      { file: 'catalog.yaml', text: fenced('backstage-native', 'yaml') },
    ]);
    assert.ok(r.ok, r.ok ? '' : r.problems.map(formatFileProblem).join('\n'));
    const backend = r.catalog.services.find((s) => s.name === 'backend')!;
    assert.deepEqual(backend.dependsOn, [
      { service: 'db', optional: false },
      { service: 'ai-engine', optional: true },
    ]);
    assert.equal(backend.escalation, 'sev1');
    assert.deepEqual(
      backend.checks.map((c) => c.id),
      ['backend/ping'],
    );
    assert.deepEqual(
      r.skipped.map((s) => [s.kind, s.name]),
      [['API', 'aegis-api']],
    );
  });
});
