// The runbook language's public API, named one by one so the package surface stays deliberate.
export { parseRunbook, lintRunbook, sectionKindOf, escapeRegExp } from './parse.js';
export { formatDiagnostic, RUNBOOK_DIAGNOSTICS, type RunbookDiagnosticCode } from './diagnostics.js';
export { parseDuration } from './duration.js';
export {
  renderTemplate,
  templateRefs,
  envForStep,
  inputEnvName,
  stepOutputEnvName,
  SECRET_MASK,
  TemplateError,
  type TemplateRef,
  type TemplateRefKind,
  type TemplateContext,
  type RenderMode,
  type RenderOptions,
} from './template.js';
export { resolveInputs, secretInputNames, parseInputValue, type InputValue, type ResolveInputsResult } from './inputs.js';
export { renderStep, renderProbe, type RenderedStep } from './render.js';
export { resolveEnvironment, type EnvironmentChoice } from './environment.js';
