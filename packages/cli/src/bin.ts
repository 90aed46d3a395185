// The `runledger` command as a module that runs itself: bin/runledger.js for installs, and what a
// process of Runledger starts to run `runledger` again (the chaos drill's `runledger run`).
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
