// docs/schedules.md cannot drift from the validator: every key SCHEDULES_KEYS accepts has a row in the
// section for its place and no row names a key it refuses; the page's example and
// examples/schedules.yaml validate, and the example's runbooks are in examples/runbooks.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { formatFileProblem, parseRunbook, parseSchedulesText, SCHEDULES_KEYS } from '@runledger/core';

const root = new URL('../../../', import.meta.url);
const DOC = readFileSync(new URL('docs/schedules.md', root), 'utf8');
const EXAMPLE = readFileSync(new URL('examples/schedules.yaml', root), 'utf8');

function sections(doc: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of doc.split('\n')) {
    if (/^#{1,6} /.test(line)) {
      const m = /^### `(\$[^`]*)`\s*$/.exec(line);
      current = m ? [] : undefined;
      if (m) out.set(m[1]!, current!);
      continue;
    }
    const row = /^\| `([^`]+)` \|/.exec(line);
    if (row && current) current.push(row[1]!);
  }
  return out;
}

describe('docs/schedules.md', () => {
  it('documents every key the validator accepts, in the section for its place, and no other', () => {
    const s = sections(DOC);
    for (const [place, keys] of Object.entries(SCHEDULES_KEYS)) {
      const documented = s.get(place);
      assert.ok(documented, `no section "### \`${place}\`"`);
      assert.deepEqual([...documented].sort(), [...keys].sort(), place);
    }
    assert.deepEqual(
      [...s.keys()].filter((p) => p !== '$' && !(p in SCHEDULES_KEYS)),
      [],
    );
  });

  it("the page's example and examples/schedules.yaml validate; the example's runbooks exist", () => {
    const fenced = /```yaml\n(schedules:[\s\S]*?)```/.exec(DOC)?.[1];
    assert.ok(fenced, 'the page shows a schedules file');
    for (const [name, text] of [
      ['docs/schedules.md', fenced],
      ['examples/schedules.yaml', EXAMPLE],
    ] as const) {
      const r = parseSchedulesText(text, name);
      assert.ok(r.ok, r.ok ? '' : r.problems.map(formatFileProblem).join('\n'));
    }
    const r = parseSchedulesText(EXAMPLE, 'examples/schedules.yaml');
    assert.ok(r.ok);
    const ids = readdirSync(new URL('examples/runbooks/', root))
      .filter((f) => f.endsWith('.md'))
      .map((f) => {
        const p = parseRunbook(readFileSync(new URL(`examples/runbooks/${f}`, root), 'utf8'), f);
        return p.ok ? p.runbook.id : '';
      });
    for (const s of r.schedules)
      if (s.job.kind === 'runbook' && s.job.name !== undefined) assert.ok(ids.includes(s.job.name), `${s.name}: no runbook ${s.job.name} in examples/runbooks`);
    assert.deepEqual(
      r.schedules.map((s) => s.job.kind),
      ['backup', 'runbook', 'drill'],
    );
  });
});
