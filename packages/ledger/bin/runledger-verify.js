#!/usr/bin/env node
// Standalone offline verifier. Needs only Node.js (>= 20.19) and this package's compiled dist/.
import { runVerifyCli } from '../dist/bin/verify-cli.js';

process.exitCode = runVerifyCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  progress: process.stderr.isTTY === true,
});
