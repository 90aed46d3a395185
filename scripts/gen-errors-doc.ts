import { writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '@runledger/server';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
