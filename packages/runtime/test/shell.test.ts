// The shell adapter against real processes: exit codes and signals, the environment, timeouts and
// aborts that kill the whole process group (grandchildren included, checked with ps), the output cap
// with digests over the full stream, stdin, and a background process that must not hold a step open.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { groupAlive, identityAlive, identityOf, processAlive, runShell, type ProcessIdentity } from '../src/shell/index.js';

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** Live (non-zombie) members of a process group, as `ps` sees them; independent of the code under test. */
function psGroup(pgid: number): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => Number(f[1]) === pgid && !f[2]?.startsWith('Z'))
    .map((f) => f.join(' '));
}

/** `kill -0`, except that a zombie (left by an init that does not reap) counts as gone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  return stat !== '' && !stat.startsWith('Z');
}

const leftovers: number[] = [];
const dirs: string[] = [];
function tmp(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), 'runledger-shell-')));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('runShell: exit status', () => {
  it('reports exit codes and output', async () => {
    const ok = await runShell({ script: 'echo out; echo err >&2' });
    assert.equal(ok.exitCode, 0);
    assert.equal(ok.signal, null);
    assert.equal(ok.stdout, 'out\n');
    assert.equal(ok.stderr, 'err\n');
    assert.equal(ok.timedOut, false);
    assert.equal(ok.aborted, false);
    assert.equal(ok.truncated, false);
    assert.ok(ok.durationMs > 0);
    assert.equal((await runShell({ script: 'exit 3' })).exitCode, 3);
    assert.equal((await runShell({ script: 'false' })).exitCode, 1);
    assert.equal((await runShell({ script: 'no-such-command-xyz' })).exitCode, 127);
  });

  it('reports a death by signal', async () => {
    const r = await runShell({ script: 'kill -KILL $$' });
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(r.timedOut, false);
  });

  it('reports a script that cannot start instead of throwing', async () => {
    const r = await runShell({ script: 'true', cwd: '/no/such/dir' });
    assert.equal(r.exitCode, null);
    assert.match(r.error ?? '', /ENOENT/);
    const pre = new AbortController();
    pre.abort();
    const a = await runShell({ script: 'touch /tmp/should-not-exist-runledger', signal: pre.signal });
    assert.equal(a.aborted, true);
    assert.equal(a.exitCode, null);
  });
});

describe('runShell: environment, cwd, stdin', () => {
  it('passes variables through env, not argv, over a minimal base', async () => {
    process.env['RUNLEDGER_TEST_RUNNER_ONLY'] = 'runner-private';
    try {
      const r = await runShell({
        script: 'printf "%s|%s|%s|%s" "$GREETING" "${RUNLEDGER_TEST_RUNNER_ONLY-unset}" "${HOME:+home}" "$(command -v sh)"',
        env: { GREETING: 'hello world; $(not run)' },
      });
      assert.equal(r.stdout, `hello world; $(not run)|unset|home|${execFileSync('sh', ['-c', 'command -v sh'], { encoding: 'utf8' }).trim()}`);
      const inherit = await runShell({ script: 'printf %s "$RUNLEDGER_TEST_RUNNER_ONLY"', inheritEnv: true, env: { HOME: undefined } });
      assert.equal(inherit.stdout, 'runner-private');
      const removed = await runShell({ script: 'printf %s "${HOME-unset}"', env: { HOME: undefined } });
      assert.equal(removed.stdout, 'unset');
    } finally {
      delete process.env['RUNLEDGER_TEST_RUNNER_ONLY'];
    }
  });

  it('runs in cwd and feeds stdin', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'runledger-shell-')));
    assert.equal((await runShell({ script: 'pwd', cwd: dir })).stdout, `${dir}\n`);
    assert.equal((await runShell({ script: 'read a; read b; echo "$b $a"', input: 'one\ntwo\n' })).stdout, 'two one\n');
    // Without input, stdin is /dev/null: a stray read ends at once instead of hanging the step.
    const r = await runShell({ script: 'read x; echo "rc=$?"', timeoutMs: 5000 });
    assert.equal(r.stdout, 'rc=1\n');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('runShell: timeouts and aborts kill the whole process group', () => {
  it('a timeout kills the shell and its grandchildren', async () => {
    const r = await runShell({ script: 'sleep 100 & echo "$$ $!"; sleep 100', timeoutMs: 300 });
    const [leader, grandchild] = r.stdout.trim().split(' ').map(Number);
    assert.ok(leader && grandchild, r.stdout);
    leftovers.push(grandchild);
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGTERM');
    assert.ok(r.durationMs >= 290 && r.durationMs < 3000, String(r.durationMs));
    assert.equal(alive(leader), false, 'shell still running');
    assert.equal(alive(grandchild), false, 'background sleep still running');
    assert.deepEqual(psGroup(leader), []);
    assert.equal(groupAlive(leader), false);
    assert.equal(processAlive(grandchild), false);
  });

  it('a grandchild that ignores SIGTERM gets SIGKILL after the grace period', async () => {
    const r = await runShell({
      script: `(trap '' TERM; exec sleep 100) & echo "$$ $!"; wait`,
      timeoutMs: 200,
      killGraceMs: 400,
    });
    const [leader, stubborn] = r.stdout.trim().split(' ').map(Number);
    assert.ok(leader && stubborn, r.stdout);
    leftovers.push(stubborn);
    assert.equal(r.timedOut, true);
    assert.ok(r.durationMs >= 590, `reported before the SIGKILL: ${r.durationMs}`);
    assert.equal(alive(stubborn), false);
    assert.deepEqual(psGroup(leader), []);
  });

  it('an abort signal kills the group', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const r = await runShell({ script: 'sleep 100 & echo "$$ $!"; sleep 100', signal: ac.signal });
    const [leader, grandchild] = r.stdout.trim().split(' ').map(Number);
    leftovers.push(grandchild!);
    assert.equal(r.aborted, true);
    assert.equal(r.timedOut, false);
    assert.equal(alive(leader!), false);
    assert.equal(alive(grandchild!), false);
    assert.deepEqual(psGroup(leader!), []);
  });

  it('does not wait for a background process that keeps the output pipes open (kept with keepChildren)', async () => {
    const r = await runShell({ script: 'sleep 30 & echo "$!"', drainMs: 100, keepChildren: true });
    const bg = Number(r.stdout.trim());
    leftovers.push(bg);
    assert.equal(r.exitCode, 0);
    assert.ok(r.durationMs < 2000, String(r.durationMs));
    assert.equal(r.childrenEnded, false);
    // Kept on purpose (a step may start a daemon): it outlives the step.
    assert.equal(alive(bg), true);
    process.kill(bg, 'SIGKILL');
  });
});

describe('runShell: background processes end with the script', () => {
  for (const [name, script] of [
    ['one holding the output pipes', 'sleep 30 & echo "$!"'],
    ['one with its own output', 'sleep 30 >/dev/null 2>&1 </dev/null & echo "$!"'],
    ['one ignoring SIGTERM (SIGKILL after the grace period)', 'trap \'\' TERM; sleep 30 >/dev/null 2>&1 & echo "$!"'],
    ['a grandchild in a subshell', '(sleep 30; echo late) & echo "$!"'],
  ] as const) {
    it(`ends ${name} once the script exits`, async () => {
      const r = await runShell({ script, killGraceMs: 300 });
      const bg = Number(r.stdout.trim().split('\n')[0]);
      leftovers.push(bg);
      assert.equal(r.exitCode, 0, r.error);
      assert.equal(r.timedOut, false);
      assert.equal(r.childrenEnded, true);
      assert.equal(alive(bg), false);
    });
  }

  it('leaves nothing to end when the script started nothing', async () => {
    const r = await runShell({ script: 'echo hi' });
    assert.equal(r.childrenEnded, false);
  });
});

describe('runShell: held until the group is recorded (onSpawn)', () => {
  it('reports the group before the script runs, then runs it', async () => {
    const dir = tmp();
    const marker = join(dir, 'ran');
    let seen: ProcessIdentity | undefined;
    const r = await runShell({
      script: `echo "$$" > ${marker}`,
      onSpawn: async (g) => {
        seen = g;
        assert.throws(() => readFileSync(marker), 'the script has not run yet');
        assert.equal(identityAlive(g), true);
      },
    });
    assert.equal(r.exitCode, 0, r.error);
    // The script ran as the leader that was reported: same pid (exec keeps it), so same group.
    assert.equal(Number(readFileSync(marker, 'utf8').trim()), seen!.pgid);
    assert.equal(seen!.host, hostname());
    assert.match(seen!.startTime ?? '', /^\d+$/);
    assert.equal(identityAlive(seen!), false, 'gone after the step');
  });

  it('never runs the script when recording fails', async () => {
    const marker = join(tmp(), 'ran');
    const r = await runShell({ script: `touch ${marker}`, onSpawn: () => Promise.reject(new Error('store is down')) });
    assert.match(r.error ?? '', /not started: store is down/);
    assert.notEqual(r.exitCode, 0);
    assert.throws(() => readFileSync(marker));
  });

  it('never runs the script when the caller dies while it is held', async () => {
    const marker = join(tmp(), 'ran');
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(import.meta.dirname, 'fixtures', 'held-child.ts'), `touch ${marker}`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const pgid = await new Promise<number>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /HELD (\d+)/.exec(buf);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`child exited early: ${code}`)));
    });
    leftovers.push(pgid);
    child.kill('SIGKILL');
    for (let i = 0; i < 100 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(groupAlive(pgid), false, 'the held shell exited when its gate closed');
    assert.throws(() => readFileSync(marker), 'the script never ran');
  });

  it('tells a reused pid from the recorded leader by its start time, and answers only for this host', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    leftovers.push(child.pid!);
    const id = identityOf(child.pid!);
    assert.equal(identityAlive(id), true);
    assert.equal(identityAlive({ ...id, startTime: String(Number(id.startTime) + 1) }), false, 'another process with the same pid');
    assert.equal(identityAlive({ ...id, host: `${hostname()}-elsewhere` }), false);
    child.kill('SIGKILL');
    for (let i = 0; i < 100 && identityAlive(id); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(identityAlive(id), false);
  });
});

describe('runShell: output cap and digests', () => {
  const N = 60_000;
  const full = Array.from({ length: N }, (_, i) => `${i + 1}\n`).join('');

  it('keeps the first maxOutputBytes, counts and digests everything', async () => {
    let live = '';
    const r = await runShell({ script: `seq 1 ${N}; echo done >&2`, maxOutputBytes: 1000, onOutput: (s, c) => s === 'stdout' && (live += c) });
    assert.equal(r.exitCode, 0);
    assert.equal(r.truncated, true);
    assert.equal(r.stdout, full.slice(0, 1000));
    assert.equal(r.stdoutBytes, Buffer.byteLength(full));
    assert.equal(r.stdoutSha256, sha256(full));
    assert.equal(r.stderr, 'done\n');
    assert.equal(r.stderrSha256, sha256('done\n'));
    // The live callback sees every byte, cap or no cap.
    assert.equal(live, full);
  });

  it('cuts on a UTF-8 character boundary and digests raw bytes exactly', async () => {
    const r = await runShell({ script: "printf 'aéééé'", maxOutputBytes: 4 });
    assert.equal(r.stdout, 'aé');
    assert.equal(r.stdoutBytes, 9);
    assert.equal(r.stdoutSha256, sha256('aéééé'));
    const bin = await runShell({ script: "printf '\\377\\000\\376'" });
    assert.equal(bin.stdoutSha256, sha256(Buffer.from([0xff, 0x00, 0xfe])));
    const none = await runShell({ script: 'true', maxOutputBytes: 0 });
    assert.equal(none.truncated, false);
    assert.equal(none.stdoutSha256, sha256(''));
  });
});
