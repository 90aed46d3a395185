// Actors in text for people: a token by its name (its recorded id carries the kind), in a gate's
// approval detail and in a rejection's detail and run reason; the recorded ids stay as they are.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actorLabel, decide, type RunEvent, type RunModel, type StepPlan } from '../src/index.js';

const at = (n: number): string => new Date(Date.UTC(2026, 11, 7, 12, 0, n)).toISOString();
const gate: StepPlan = { id: 'g', kind: 'approve', onFail: 'stop', retries: 0, backoffMs: 0, approvals: { count: 2, roles: [] } };
const sh: StepPlan = { id: 'b', kind: 'sh', onFail: 'stop', retries: 0, backoffMs: 0 };

function apply(events: RunEvent[]): RunModel {
  let m: RunModel | undefined;
  for (const e of events) {
    const d = decide(m, e);
    assert.ok(d.ok, d.ok ? '' : d.message);
    m = d.model;
  }
  return m!;
}

const created: RunEvent = { type: 'run.created', at: at(0), runId: 'r1', requester: 'token:alice', environment: 'prod', main: [gate, sh], rollback: [] };
const grant = (actor: string, t: number): RunEvent => ({ type: 'approval.granted', at: at(t), stepId: 'g', actor, roles: [], comment: 'ok' });

test('actorLabel: a token by its name, anyone else by their id', () => {
  assert.equal(actorLabel('token:bob'), 'bob');
  assert.equal(actorLabel('bob'), 'bob');
  assert.equal(actorLabel('service:token:x'), 'service:token:x');
});

test('an approved gate names its approvers as people read them; the approvals keep the recorded ids', () => {
  const m = apply([created, grant('token:bob', 1), grant('carol', 2)]);
  assert.equal(m.steps[0]!.detail, 'approved by bob, carol');
  assert.deepEqual(
    m.steps[0]!.approvals.map((a) => a.actor),
    ['token:bob', 'carol'],
  );
});

test('a rejection names the token by its name in the step and in the run reason', () => {
  const m = apply([created, { type: 'approval.rejected', at: at(1), stepId: 'g', actor: 'token:bob', roles: [], comment: 'not today' }]);
  assert.equal(m.steps[0]!.detail, 'rejected by bob: not today');
  assert.equal(m.reason, 'step g rejected by bob: not today');
});
