// docs/errors.md is generated from the catalogue; this keeps it from drifting.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ERROR_CATALOGUE, renderErrorsDoc } from '../src/index.js';

it('docs/errors.md matches the error catalogue (run `npm run docs:errors`)', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  assert.equal(doc, renderErrorsDoc());
  for (const code of Object.keys(ERROR_CATALOGUE)) assert.ok(doc.includes(`\`${code}\``), code);
});
