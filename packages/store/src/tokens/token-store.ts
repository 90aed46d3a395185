// API tokens for the HTTP server. Only a SHA-256 of each token is stored: a token is 32 random bytes,
// so a fast hash is enough (no password stretching needed) and a lookup is one indexed read.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { StoreError, messageOf } from '../errors.js';
import type { Store } from '../open.js';

export const TOKEN_ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

/** Token text prefix: makes a leaked token recognisable to secret scanners. */
export const TOKEN_PREFIX = 'rlt_';
const TOKEN_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const GROUP_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const MAX_GROUPS = 16;

export interface ApiTokensTable {
  id: string;
  name: string;
  role: string;
  /** Hex SHA-256 of the token text; the token itself is never stored. */
  token_sha256: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  /** JSON array of extra roles that approval gates see (e.g. ["release-manager"]); added by 0005. */
  groups_json: string;
}

export interface WebSessionsTable {
  /** Hex SHA-256 of the session cookie's secret; the secret itself is never stored. */
  id_sha256: string;
  token_id: string;
  created_at: string;
  expires_at: string;
}

export interface TokensDatabase {
  api_tokens: ApiTokensTable;
  web_sessions: WebSessionsTable;
}

export interface TokenRecord {
  readonly id: string;
  readonly name: string;
  readonly role: TokenRole;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
  /** Extra roles for approval gates (organisational roles such as release-manager); never API roles. */
  readonly groups: readonly string[];
}

export interface WebSession {
  readonly token: TokenRecord;
  readonly expiresAt: string;
}

export type CreateTokenResult =
  { readonly ok: true; readonly token: string; readonly record: TokenRecord } | { readonly ok: false; readonly reason: 'name-taken' };

export function isTokenRole(r: string): r is TokenRole {
  return (TOKEN_ROLES as readonly string[]).includes(r);
}

export function isValidTokenName(n: string): boolean {
  return TOKEN_NAME_RE.test(n);
}

/** Whether text could be a token at all (checked before hashing or looking anything up). */
export function isTokenShaped(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX) && token.length <= 200;
}

export function isSessionSecretShaped(secret: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(secret);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function parseGroups(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string') : [];
  } catch {
    return [];
  }
}

function toRecord(r: ApiTokensTable): TokenRecord {
  return {
    id: r.id,
    name: r.name,
    role: r.role as TokenRole,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
    groups: parseGroups(r.groups_json),
  };
}

/** Checks approval groups: names like token names, no API role names (those come from `role`). */
export function validateGroups(groups: readonly string[]): string | undefined {
  if (groups.length > MAX_GROUPS) return `at most ${MAX_GROUPS} groups`;
  for (const g of groups) {
    if (!GROUP_RE.test(g)) return `group ${JSON.stringify(g)}: use 1–63 of a-z 0-9 . _ -`;
    if (isTokenRole(g)) return `group ${JSON.stringify(g)} is an API role; set it with the token's role instead`;
  }
  return undefined;
}

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /UNIQUE constraint failed|duplicate key/.test(messageOf(e))
  );
}

export class TokenStore {
  private readonly db: Kysely<TokensDatabase>;

  constructor(store: Store) {
    this.db = store.db as unknown as Kysely<TokensDatabase>;
  }

