// docs/errors.md is generated from the complete catalogue (the server adds the HTTP API's codes, and
// its errors-doc test compares the whole page); every code of the layers below must be on it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ERROR_CATALOGUE, renderErrorsDoc } from '../src/index.js';

it('docs/errors.md lists every runtime code with its exit code and status (run `npm run docs:errors`)', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = renderErrorsDoc()
    .split('\n')
    .filter((l) => l.startsWith('| `'));
  assert.equal(rows.length, Object.keys(ERROR_CATALOGUE).length);
  for (const row of rows) assert.ok(doc.includes(row), row);
});
