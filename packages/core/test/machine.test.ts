// The run state machine: transitions, retries, approvals, rollback, crash recovery, operator
// actions, and replay (a stored history rebuilds the same model and decisions).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, pendingCommands, replay, type RunCommand, type RunEvent, type RunModel, type StepPlan } from '../src/engine/machine.js';

const at = (n: number): string => new Date(Date.UTC(2026, 10, 23, 12, 0, n)).toISOString();
const sh = (id: string, extra: Partial<StepPlan> = {}): StepPlan => ({ id, kind: 'sh', onFail: 'stop', retries: 0, backoffMs: 0, ...extra });
const gate = (id: string, count = 1, roles: string[] = []): StepPlan => ({
  id,
  kind: 'approve',
  onFail: 'stop',
  retries: 0,
  backoffMs: 0,
  approvals: { count, roles },
});

/** Applies events in order, asserting each is accepted; returns the model and every command issued. */
function run(events: RunEvent[]): { model: RunModel; commands: RunCommand[][] } {
  let m: RunModel | undefined;
  const commands: RunCommand[][] = [];
  for (const e of events) {
    const d = decide(m, e);
    assert.ok(d.ok, `${e.type}: ${d.ok ? '' : `${d.code} ${d.message}`}`);
    m = d.model;
    commands.push([...d.commands]);
  }
  return { model: m!, commands };
}

const created = (main: StepPlan[], rollback: StepPlan[] = []): RunEvent => ({
  type: 'run.created',
  at: at(0),
  runId: 'r1',
  requester: 'alice',
  environment: 'prod',
  main,
  rollback,
});
const started = (stepId: string, attempt = 1, phase: 'main' | 'rollback' = 'main', t = 1): RunEvent => ({
  type: 'step.started',
  at: at(t),
  phase,
  stepId,
  attempt,
});
const finished = (stepId: string, ok: boolean, attempt = 1, phase: 'main' | 'rollback' = 'main', t = 2): RunEvent => ({
  type: 'step.finished',
  at: at(t),
  phase,
  stepId,
  attempt,
  ok,
  durationMs: 5,
  exitCode: ok ? 0 : 1,
});

