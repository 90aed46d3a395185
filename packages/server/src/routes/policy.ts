// Policy: read it; freeze and unfreeze automation (the kill switch), each recorded in the ledger.
import type { ApiInstance, RouteContext } from '../context.js';
import { errors, FreezeResult, PolicyView, ReasonBody } from '../schemas.js';

export function policyRoutes(app: ApiInstance, rc: RouteContext): void {
  const { runs } = rc.ctx;
  const tags = ['policy'];

  app.get(
    '/policy',
    {
      config: { role: 'viewer' },
      schema: { tags, summary: 'The policy in force and the freeze state', response: { 200: PolicyView, ...errors(401, 403, 429, 503) } },
    },
    async () => {
      const f = await runs.getFreeze();
      return {
        file: rc.ctx.policyFile ?? null,
        policy: JSON.parse(JSON.stringify(rc.ctx.policy)) as Record<string, unknown>,
        freeze: f ? { reason: f.reason, by: f.by, at: f.at } : null,
      };
    },
  );

  for (const frozen of [true, false]) {
    app.post(
      frozen ? '/policy/freeze' : '/policy/unfreeze',
      {
        config: { role: 'admin' },
        schema: {
          tags,
          summary: frozen ? 'Freeze automation: no new step starts anywhere (reason required)' : 'Lift the freeze (reason required)',
          body: ReasonBody,
          response: { 200: FreezeResult, ...errors(400, 401, 403, 429, 503) },
        },
      },
      async (req) => {
        rc.requireAccepting();
        const p = req.principal!;
        const at = rc.now().toISOString();
        const before = await runs.getFreeze();
        await runs.setFreeze({ frozen, reason: req.body.reason, by: p.actor.id, at });
        let seq: number;
        try {
          seq = (
            await rc.append({
              type: 'automation.freeze',
              actor: p.actor,
              subject: { kind: 'automation', id: 'kill-switch' },
              data: { frozen, reason: req.body.reason },
            })
          ).seq;
        } catch (e) {
          // No state change without its ledger entry: put the previous state back, then report.
          await runs.setFreeze(before ?? { frozen: false, reason: 'restored after a failed ledger append', by: p.actor.id, at }).catch(() => undefined);
          throw e;
        }
        return { frozen, seq };
      },
    );
  }
}
