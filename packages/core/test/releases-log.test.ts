// Seed 003's rollback line: formatted from a release.rollback entry and parsed back, with pipes, newlines
// and backslashes in the reason escaped so the line stays one line with seven fields.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRollbackLine, parseRollbackLine, rollbackLogEntryOf, type RollbackLogEntry } from '@runledger/core';

const entry: RollbackLogEntry = {
  at: '2024-01-15T14:30:00Z',
  outcome: 'success',
  from: 'sha-abc123',
  to: 'sha-def456',
  actor: 'deploy-user',
  reason: 'health-check-failure',
};

describe('rollback log line', () => {
  it('prints the seed line exactly', () => {
    assert.equal(
      formatRollbackLine(entry),
      '2024-01-15T14:30:00Z | rollback | success | from=sha-abc123 | to=sha-def456 | actor=deploy-user | reason=health-check-failure',
    );
  });

  it('round-trips reasons with pipes, newlines, backslashes and spaces', () => {
    for (const reason of ['smoke | step 2 failed', 'line one\nline two\r\n', 'C:\\path\\|x', '  padded  ', '', 'a=b | to=evil']) {
      const e = { ...entry, outcome: 'failure' as const, reason };
      const line = formatRollbackLine(e);
      assert.ok(!line.includes('\n') && !line.includes('\r'), 'one line');
      assert.deepEqual(parseRollbackLine(line), { ok: true, entry: e });
    }
  });

  it('reads the seed example, including its shell form without a reason', () => {
    const p = parseRollbackLine('2024-01-15T14:30:00+00:00 | rollback | success | from=abc | to=sha-def456 | actor=deploy');
    assert.deepEqual(p, {
      ok: true,
      entry: { at: '2024-01-15T14:30:00+00:00', outcome: 'success', from: 'abc', to: 'sha-def456', actor: 'deploy', reason: '' },
    });
  });

  it('refuses lines that are not rollback lines, with the reason', () => {
    const bad = (l: string): string => {
      const p = parseRollbackLine(l);
      return p.ok ? '' : p.error;
    };
    assert.match(bad('nope | rollback | success | from=a | to=b | actor=c'), /not a time/);
    assert.match(bad('2024-01-15T14:30:00Z | deploy | success | from=a | to=b | actor=c'), /not a rollback line/);
    assert.match(bad('2024-01-15T14:30:00Z | rollback | maybe | from=a | to=b | actor=c'), /not success or failure/);
    assert.match(bad('2024-01-15T14:30:00Z | rollback | success | from=a | actor=c'), /missing to=/);
    assert.match(bad('2024-01-15T14:30:00Z | rollback | success | from=a | to=b | actor=c | reason=x\\q'), /bad escape/);
    assert.match(bad('2024-01-15T14:30:00Z | rollback | success | from=a | from=b | to=b | actor=c'), /appears twice/);
  });

  it('is a view of the release.rollback fact', () => {
    const e = rollbackLogEntryOf({
      type: 'release.rollback',
      at: entry.at,
      outcome: 'success',
      from: 'sha-abc123',
      to: 'sha-def456',
      actor: 'deploy-user',
      reason: 'health-check-failure',
      runId: 'r',
    });
    assert.deepEqual(e, entry);
  });
});
