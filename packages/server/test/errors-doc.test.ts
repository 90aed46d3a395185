// docs/errors.md is generated from the complete catalogue (runtime + HTTP API); this keeps it from drifting.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ERROR_CATALOGUE as RUNTIME_ERRORS } from '@runledger/runtime';
import { API_ERRORS, ERROR_CATALOGUE, renderErrorsDoc } from '../src/errors.js';

it('docs/errors.md matches the complete error catalogue (run `npm run docs:errors`)', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  assert.equal(doc, renderErrorsDoc());
  for (const code of Object.keys(ERROR_CATALOGUE)) assert.ok(doc.includes(`| \`${code}\` |`), code);
  // The API's codes are its own: none repeats (and so silently overrides) a code of the layers below.
  for (const code of Object.keys(API_ERRORS)) assert.ok(!(code in RUNTIME_ERRORS), code);
  assert.equal(Object.keys(ERROR_CATALOGUE).length, Object.keys(RUNTIME_ERRORS).length + Object.keys(API_ERRORS).length);
});
