// The runbook catalogue routes: the Markdown runbooks in the server's runbooks directory (the
// runtime's catalogue, read on each request so an edited file shows at once), and a lint route for drafts.
import { lintRunbook, type Diagnostic, type InputSpec, type Runbook, type Step } from '@runledger/core';
import { catalogueEntry, loadCatalogue, type Catalogue, type CatalogueEntry } from '@runledger/runtime';
import { ApiError } from '../errors.js';
import type { ApiInstance, RouteContext } from '../context.js';
import { errors, LintBody, LintResult, RunbookDetail, RunbookList, RunbookParams } from '../schemas.js';

export { loadCatalogue };

export function findRunbook(c: Catalogue, id: string): CatalogueEntry {
  const e = catalogueEntry(c, id);
  if (!e) throw new ApiError('RUNBOOK_NOT_FOUND', `no runbook ${id} in the runbooks directory`);
  return e;
}

function inputJson(i: InputSpec) {
  return {
    name: i.name,
    type: i.type,
    ...(i.description !== undefined ? { description: i.description } : {}),
    required: i.required,
    ...(i.default !== undefined ? { default: i.default } : {}),
    ...(i.pattern !== undefined ? { pattern: i.pattern } : {}),
    ...(i.min !== undefined ? { min: i.min } : {}),
    ...(i.max !== undefined ? { max: i.max } : {}),
    ...(i.values ? { values: [...i.values] } : {}),
    secret: i.type === 'secret',
    ...(i.from ? { from: { ...i.from } } : {}),
  };
}

export function runbookSummary(rb: Runbook) {
  return {
    id: rb.id,
    title: rb.title,
    description: rb.description ?? null,
    file: rb.file,
    sha256: rb.contentHash,
    inputs: rb.inputs.map(inputJson),
    environments: [...rb.environments],
  };
}

function stepJson(s: Step) {
  return { id: s.id, kind: s.kind, section: s.section, attributes: { ...s.attrs }, body: s.body };
}

function diagJson(d: Diagnostic) {
  return { severity: d.severity, code: d.code, message: d.message, file: d.file, line: d.line, column: d.column };
}

export function runbookRoutes(app: ApiInstance, rc: RouteContext): void {
  const tags = ['runbooks'];
  const catalogue = (): Catalogue => loadCatalogue(rc.runbooksDir);

  app.get(
    '/runbooks',
    {
      config: { role: 'viewer' },
      schema: { tags, summary: 'The runbooks in the server\u2019s runbooks directory', response: { 200: RunbookList, ...errors(401, 403, 429, 503) } },
    },
    async () => {
      const c = catalogue();
      return {
        runbooks: c.runbooks.map((e) => runbookSummary(e.runbook)),
        invalid: c.invalid.map((i) => ({ file: i.file, diagnostics: i.diagnostics.map(diagJson) })),
      };
    },
  );

  app.get(
    '/runbooks/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'One runbook: inputs, sections with their Markdown, steps',
        params: RunbookParams,
        response: { 200: RunbookDetail, ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (req) => {
      const rb = findRunbook(catalogue(), req.params.id).runbook;
      return {
        ...runbookSummary(rb),
        sections: rb.sections.map((s) => ({ kind: s.kind, title: s.title, depth: s.depth, markdown: s.markdown, steps: s.steps.map((x) => x.id) })),
        steps: rb.steps.map(stepJson),
        rollback: rb.rollback.map(stepJson),
      };
    },
  );

  app.post(
    '/runbooks/lint',
    {
      config: { role: 'viewer' },
      schema: {
        tags,
        summary: 'Lint a runbook source; 200 with its diagnostics (line/column)',
        body: LintBody,
        response: { 200: LintResult, ...errors(400, 401, 403, 429, 503) },
      },
    },
    async (req) => {
      const ds = lintRunbook(req.body.source, req.body.file ?? '<input>');
      return { ok: !ds.some((d) => d.severity === 'error'), diagnostics: ds.map(diagJson) };
    },
  );
}