  /** Creates a token; the returned text is the only copy there will ever be. */
  async create(opts: { name: string; role: TokenRole; now: string; groups?: readonly string[] }): Promise<CreateTokenResult> {
    if (!isValidTokenName(opts.name))
      throw new StoreError(
        'ENTRY_REJECTED',
        `token name ${JSON.stringify(opts.name)}: use 1–63 of a-z 0-9 . _ - (it becomes the actor id token:<name> in the ledger)`,
      );
    if (!isTokenRole(opts.role)) throw new StoreError('ENTRY_REJECTED', `token role ${JSON.stringify(opts.role)}: one of ${TOKEN_ROLES.join(', ')}`);
    const groups = [...new Set(opts.groups ?? [])].sort();
    const bad = validateGroups(groups);
    if (bad) throw new StoreError('ENTRY_REJECTED', `token groups: ${bad}`);
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row: ApiTokensTable = {
      id: randomUUID(),
      name: opts.name,
      role: opts.role,
      token_sha256: hashToken(token),
      created_at: opts.now,
      revoked_at: null,
      last_used_at: null,
      groups_json: JSON.stringify(groups),
    };
    try {
      await this.db.insertInto('api_tokens').values(row).execute();
    } catch (e) {
      if (isUniqueViolation(e)) return { ok: false, reason: 'name-taken' };
      throw e;
    }
    return { ok: true, token, record: toRecord(row) };
  }

  async list(): Promise<TokenRecord[]> {
    const rows = await this.db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('name').execute();
    return rows.map(toRecord);
  }

  /** A token by id or by name. */
  async find(idOrName: string): Promise<TokenRecord | undefined> {
    const r = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    return r && toRecord(r);
  }

  /** Revokes a token (by id or name); revoking twice keeps the first time. Throws NOT_FOUND. */
  async revoke(idOrName: string, now: string): Promise<TokenRecord> {
    const cur = await this.find(idOrName);
    if (!cur) throw new StoreError('NOT_FOUND', `no API token ${JSON.stringify(idOrName)} (see runledger tokens list)`);
    if (cur.revokedAt === null)
      await this.db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', cur.id).where('revoked_at', 'is', null).execute();
    return (await this.find(cur.id))!;
  }

  /** The live (not revoked) token with this text, or undefined. */
  async verify(token: string): Promise<TokenRecord | undefined> {
    if (!isTokenShaped(token)) return undefined;
    return this.verifyHash(hashToken(token));
  }

  /** The live token whose text hashes to `sha256` (callers that cache keep the hash, never the text). */
  async verifyHash(sha256: string): Promise<TokenRecord | undefined> {
    const r = await this.db.selectFrom('api_tokens').selectAll().where('token_sha256', '=', sha256).executeTakeFirst();
    if (!r || r.revoked_at !== null) return undefined;
    return toRecord(r);
  }

  async touch(id: string, now: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  /**
   * Opens a web session for a live token: returns the cookie secret (32 random bytes, only its hash
   * is stored) and its expiry. Expired sessions are purged on the way.
   */
  async createSession(tokenId: string, now: Date, ttlMs: number): Promise<{ secret: string; expiresAt: string }> {
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    await this.db.deleteFrom('web_sessions').where('expires_at', '<=', now.toISOString()).execute();
    await this.db
      .insertInto('web_sessions')
      .values({ id_sha256: hashToken(secret), token_id: tokenId, created_at: now.toISOString(), expires_at: expiresAt })
      .execute();
    return { secret, expiresAt };
  }

  /** The session with this cookie secret if it has not expired and its token is not revoked. */
  async session(secret: string, now: Date): Promise<WebSession | undefined> {
    if (!isSessionSecretShaped(secret)) return undefined;
    return this.sessionByHash(hashToken(secret), now);
  }

  /** The session whose cookie secret hashes to `sha256`, as `session` checks it. */
  async sessionByHash(sha256: string, now: Date): Promise<WebSession | undefined> {
    const r = await this.db
      .selectFrom('web_sessions')
      .innerJoin('api_tokens', 'api_tokens.id', 'web_sessions.token_id')
      .selectAll('api_tokens')
      .select('web_sessions.expires_at')
      .where('web_sessions.id_sha256', '=', sha256)
      .executeTakeFirst();
    if (!r || r.revoked_at !== null || r.expires_at <= now.toISOString()) return undefined;
    return { token: toRecord(r), expiresAt: r.expires_at };
  }

  async deleteSession(secret: string): Promise<void> {
    await this.db.deleteFrom('web_sessions').where('id_sha256', '=', hashToken(secret)).execute();
  }
}
