// Phase 4: `{{ … }}` references in step bodies and in `lock`, checked against the declared inputs and
// the steps that run earlier.
import type { Pos } from './types.js';
import type { FrontMatter } from './frontmatter.js';
import type { ParseContext } from './parse-context.js';
import type { RawStep } from './steps.js';
import { scanTemplates, unexpandedShellOffsets, unknownRefMessage } from './template.js';

/**
 * Whether an input name is undeclared. A reference is unknown only when the input is not written at
 * all and the inputs could be read: a broken front matter or declaration is reported once, where it is.
 */
function undeclaredInput(fm: FrontMatter): (name: string) => boolean {
  return (name) => fm.declaredInputs !== undefined && !fm.declaredInputs.has(name);
}

export function checkStepReferences(
  ctx: ParseContext,
  fm: FrontMatter,
  steps: { ordered: readonly RawStep[]; mainCount: number; byId: ReadonlyMap<string, RawStep> },
): void {
  const { ordered, mainCount, byId } = steps;
  const inputNames = fm.declaredInputs ?? new Set<string>();
  const undeclared = undeclaredInput(fm);
  for (const r of ordered) {
    const { refs, problems } = scanTemplates(r.body);
    for (const p of problems) ctx.reportAt('RB_TEMPLATE_SYNTAX', p.message, r.map.posAtOffset(r.body, p.offset));
    const quoted =
      r.kind === 'sh'
        ? unexpandedShellOffsets(
            r.body,
            refs.filter((x) => x.kind !== 'unknown').map((x) => x.offset),
          )
        : new Set<number>();
    for (const ref of refs) {
      const where = r.map.posAtOffset(r.body, ref.offset);
      const name = ref.name ?? '';
      if (ref.kind === 'unknown') ctx.reportAt('RB_TEMPLATE_UNKNOWN_REF', unknownRefMessage(ref.expr), where);
      else if (ref.kind === 'input' && undeclared(name)) {
        ctx.reportAt(
          'RB_TEMPLATE_UNKNOWN_INPUT',
          `\`{{ ${ref.expr} }}\`: this runbook declares no input ${name} (${inputNames.size > 0 ? `its inputs: ${[...inputNames].join(', ')}` : 'it declares no inputs'}); declare it under \`inputs:\` in the front matter`,
          where,
        );
      } else if (ref.kind === 'step-output') {
        const target = byId.get(name);
        const earlier = target !== undefined && target.order < r.order && (r.order < mainCount ? target.order < mainCount : true);
        if (!target) ctx.reportAt('RB_TEMPLATE_UNKNOWN_STEP', `\`{{ ${ref.expr} }}\`: there is no step ${name}`, where);
        else if (!earlier)
          ctx.reportAt(
            'RB_TEMPLATE_STEP_ORDER',
            `\`{{ ${ref.expr} }}\`: step ${name} runs ${target === r ? 'as this step' : 'after this one'}, so its output is not known yet; a step can use the output of steps that run before it`,
            where,
          );
        else if (!target.capture)
          ctx.reportAt('RB_TEMPLATE_NOT_CAPTURED', `\`{{ ${ref.expr} }}\`: step ${name} does not keep its output; add \`capture\` to its attributes`, where);
      }
      if (quoted.has(ref.offset)) {
        ctx.reportAt(
          'RB_TEMPLATE_IN_SINGLE_QUOTES',
          `\`{{ ${ref.expr} }}\` becomes a shell variable, which does not expand inside single quotes (or a quoted heredoc); use double quotes`,
          where,
        );
      }
    }
  }
}

/** `lock` may use inputs, env and run.id only, and never a secret (a lock name is recorded and shown). */
export function checkLockReferences(ctx: ParseContext, fm: FrontMatter): void {
  if (!fm.lock) return;
  const lock = fm.lock;
  const undeclared = undeclaredInput(fm);
  const secretNames = new Set(fm.inputs.filter((i) => i.type === 'secret').map((i) => i.name));
  const { refs, problems } = scanTemplates(lock.value);
  const lockPos = (raw: string, fallback: number): Pos => {
    const k = lock.source.indexOf(raw);
    return ctx.li.pos(lock.at + (k >= 0 ? k : fallback));
  };
  for (const p of problems) ctx.reportAt('RB_TEMPLATE_SYNTAX', p.message, lockPos(lock.value.slice(p.offset, p.offset + 2), 0));
  for (const ref of refs) {
    const where = lockPos(lock.value.slice(ref.offset, ref.offset + ref.length), ref.offset);
    const name = ref.name ?? '';
    if (ref.kind === 'unknown') ctx.reportAt('RB_TEMPLATE_UNKNOWN_REF', unknownRefMessage(ref.expr), where);
    else if (ref.kind === 'step-output')
      ctx.reportAt(
        'RB_TEMPLATE_NOT_ALLOWED',
        `lock: \`{{ ${ref.expr} }}\` cannot be used here: the lock is taken before any step runs (use inputs, env or run.id)`,
        where,
      );
    else if (ref.kind === 'input' && undeclared(name))
      ctx.reportAt('RB_TEMPLATE_UNKNOWN_INPUT', `lock: \`{{ ${ref.expr} }}\`: this runbook declares no input ${name}`, where);
    else if (ref.kind === 'input' && secretNames.has(name))
      ctx.reportAt('RB_TEMPLATE_NOT_ALLOWED', `lock: \`{{ ${ref.expr} }}\` is a secret, and a lock name is recorded and shown; use a non-secret input`, where);
  }
}
