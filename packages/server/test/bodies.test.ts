// Request bodies over the limit are 413 BODY_TOO_LARGE on every route that takes a body, whatever the
// content type and whether the length is declared or the body is chunked; a type the API does not
// read is 415 MEDIA_TYPE_UNSUPPORTED.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sqliteFactory } from '@runledger/testkit';
import { assertError, harness, type Harness } from './helpers.js';

const LIMIT = 256 * 1024;
const TYPES = ['application/json', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'];

describe('request bodies', () => {
  let h: Harness;
  let posts: string[];
  before(async () => {
    h = await harness(await sqliteFactory.create(), { rateLimits: { perToken: { capacity: 10_000, refillPerSecond: 1000 } } });
    const doc = (await h.inject({ url: '/api/v1/openapi.json' })).json as { paths: Record<string, Record<string, unknown>> };
    posts = Object.entries(doc.paths)
      .filter(([, ops]) => 'post' in ops)
      .map(([path]) => path.replace(/\{[^}]+\}/g, 'x'));
  });
  after(async () => {
    await h.close();
    await sqliteFactory.teardown();
  });

  const send = async (url: string, type: string, payload: string | Readable) => {
    const r = await h.app.fastify.inject({ method: 'POST', url, headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': type }, payload });
    return { status: r.statusCode, json: r.json(), headers: r.headers as Record<string, unknown> };
  };

  it('10 MB, of any content type, to every POST route: 413 BODY_TOO_LARGE', async () => {
    assert.ok(posts.includes('/api/v1/ledger/notes') && posts.includes('/api/v1/runs'), posts.join(', '));
    const big = 'x'.repeat(10 * 1024 * 1024);
    for (const url of posts) {
      for (const type of TYPES) {
        const e = assertError(await send(url, type, type === 'application/json' ? JSON.stringify({ text: big }) : big), 413, 'BODY_TOO_LARGE');
        // Alertmanager groups can be large: the intake routes read up to 4 MiB, every other route 256 KiB.
        assert.match(e.message, url.includes('/integrations/') ? /limit is 4194304/ : /limit is 262144/, `${url} ${type}`);
      }
    }
  });

  it('the limit is exact, and a chunked body (no declared length) over it is 413 too', async () => {
    const json = (n: number): string => JSON.stringify({ text: 'x'.repeat(n - 11) });
    assert.equal(json(LIMIT + 1).length, LIMIT + 1);
    assertError(await send('/api/v1/ledger/notes', 'application/json', json(LIMIT + 1)), 413, 'BODY_TOO_LARGE');
    // At the limit the body is read (and then refused by the schema: text is at most 8192 characters).
    assertError(await send('/api/v1/ledger/notes', 'application/json', json(LIMIT)), 400, 'VALIDATION_FAILED');
    assertError(await send('/api/v1/ledger/notes', 'application/json', Readable.from([Buffer.from(json(LIMIT + 1))])), 413, 'BODY_TOO_LARGE');
    assertError(await send('/api/v1/ledger/notes', 'text/plain', Readable.from([Buffer.from('x'.repeat(LIMIT + 1))])), 413, 'BODY_TOO_LARGE');
  });

  it('a small body of a type the API does not read: 415 MEDIA_TYPE_UNSUPPORTED; JSON works', async () => {
    for (const type of TYPES.filter((t) => t !== 'application/json' && t !== 'text/plain'))
      assertError(await send('/api/v1/ledger/notes', type, 'text=hello'), 415, 'MEDIA_TYPE_UNSUPPORTED');
    assert.equal((await send('/api/v1/ledger/notes', 'application/json', JSON.stringify({ text: 'hello' }))).status, 201);
  });
});
