// The one runbook catalogue the CLI and the server share: nested folders, invalid files kept apart,
// duplicate ids named with the file that has the id first, a missing folder is empty.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { catalogueEntry, loadCatalogue, runbookFiles } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'runledger-catalogue-'));
after(() => rmSync(root, { recursive: true, force: true }));
const rb = (id: string) => `---\nid: ${id}\ntitle: T ${id}\n---\n\n# T\n\n## Procedure\n\n\`\`\`sh {#s}\ntrue\n\`\`\`\n`;

it('finds runbooks in nested folders, keeps invalid ones and duplicate ids apart', () => {
  mkdirSync(join(root, 'rb', 'db'), { recursive: true });
  writeFileSync(join(root, 'rb', 'a.md'), rb('alpha'));
  writeFileSync(join(root, 'rb', 'db', 'b.md'), rb('beta'));
  writeFileSync(join(root, 'rb', 'db', 'c.md'), rb('alpha'));
  writeFileSync(join(root, 'rb', 'notes.txt'), 'not a runbook');
  writeFileSync(join(root, 'rb', 'z.md'), '---\nid: [broken\n---\n');
  assert.deepEqual(
    runbookFiles(join(root, 'rb')).map((f) => f.slice(root.length + 1)),
    ['rb/a.md', 'rb/db/b.md', 'rb/db/c.md', 'rb/z.md'],
  );
  const c = loadCatalogue(join(root, 'rb'), root);
  assert.deepEqual(
    c.runbooks.map((e) => [e.runbook.id, e.file]),
    [
      ['alpha', 'rb/a.md'],
      ['beta', 'rb/db/b.md'],
    ],
  );
  assert.deepEqual(
    c.invalid.map((i) => i.file),
    ['rb/db/c.md', 'rb/z.md'],
  );
  assert.equal(c.invalid[0]!.diagnostics[0]!.code, 'CATALOGUE_ID_DUPLICATE');
  assert.match(c.invalid[0]!.diagnostics[0]!.message, /already used by rb\/a\.md/);
  assert.equal(catalogueEntry(c, 'beta')!.runbook.title, 'T beta');
  assert.equal(catalogueEntry(c, 'gamma'), undefined);
  assert.deepEqual(loadCatalogue(join(root, 'missing')), { runbooks: [], invalid: [] });
});
