// Patterns that make a backtracking engine (V8's RegExp) take exponential or high-polynomial time,
// each with a subject that triggers it (each one hangs `new RegExp(p).test(s)` for minutes or more)
// and does not match, and a short subject that matches anywhere.
// A node:test `timeout` cannot stop synchronous code, so `bounded` runs a call under vm's watchdog,
// which interrupts it: a catastrophic backtrack then fails the test instead of hanging it.
import vm from 'node:vm';

const a = (n: number): string => 'a'.repeat(n);

export const CATASTROPHIC: readonly { readonly pattern: string; readonly subject: string; readonly match: string }[] = [
  { pattern: '^(a+)+$', subject: `${a(40)}!`, match: 'aaaa' },
  { pattern: '(a|aa)+$', subject: `${a(60)}!`, match: 'xaa' },
  { pattern: '^(\\w+\\s?)*$', subject: `${a(40)}!`, match: 'ab cd' },
  { pattern: '(.*a){25}', subject: a(24) + 'x'.repeat(2000), match: a(25) },
  { pattern: '(a*)*b', subject: a(5000), match: 'aab' },
  { pattern: '(x+x+)+y', subject: 'x'.repeat(40), match: 'xxy' },
  { pattern: '^(a|a?)+$', subject: `${a(40)}!`, match: 'aa' },
  { pattern: '^([a-z]+)*[0-9]$', subject: `${a(40)}!`, match: 'ab1' },
];

/** JavaScript constructs RE2 does not have; `at` is the construct's offset in the pattern. */
export const UNSUPPORTED: readonly { readonly pattern: string; readonly at: number }[] = [
  { pattern: '(a)\\1', at: 3 },
  { pattern: 'x(?<n>a)\\k<n>', at: 8 },
  { pattern: 'rm(?= -rf)', at: 2 },
  { pattern: 'rm(?! -i)', at: 2 },
  { pattern: '(?<=sudo )rm', at: 0 },
  { pattern: '(?<!#)rm', at: 0 },
];

/** Runs `f` and returns its value, or throws if it runs longer than `ms` (interrupting it). */
export function bounded<T>(f: () => T, ms = 3000): T {
  return vm.runInNewContext('f()', { f }, { timeout: ms }) as T;
}
