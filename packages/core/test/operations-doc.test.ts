// docs/operations.md cannot drift from the validator: every key it accepts (OPERATIONS_KEYS, the lists
// the validator itself checks against) has a row in the section for its place, and no row names a key it
// refuses; the worked example is examples/operations/operations.yaml byte for byte, and that file
// validates; the Alertmanager receiver the page shows passes `amtool check-config` (Alertmanager 0.25).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatFileProblem, OPERATIONS_KEYS, parseOperationsText, SEVERITIES } from '@runledger/core';

const DOC = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
const EXAMPLE = readFileSync(new URL('../../../examples/operations/operations.yaml', import.meta.url), 'utf8');

/** `### \`$.path\`` sections → the keys of their table rows (first cell in backticks). */
function referenceSections(doc: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of doc.split('\n')) {
    const h = /^#{1,6} /.exec(line);
    if (h) {
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

/** The text between `<!-- BEGIN name…-->` and `<!-- END name -->`, without its code fence and indentation. */
function block(doc: string, name: string): string {
  const lines = doc.split('\n');
  const begin = lines.findIndex((l) => l.trim().startsWith(`<!-- BEGIN ${name}`));
  const end = lines.findIndex((l, i) => i > begin && l.trim() === `<!-- END ${name} -->`);
  assert.ok(begin >= 0 && end > begin, `docs/operations.md marks the ${name} block`);
  const inner = lines.slice(begin + 1, end);
  const indent = /^ */.exec(inner[0]!)![0].length;
  const body = inner.map((l) => l.slice(indent));
  assert.match(body[0]!, /^```yaml$/);
  assert.equal(body[body.length - 1], '```');
  return `${body.slice(1, -1).join('\n')}\n`;
}

describe('docs/operations.md', () => {
  const sections = referenceSections(DOC);

  it('documents every key the validator accepts, in the section for its place, and no other', () => {
    for (const [place, keys] of Object.entries(OPERATIONS_KEYS)) {
      const documented = sections.get(place);
      assert.ok(documented, `docs/operations.md has no section "### \`${place}\`"`);
      const missing = keys.filter((k) => !documented.includes(k));
      assert.deepEqual(missing, [], `${place}: keys the validator accepts but the page does not document`);
      const extra = documented.filter((k) => !(keys as readonly string[]).includes(k));
      assert.deepEqual(extra, [], `${place}: keys the page documents but the validator refuses`);
    }
    const stale = [...sections.keys()].filter((p) => !(p in OPERATIONS_KEYS));
    assert.deepEqual(stale, [], 'reference sections for places the validator does not know');
  });

  it('reads the key lists from the validator itself (a key it refuses is not in them)', () => {
    assert.deepEqual(OPERATIONS_KEYS['$.incidents.ackDeadlines'], SEVERITIES);
    const extra = parseOperationsText(EXAMPLE.replace('flapWindow: 5m', 'flapWindow: 5m\n  graceWindow: 5m'), 'x.yaml');
    assert.ok(!extra.ok);
    assert.match(formatFileProblem(extra.problems[0]!), /\$\.incidents\.graceWindow: unknown key \(expected ackDeadlines, flapWindow, retriggerAfterAck\)/);
    assert.ok(!(OPERATIONS_KEYS['$.incidents'] as readonly string[]).includes('graceWindow'));
  });

  it('shows examples/operations/operations.yaml byte for byte as the worked example, and the file validates', () => {
    assert.equal(block(DOC, 'examples/operations/operations.yaml'), EXAMPLE);
    const r = parseOperationsText(EXAMPLE, 'examples/operations/operations.yaml');
    assert.ok(r.ok, r.ok ? '' : r.problems.map(formatFileProblem).join('\n'));
  });

  it('every smaller operations snippet on the page is valid once given a root route', () => {
    // The integration snippets: each must validate when completed with the one required key.
    const snippets = [...DOC.matchAll(/```yaml\n((?:[ \t]*)integrations:\n[\s\S]*?)```/g)].map((m) => m[1]!);
    assert.ok(snippets.length >= 2, 'the Alertmanager and Events sections show their integration');
    for (const s of snippets) {
      const indent = /^[ \t]*/.exec(s)![0].length;
      const text = s
        .split('\n')
        .map((l) => l.slice(indent))
        .join('\n');
      const r = parseOperationsText(
        `${text}receivers:\n  - name: r\n    chat: { url: "https://chat.example.test/x" }\nroute:\n  receiver: r\n`,
        'snippet.yaml',
      );
      assert.ok(r.ok, r.ok ? '' : r.problems.map(formatFileProblem).join('\n'));
    }
  });

  it('the Alertmanager receiver it shows passes amtool check-config (Alertmanager 0.25)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runledger-amdoc-'));
    try {
      const file = join(dir, 'alertmanager.yml');
      const yml = block(DOC, 'alertmanager.yml');
      assert.match(yml, /url: https?:\/\/[^\s]+\/api\/v1\/integrations\/alertmanager\/prometheus\n/);
      assert.match(yml, /send_resolved: true/);
      assert.match(yml, /authorization:\n\s+type: Bearer\n\s+credentials_file: /);
      writeFileSync(file, yml);
      const r = spawnSync('amtool', ['check-config', file], { encoding: 'utf8', timeout: 60_000 });
      if (r.error) throw new Error(`amtool (Debian package prometheus-alertmanager) is needed and could not run: ${r.error.message}`);
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /SUCCESS/);
      assert.match(r.stdout, /1 receivers/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
