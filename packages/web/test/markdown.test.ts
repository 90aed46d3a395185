// The runbook Markdown renderer and the run form's checks, without a browser: what a runbook can
// and cannot put on the page, and the same verdicts the server gives on input values.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { InputSchema } from '@runledger/server/api-types';
import { problemOf, toValue } from '../src/inputs.js';
import { Markdown, parseBlocks, safeHref } from '../src/markdown.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const html = (text: string): string => renderToStaticMarkup(createElement(Markdown, { text }));

test('headings, paragraphs, emphasis, inline code', () => {
  assert.equal(
    html('## Title\n\nSome **bold**, *it*, _it_ and `co*de*`.'),
    '<div class="md"><h2>Title</h2><p>Some <strong>bold</strong>, <em>it</em>, <em>it</em> and <code>co*de*</code>.</p></div>',
  );
  // Underscores inside words stay (input names such as demo_port).
  assert.match(html('set demo_port and demo_home'), /set demo_port and demo_home/);
});

test('fenced code keeps its info string and marks runbook steps', () => {
  const out = html('```sh {#stop timeout=10s}\necho "<b>hi</b>"\n```');
  assert.match(out, /<figure class="md-code md-step" data-step="stop">/);
  assert.match(out, /<span class="md-lang">sh<\/span> <span class="md-info">\{#stop timeout=10s\}<\/span>/);
  assert.match(out, /echo &quot;&lt;b&gt;hi&lt;\/b&gt;&quot;/);
});

test('lists nest their paragraphs and fences (as in release-smoke)', () => {
  const blocks = parseBlocks('1. First.\n\n   ```check {#a}\n   http: x\n   ```\n\n2. Second.\n- other list'.split('\n'));
  assert.equal(blocks.length, 2);
  const list = blocks[0];
  assert.ok(list && list.t === 'list' && list.ordered);
  assert.equal(list.items.length, 2);
  assert.deepEqual(
    list.items[0]?.map((b) => b.t),
    ['para', 'code'],
  );
  assert.ok(blocks[1]?.t === 'list' && !blocks[1].ordered);
});

test('nothing in a runbook becomes markup or script', () => {
  const out = html('<script>alert(1)</script> <img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) [y](data:text/html,hi) [ok](https://example.com/a?b=1)');
  assert.ok(!out.includes('<script') && !out.includes('<img'), out);
  assert.match(out, /&lt;script&gt;/);
  assert.ok(!/href="(javascript|data):/i.test(out), out);
  assert.match(out, /<a href="https:\/\/example.com\/a\?b=1" target="_blank" rel="noopener noreferrer">ok<\/a>/);
  assert.equal(safeHref('JAVASCRIPT:alert(1)'), null);
  assert.equal(safeHref('/relative'), null);
});

test('every example runbook renders, one figure per fence', () => {
  const dir = `${REPO}/examples/runbooks`;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.md'))) {
    const body = readFileSync(`${dir}/${f}`, 'utf8').split('\n---\n').slice(1).join('\n---\n');
    const fences = body.split('\n').filter((l) => /^\s*```\S/.test(l)).length;
    assert.ok(fences > 0, f);
    assert.equal((html(body).match(/<figure/g) ?? []).length, fences, f);
  }
});

const input = (o: Partial<InputSchema>): InputSchema => ({ name: 'x', type: 'string', required: true, secret: false, ...o });

test('input checks match the server', () => {
  const version = input({ pattern: '\\d+\\.\\d+\\.\\d+' });
  assert.equal(problemOf(version, '1.0.0'), undefined);
  assert.equal(problemOf(version, '1.0.0-rc1'), 'must match \\d+\\.\\d+\\.\\d+', 'anchored: a prefix match is not enough');
  assert.equal(problemOf(version, ''), 'required');
  assert.equal(problemOf(input({ default: 'a' }), ''), undefined, 'empty leaves the default');
  const port = input({ type: 'integer', min: 1, max: 65535 });
  assert.equal(problemOf(port, '0'), 'must be at least 1');
  assert.equal(problemOf(port, '1.5'), 'must be an integer');
  assert.equal(toValue(port, '8080'), 8080);
  assert.equal(problemOf(input({ type: 'enum', values: ['a', 'b'] }), 'c'), 'must be one of a, b');
  assert.equal(toValue(input({ type: 'boolean' }), false), false);
  assert.equal(problemOf(input({ type: 'secret', secret: true }), ''), undefined, 'secrets are the server’s business');
});
