// `runledger tokens create|list|revoke`: API tokens for the server. The token is printed once and
// only its SHA-256 is stored; creating and revoking are recorded in the ledger.
import type { Command } from 'commander';
import { defaultActor, openLedger, RuntimeError, type LedgerContext, type LedgerLocation } from '@runledger/runtime';
import { ApiError } from '@runledger/server';
import { isTokenRole, TOKEN_ROLES, TokenStore, validateGroups } from '@runledger/store';
import type { Io } from './io.js';

async function withTokens<T>(loc: LedgerLocation, fn: (ts: TokenStore, ctx: LedgerContext) => Promise<T>): Promise<T> {
  const ctx = await openLedger(loc, { write: true });
  try {
    return await fn(new TokenStore(ctx.store), ctx);
  } finally {
    await ctx.close();
  }
}

export function registerTokenCommands(program: Command, io: Io, location: () => LedgerLocation): void {
  const tokens = program.command('tokens').description('API tokens for `runledger serve`');

  tokens
    .command('create')
    .description('create a token; it is printed once (only its hash is stored)')
    .requiredOption('--name <name>', 'who holds it; the ledger records actions as token:<name>')
    .requiredOption('--role <role>', `one of ${TOKEN_ROLES.join(', ')}`)
    .option('--groups <list>', 'comma-separated organisational roles approval gates see, e.g. release-manager,sre')
    .action(async (o: { name: string; role: string; groups?: string }) => {
      if (!isTokenRole(o.role)) throw new RuntimeError('USAGE', `--role ${o.role}: one of ${TOKEN_ROLES.join(', ')}`);
      const role = o.role;
      const groups = (o.groups ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter((g) => g !== '');
      const bad = validateGroups(groups);
      if (bad) throw new RuntimeError('USAGE', `--groups: ${bad}`);
      await withTokens(location(), async (ts, ctx) => {
        const r = await ts.create({ name: o.name, role, groups, now: new Date().toISOString() });
        if (!r.ok) throw new ApiError('TOKEN_NAME_TAKEN', `a token named ${o.name} exists; revoke it or choose another name`);
        try {
          await ctx.writer!.append({
            type: 'auth.token.created',
            actor: defaultActor(io.env),
            subject: { kind: 'token', id: `token:${o.name}` },
            data: { id: r.record.id, role, groups: r.record.groups },
          });
        } catch (e) {
          // A token nobody can see in the ledger must not work.
          await ts.revoke(r.record.id, new Date().toISOString());
          throw e;
        }
        io.err(
          `created token ${o.name} (role ${role}${groups.length ? `, groups ${r.record.groups.join(',')}` : ''}, id ${r.record.id}). It is shown once, now: store it in a secret manager.\n`,
        );
        io.out(`${r.token}\n`);
      });
    });

  tokens
    .command('list')
    .description('tokens with role, creation, last use and revocation (never the token)')
    .option('--json', 'one JSON object a line')
    .action(async (o: { json?: boolean }) => {
      await withTokens(location(), async (ts) => {
        const rows = await ts.list();
        if (o.json) {
          for (const t of rows) io.out(`${JSON.stringify(t)}\n`);
          return;
        }
        if (rows.length === 0) {
          io.out('no API tokens — create one with: runledger tokens create --name NAME --role viewer|operator|approver|admin\n');
          return;
        }
        io.out(`${'ID'.padEnd(37)}${'NAME'.padEnd(20)}${'ROLE'.padEnd(10)}${'GROUPS'.padEnd(20)}${'CREATED'.padEnd(26)}${'LAST USED'.padEnd(26)}REVOKED\n`);
        for (const t of rows)
          io.out(
            `${t.id.padEnd(37)}${t.name.padEnd(20)}${t.role.padEnd(10)}${(t.groups.join(',') || '-').padEnd(20)}${t.createdAt.padEnd(26)}${(t.lastUsedAt ?? '-').padEnd(26)}${t.revokedAt ?? '-'}\n`,
          );
      });
    });

  tokens
    .command('revoke')
    .description('revoke a token (by id or name); it stops working at once')
    .argument('<id>', 'token id or name')
    .action(async (id: string) => {
      await withTokens(location(), async (ts, ctx) => {
        const before = await ts.find(id);
        const t = await ts.revoke(id, new Date().toISOString());
        if (before?.revokedAt === null) {
          await ctx.writer!.append({
            type: 'auth.token.revoked',
            actor: defaultActor(io.env),
            subject: { kind: 'token', id: `token:${t.name}` },
            data: { id: t.id },
          });
        }
        io.out(`revoked ${t.name} (${t.id}) at ${t.revokedAt}\n`);
      });
    });
}
