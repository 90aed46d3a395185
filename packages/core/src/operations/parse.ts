// The operations file (YAML) → OperationsConfig, every problem at file:line:col with its JSON path.
import type { OperationsConfig } from './types.js';
import { validateOperations } from './validate.js';
import { parseYamlFile, type FileProblem } from './yaml-locate.js';

export function parseOperationsText(text: string, file: string): { ok: true; config: OperationsConfig } | { ok: false; problems: FileProblem[] } {
  const y = parseYamlFile(text, file);
  if (!y.ok) return y;
  const r = validateOperations(y.data);
  if (r.ok) return r;
  return { ok: false, problems: r.problems.map((p) => y.locate(p.path, p.message)) };
}