describe('run state machine', () => {
  it('runs steps in order and succeeds', () => {
    const { model, commands } = run([created([sh('a'), sh('b')]), started('a'), finished('a', true), started('b'), finished('b', true)]);
    assert.equal(model.state, 'succeeded');
    assert.deepEqual(commands[0], [{ type: 'start_step', phase: 'main', stepId: 'a', attempt: 1, delayMs: 0 }]);
    assert.deepEqual(commands[2], [{ type: 'start_step', phase: 'main', stepId: 'b', attempt: 1, delayMs: 0 }]);
    assert.deepEqual(commands[4], [{ type: 'finish_run', state: 'succeeded' }]);
    assert.deepEqual(
      model.steps.map((s) => s.status),
      ['succeeded', 'succeeded'],
    );
  });

  it('retries with exponential backoff, then fails and rolls back', () => {
    const { model, commands } = run([
      created([sh('a', { retries: 2, backoffMs: 100 }), sh('b')], [sh('undo')]),
      started('a'),
      finished('a', false),
      started('a', 2),
      finished('a', false, 2),
      started('a', 3),
      finished('a', false, 3),
      started('undo', 1, 'rollback'),
      finished('undo', true, 1, 'rollback'),
    ]);
    assert.deepEqual(commands[2], [{ type: 'start_step', phase: 'main', stepId: 'a', attempt: 2, delayMs: 100 }]);
    assert.deepEqual(commands[4], [{ type: 'start_step', phase: 'main', stepId: 'a', attempt: 3, delayMs: 200 }]);
    assert.deepEqual(commands[6], [{ type: 'start_step', phase: 'rollback', stepId: 'undo', attempt: 1, delayMs: 0 }]);
    assert.equal(model.state, 'rolled_back');
    assert.match(model.reason!, /step a failed/);
    assert.equal(model.steps[1]!.status, 'pending', 'b never ran');
  });

  it('on-fail=continue records the failure and goes on', () => {
    const { model } = run([created([sh('a', { onFail: 'continue' }), sh('b')]), started('a'), finished('a', false), started('b'), finished('b', true)]);
    assert.equal(model.state, 'succeeded');
    assert.equal(model.steps[0]!.status, 'failed');
  });

  it('a failing rollback step leaves the run failed, not rolled back', () => {
    const { model } = run([
      created([sh('a')], [sh('u1'), sh('u2')]),
      started('a'),
      finished('a', false),
      started('u1', 1, 'rollback'),
      finished('u1', false, 1, 'rollback'),
    ]);
    assert.equal(model.state, 'failed');
    assert.match(model.reason!, /rollback did not complete/);
  });

  it('approvals: N of M quorum, never the requester, roles enforced, no double votes', () => {
    let m = run([created([sh('a'), gate('announce', 2, ['approver']), sh('b')]), started('a'), finished('a', true)]).model;
    assert.equal(m.state, 'waiting_approval');
    assert.deepEqual(pendingCommands(m), [{ type: 'await_approval', stepId: 'announce', count: 2, roles: ['approver'], have: 0 }]);
    const grant = (actor: string, roles = ['approver']): RunEvent => ({ type: 'approval.granted', at: at(5), stepId: 'announce', actor, roles, comment: 'ok' });
    const self = decide(m, grant('alice'));
    assert.equal(self.ok ? '' : self.code, 'APPROVAL_SELF');
    const role = decide(m, grant('bob', ['viewer']));
    assert.equal(role.ok ? '' : role.code, 'APPROVAL_ROLE');
    const one = decide(m, grant('bob'));
    assert.ok(one.ok);
    m = one.model;
    assert.equal(m.state, 'waiting_approval');
    const dup = decide(m, grant('bob'));
    assert.equal(dup.ok ? '' : dup.code, 'APPROVAL_DUPLICATE');
    const two = decide(m, grant('carol'));
    assert.ok(two.ok);
    assert.deepEqual(two.commands, [{ type: 'start_step', phase: 'main', stepId: 'b', attempt: 1, delayMs: 0 }]);
    assert.deepEqual(
      two.model.steps[1]!.approvals.map((a) => a.actor),
      ['bob', 'carol'],
    );
  });

  it('a rejection fails the gate and rolls back', () => {
    const m = run([created([gate('g'), sh('b')], [sh('undo')])]).model;
    const d = decide(m, { type: 'approval.rejected', at: at(3), stepId: 'g', actor: 'bob', roles: [], comment: 'not today' });
    assert.ok(d.ok);
    assert.equal(d.model.phase, 'rollback');
    assert.match(d.model.reason!, /rejected by bob: not today/);
  });

  it('a crash turns a running step into unknown and the run into interrupted; resume needs a decision', () => {
    let m = run([created([sh('a'), sh('b')]), started('a')]).model;
    const i = decide(m, { type: 'run.interrupted', at: at(9), reason: 'process restarted' });
    assert.ok(i.ok);
    m = i.model;
    assert.equal(m.state, 'interrupted');
    assert.equal(m.steps[0]!.status, 'unknown');
    const r = decide(m, { type: 'operator.resume', at: at(10), actor: 'bob' });
    assert.equal(r.ok ? '' : r.code, 'RESUME_NEEDS_DECISION');
    const retry = decide(m, { type: 'operator.retry', at: at(10), actor: 'bob' });
    assert.ok(retry.ok);
    assert.deepEqual(retry.commands, [{ type: 'start_step', phase: 'main', stepId: 'a', attempt: 2, delayMs: 0 }]);
    const skip = decide(m, { type: 'operator.skip', at: at(10), actor: 'bob', reason: 'done by hand' });
    assert.ok(skip.ok);
    assert.equal(skip.model.steps[0]!.status, 'skipped');
    assert.deepEqual(skip.commands, [{ type: 'start_step', phase: 'main', stepId: 'b', attempt: 1, delayMs: 0 }]);
  });

  it('an orphan decision on the unknown step is recorded and leaves it unknown; anywhere else it is refused', () => {
    const m = run([created([sh('a'), sh('b')]), started('a'), { type: 'run.interrupted', at: at(9), reason: 'process restarted' }]).model;
    for (const decision of ['kill', 'wait'] as const) {
      const d = decide(m, { type: 'operator.orphan', at: at(10), actor: 'bob', stepId: 'a', decision, pgid: 4242 });
      assert.ok(d.ok);
      assert.equal(d.model.state, 'interrupted');
      assert.equal(d.model.steps[0]!.status, 'unknown');
      assert.match(d.model.steps[0]!.detail!, /process group 4242/);
      assert.deepEqual(d.commands, []);
      assert.ok(decide(d.model, { type: 'operator.retry', at: at(11), actor: 'bob' }).ok, 'retry is the next decision');
    }
    const wrong = decide(m, { type: 'operator.orphan', at: at(10), actor: 'bob', stepId: 'b', decision: 'kill', pgid: 1 });
    assert.equal(wrong.ok ? '' : wrong.code, 'STEP_MISMATCH');
    const running = run([created([sh('a')]), started('a')]).model;
    const notInterrupted = decide(running, { type: 'operator.orphan', at: at(3), actor: 'bob', stepId: 'a', decision: 'wait', pgid: 1 });
    assert.equal(notInterrupted.ok ? '' : notInterrupted.code, 'INVALID_TRANSITION');
  });

  it('a restart does not interrupt a run that waits for approval', () => {
    const m = run([created([gate('g')])]).model;
    const d = decide(m, { type: 'run.interrupted', at: at(2), reason: 'process restarted' });
    assert.ok(d.ok);
    assert.equal(d.model.state, 'waiting_approval');
  });

  it('a policy denial fails the run and marks it denied', () => {
    const m = run([created([sh('a')])]).model;
    const d = decide(m, { type: 'step.denied', at: at(1), phase: 'main', stepId: 'a', reason: 'frozen' });
    assert.ok(d.ok);
    assert.equal(d.model.state, 'failed');
    assert.equal(d.model.denied, true);
    assert.equal(d.model.steps[0]!.status, 'denied');
  });

  it('abort ends the run at once; finished runs refuse further events', () => {
    const m = run([created([sh('a')]), started('a')]).model;
    const d = decide(m, { type: 'operator.abort', at: at(3), actor: 'bob', reason: 'wrong target' });
    assert.ok(d.ok);
    assert.equal(d.model.state, 'aborted');
    assert.equal(d.model.steps[0]!.status, 'unknown');
    const after = decide(d.model, finished('a', true));
    assert.equal(after.ok ? '' : after.code, 'RUN_FINISHED');
  });

  it('rejects events that do not fit: wrong step, wrong attempt, a finish without a start', () => {
    const m = run([created([sh('a'), sh('b')])]).model;
    for (const e of [started('b'), finished('a', true), { ...finished('a', true), attempt: 2 } as RunEvent]) {
      const d = decide(m, e);
      assert.equal(d.ok, false, e.type);
    }
  });

  it('replay rebuilds the same model as applying events one by one, and refuses a forged history', () => {
    const events: RunEvent[] = [
      created([sh('a', { retries: 1 }), gate('g'), sh('b')], [sh('u')]),
      started('a'),
      finished('a', false),
      started('a', 2),
      finished('a', true, 2),
      { type: 'approval.granted', at: at(7), stepId: 'g', actor: 'bob', roles: [], comment: 'go' },
      started('b'),
      finished('b', false),
      started('u', 1, 'rollback'),
      finished('u', true, 1, 'rollback'),
    ];
    const step = run(events).model;
    assert.deepEqual(replay(events), step);
    assert.equal(step.state, 'rolled_back');
    for (let cut = 1; cut < events.length; cut++) assert.deepEqual(replay(events.slice(0, cut)), run(events.slice(0, cut)).model);
    assert.throws(() => replay([events[0]!, finished('a', true)]), /does not apply/);
  });
});
