// Which environment a run targets. A runbook that declares several never picks one for the caller:
// its first environment may well be production.
import type { Runbook } from './types.js';

export type EnvironmentChoice =
  | { readonly ok: true; readonly environment: string }
  | { readonly ok: false; readonly code: 'ENV_REQUIRED' | 'ENVIRONMENT_UNKNOWN'; readonly message: string; readonly environments: readonly string[] };

/** `requested` as given (--env, the API's `environment`), or undefined when none was. */
export function resolveEnvironment(runbook: Pick<Runbook, 'id' | 'environments'>, requested: string | undefined): EnvironmentChoice {
  const envs = runbook.environments;
  if (requested !== undefined) {
    if (envs.length === 0 || envs.includes(requested)) return { ok: true, environment: requested };
    return {
      ok: false,
      code: 'ENVIRONMENT_UNKNOWN',
      environments: envs,
      message: `environment ${requested}: runbook ${runbook.id} runs in ${envs.join(', ')}`,
    };
  }
  if (envs.length === 0) return { ok: true, environment: 'default' };
  if (envs.length === 1) return { ok: true, environment: envs[0] as string };
  return {
    ok: false,
    code: 'ENV_REQUIRED',
    environments: envs,
    message: `runbook ${runbook.id} runs in ${envs.join(', ')}: choose one (--env NAME, or \`environment\` in the API)`,
  };
}
