import { writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '@runledger/runtime';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
