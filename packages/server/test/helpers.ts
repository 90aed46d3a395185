// Shared set-up for the API tests: a fresh ledger on the fixture's database, the engine as the server
// runs it, API tokens for each role, and the app built by createApp (inject only, no socket).
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { parseRunbook, type Runbook } from '@runledger/core';
import { initLedger, type LedgerLocation } from '@runledger/runtime';
import { TokenStore, type Env, type TokenRole } from '@runledger/store';
import { tempDir, type Fixture } from '@runledger/testkit';
import { createApp, openServerEngine, type App, type AppDeps, type ServerEngine } from '../src/index.js';

export function locOf(f: Fixture): LedgerLocation {
  const env: Env =
    f.config.kind === 'postgres'
      ? { RUNLEDGER_DATABASE_URL: f.config.url, RUNLEDGER_LEDGER_DATABASE_URL: f.config.ledgerWriterUrl }
      : { RUNLEDGER_DATABASE_URL: `sqlite:${f.config.file}` };
  return { env, home: f.home };
}

export function runbook(body: string, front = ''): { runbook: Runbook; source: string } {
  const source = `---\nid: api-rb\ntitle: API test runbook\n${front}---\n\n# Test\n\n${body}`;
  const r = parseRunbook(source, 'api.md');
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  return { runbook: r.runbook, source };
}

// Response bodies are read ad hoc in assertions; the schemas themselves are tested through the OpenAPI document.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

export interface Harness {
  readonly app: App;
  readonly server: ServerEngine;
  readonly tokens: Record<'viewer' | 'operator' | 'approver' | 'admin' | 'approver2', string>;
  readonly logs: string[];
  inject(o: {
    method?: 'GET' | 'POST' | 'DELETE';
    url: string;
    token?: string;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<{ status: number; json: Body; text: string; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function harness(f: Fixture, opts: Partial<AppDeps> = {}): Promise<Harness> {
  const loc = locOf(f);
  await initLedger(loc, { origin: 'api.test/ledger', actor: { kind: 'user', id: 'setup' } });
  const server = await openServerEngine(loc, { cwd: tempDir('runledger-api-cwd-') });
  const ts = new TokenStore(server.engineContext.ledger.store);
  const now = new Date().toISOString();
  const make = async (name: string, role: TokenRole): Promise<string> => {
    const r = await ts.create({ name, role, now });
    assert.ok(r.ok);
    return r.token;
  };
  const tokens = {
    viewer: await make('vera', 'viewer'),
    operator: await make('olga', 'operator'),
    approver: await make('bob', 'approver'),
    approver2: await make('carol', 'approver'),
    admin: await make('ada', 'admin'),
  };
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const app = await createApp({
    engineContext: server.engineContext,
    events: server.events,
    version: '0.0.0-test',
    logger: { level: 'info', stream },
    ...opts,
  });
  return {
    app,
    server,
    tokens,
    logs,
    async inject(o) {
      const r = await app.fastify.inject({
        method: o.method ?? 'GET',
        url: o.url,
        headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(o.headers ?? {}) },
        ...(o.body !== undefined ? { payload: o.body as object } : {}),
      });
      let json: unknown;
      try {
        json = r.json();
      } catch {
        json = undefined;
      }
      return { status: r.statusCode, json, text: r.body, headers: r.headers };
    },
    async close() {
      await app.shutdown();
      await server.engineContext.close();
    },
  };
}

/** Asserts the one error shape and returns the body's error. */
export function assertError(
  r: { status: number; json: Body; headers: Record<string, unknown> },
  status: number,
  code: string,
): { code: string; message: string; requestId: string } {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.deepEqual(Object.keys(r.json), ['error']);
  assert.deepEqual(
    Object.keys(r.json.error)
      .filter((k) => k !== 'details')
      .sort(),
    ['code', 'message', 'requestId'],
  );
  assert.equal(r.json.error.code, code);
  assert.equal(r.json.error.requestId, r.headers['x-request-id']);
  return r.json.error;
}
