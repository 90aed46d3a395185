// Renders docs/errors.md from a catalogue, so the documentation cannot drift from the code (a test
// compares the file with the output for the complete catalogue, @runledger/server's renderErrorsDoc).
import { ERROR_CATALOGUE, EXIT, type ErrorInfo } from './errors.js';
import { REASONS } from '@runledger/ledger';

/** The page for `catalogue` (default: the runtime's codes; the server adds the HTTP API's). */
export function renderErrorsDoc(catalogue: Readonly<Record<string, ErrorInfo>> = ERROR_CATALOGUE): string {
  const exitNames = Object.fromEntries(Object.entries(EXIT).map(([k, v]) => [v, k])) as Record<number, string>;
  const rows = Object.keys(catalogue)
    .sort()
    .map((c) => {
      const i = catalogue[c]!;
      return `| \`${c}\` | ${i.exit} (${exitNames[i.exit]}) | ${i.http} | ${i.summary} |`;
    });
  return [
    '# Error codes',
    '',
    '<!-- Generated from packages/runtime/src/errors.ts and packages/server/src/errors.ts by `npm run docs:errors`. Do not edit by hand. -->',
    '',
    'Every error that crosses a boundary carries a code. The CLI prints `runledger: <CODE>: <message>` on',
    'stderr and exits with the code below; the HTTP API (`runledger serve`) answers with the status below and',
    '`{"error":{"code","message","requestId"}}`. The mapping lives in `packages/runtime/src/errors.ts` (all layers) and',
    "`packages/server/src/errors.ts` (the HTTP API's own codes).",
    '',
    '## CLI exit codes',
    '',
    '| exit | name | meaning |',
    '|---|---|---|',
    '| 0 | OK | success: a run succeeded; `abort`/`reject` ended the run as asked; `verify`: the bundle verified |',
    "| 1 | FAILED | the operation ran and failed: a run failed or rolled back (its failing step's output tail is printed); `verify`: FAILED <REASON>; `health`: an item does not hold; `checks run`: the check failed |",
    '| 2 | USAGE | unusable arguments or input (bad flag, invalid runbook or input, malformed JSON, unreadable bundle) |',
    '| 3 | DENIED | refused by policy, a freeze, or an approval rule (self-approval, missing role) |',
    '| 4 | WAITING | a run stopped at an approval gate; approve it from anywhere (`runledger approve`, the API or the UI) |',
    '| 5 | NOT_FOUND | no such ledger (run `runledger init`, or point `--data-dir`/`RUNLEDGER_HOME` at one), run, entry or checkpoint |',
    '| 6 | CONFLICT | already exists, or an idempotency key reused for another entry |',
    '| 7 | INTEGRITY | an integrity or key-safety check failed: the process refuses to go on (fail closed) |',
    '| 8 | UNAVAILABLE | the database is unreachable |',
    '| 9 | CONFIG | a setting, role or migration is wrong; the message names it |',
    '| 70 | INTERNAL | a bug: please report the message |',
    '',
    '## Codes',
    '',
    '| code | exit | HTTP | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
    '## Verifier reason codes',
    '',
    '`runledger verify` and `runledger-verify` report a failed bundle as',
    '`FAILED <REASON> index=<i> verifiedPrefix=<p>` with exit 1. The reasons and the order of checks are',
    'specified in [formats/ledger.md](formats/ledger.md#6-the-verifier-verifierts-bin-runledger-verify):',
    '',
    REASONS.map((r) => `\`${r}\``).join(', '),
    '',
  ].join('\n');
}
