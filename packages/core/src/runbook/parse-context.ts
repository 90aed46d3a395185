// What every parsing phase shares: the source, its line index, the Markdown tree and one place to
// report diagnostics (all collected, then sorted once).
import type { Root } from 'mdast';
import type { Diagnostic } from './types.js';
import { diagnostic, type RunbookDiagnosticCode } from './diagnostics.js';
import type { LineIndex } from './positions.js';

export interface ParseContext {
  readonly source: string;
  readonly file: string;
  readonly li: LineIndex;
  readonly tree: Root;
  readonly diags: Diagnostic[];
  report(code: RunbookDiagnosticCode, message: string, line: number, column: number): void;
  reportAt(code: RunbookDiagnosticCode, message: string, p: { line: number; column: number }): void;
}

export function parseContext(source: string, file: string, li: LineIndex, tree: Root): ParseContext {
  const diags: Diagnostic[] = [];
  const report = (code: RunbookDiagnosticCode, message: string, line: number, column: number): void => {
    diags.push(diagnostic(code, message, file, line, column));
  };
  return { source, file, li, tree, diags, report, reportAt: (code, message, p) => report(code, message, p.line, p.column) };
}
