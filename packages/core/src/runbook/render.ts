// Rendering a parsed step for a run or a plan. The language fixes which text is a script (rendered in
// 'shell' mode: references become ${RL_…} variables, values travel in envForStep) and which is data
// (rendered in 'text' mode: the values themselves, secrets masked when only displayed).
import type { ProbeSpec } from '../probes/types.js';
import type { Step } from './types.js';
import { renderTemplate, type RenderOptions, type TemplateContext } from './template.js';

export type RenderedStep =
  | { readonly kind: 'sh'; readonly script: string }
  | { readonly kind: 'http'; readonly method: string; readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly body?: string }
  | { readonly kind: 'check' | 'wait'; readonly probe: ProbeSpec }
  | { readonly kind: 'approve'; readonly text: string };

/** Every string field of a probe rendered: `command.run` as a script ('shell' mode), everything else as text. */
export function renderProbe(probe: ProbeSpec, ctx: TemplateContext, options: RenderOptions = {}): ProbeSpec {
  const t = (s: string): string => renderTemplate(s, ctx, 'text', options);
  const opt = (s: string | undefined): string | undefined => (s === undefined ? undefined : t(s));
  const clean = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  switch (probe.kind) {
    case 'http':
      return clean({
        ...probe,
        url: renderTemplate(probe.url, ctx, 'url', options),
        headers: probe.headers ? Object.fromEntries(Object.entries(probe.headers).map(([k, v]) => [k, t(v)])) : undefined,
        body: opt(probe.body),
        expectBodyContains: opt(probe.expectBodyContains),
        expectJson: probe.expectJson ? renderJson(probe.expectJson, t) : undefined,
        expectHeaders: probe.expectHeaders ? Object.fromEntries(Object.entries(probe.expectHeaders).map(([k, v]) => [k, t(v)])) : undefined,
        ca: opt(probe.ca),
      });
    case 'tcp':
      return { ...probe, host: t(probe.host) };
    case 'postgres':
      return clean({ ...probe, url: t(probe.url), query: opt(probe.query), expectValue: opt(probe.expectValue) });
    case 'redis':
      return clean({ ...probe, host: t(probe.host), command: opt(probe.command), expectReply: opt(probe.expectReply) });
    case 'command':
      return clean({ ...probe, run: renderTemplate(probe.run, ctx, 'shell'), expectStdoutContains: opt(probe.expectStdoutContains) });
    case 'dns':
      return clean({ ...probe, name: t(probe.name), expect: probe.expect?.map(t) });
  }
}

function renderJson(obj: Readonly<Record<string, unknown>>, t: (s: string) => string): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return t(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(obj) as Record<string, unknown>;
}

/**
 * A step ready to execute (or to show, with `mask`). Scripts are always in 'shell' mode, so they carry
 * no values at all; run them with envForStep(ctx) in their environment.
 */
export function renderStep(step: Step, ctx: TemplateContext, options: RenderOptions = {}): RenderedStep {
  switch (step.kind) {
    case 'sh':
      return { kind: 'sh', script: renderTemplate(step.script, ctx, 'shell') };
    case 'http': {
      const t = (s: string): string => renderTemplate(s, ctx, 'text', options);
      const url = renderTemplate(step.url, ctx, 'url', options);
      const headers = Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k, t(v)]));
      return step.requestBody === undefined
        ? { kind: 'http', method: step.method, url, headers }
        : { kind: 'http', method: step.method, url, headers, body: t(step.requestBody) };
    }
    case 'check':
    case 'wait':
      return { kind: step.kind, probe: renderProbe(step.probe, ctx, options) };
    case 'approve':
      return { kind: 'approve', text: renderTemplate(step.text, ctx, 'text', options) };
  }
}
