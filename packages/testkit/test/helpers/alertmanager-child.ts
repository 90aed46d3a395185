// Started by alertmanager.test.ts: runs an Alertmanager, prints its pid and temp dir, then ends without stop() the way
// the first argument says ('exit': a normal exit; 'hang': waits for the test to SIGKILL this process).
import { dirname } from 'node:path';
import { startAlertmanager } from '../../src/index.js';

const am = await startAlertmanager({ webhookUrl: 'http://127.0.0.1:9/unused' });
process.stdout.write(`${am.pid} ${dirname(am.configFile)}\n`);
if (process.argv[2] === 'exit') process.exit(0);
setInterval(() => {}, 1000);
