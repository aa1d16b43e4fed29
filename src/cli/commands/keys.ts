// `orion keys create|list|revoke --account <accId>`: an account's API keys, straight on the
// database, through the same services the REST routes use (createKeyForCaller, listKeys,
// revokeKey). Whoever can run this can read the database, so it acts as an operator: it may
// grant any scope, admin included.
import { getAccount } from '../../services/accounts.js';
import { createKeyForCaller, listKeys, revokeKey } from '../../services/key-management.js';
import { OPERATOR_SCOPES } from '../../services/scopes.js';
import { withMigratedDatabase } from '../database.js';
import { apiKeyJson, keyStatus, printJson, printLines, secretLines, table } from '../present.js';

const WHILE_RUNNING = 'use its HTTP API (POST /v1/api-keys, GET /v1/api-keys, DELETE /v1/api-keys/{keyId}) while it runs';

export type KeyCreateOptions = {
  account: string;
  name: string;
  scopes: string[];
  environment?: 'live' | 'test';
  expiresAt?: Date;
  json?: boolean;
};

export async function keysCreate(options: KeyCreateOptions): Promise<void> {
  await withMigratedDatabase(WHILE_RUNNING, async (db) => {
    // Checked first, so that a mistyped id is "not found", not a foreign-key error.
    const owner = await getAccount(db.prisma, options.account);
    const { apiKey, secret } = await createKeyForCaller(
      db.prisma,
      { accountId: owner.id, keyId: 'orion-cli', scopes: OPERATOR_SCOPES },
      {
        name: options.name,
        scopes: options.scopes,
        ...(options.environment ? { environment: options.environment } : {}),
        ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}),
      },
    );
    const shown = apiKeyJson(apiKey);
    if (options.json) {
      printJson({ apiKey: shown, secret });
      return;
    }
    printLines(
      `Created API key ${shown.id} "${shown.name}" for account ${owner.id} "${owner.name}".`,
      `  scopes       ${shown.scopes.join(', ')}`,
      `  environment  ${shown.environment}`,
      `  expires      ${shown.expiresAt ?? 'never'}`,
      ...secretLines(secret),
    );
  });
}

export async function keysList(options: { account: string; json?: boolean }): Promise<void> {
  await withMigratedDatabase(WHILE_RUNNING, async (db) => {
    const owner = await getAccount(db.prisma, options.account);
    const keys = [];
    for (let page = 1; ; page++) {
      const result = await listKeys(db.prisma, owner.id, { page, limit: 100 });
      keys.push(...result.items.map(apiKeyJson));
      if (!result.hasNextPage) break;
    }
    if (options.json) {
      printJson({ items: keys });
      return;
    }
    if (!keys.length) {
      printLines(`Account ${owner.id} "${owner.name}" has no API keys.`);
      return;
    }
    printLines(
      ...table(
        ['ID', 'NAME', 'PREFIX', 'ENV', 'STATUS', 'SCOPES', 'LAST USED', 'EXPIRES'],
        keys.map((k) => [
          k.id,
          k.name,
          `${k.prefix}…`,
          k.environment,
          keyStatus(k),
          k.scopes.join(','),
          k.lastUsedAt ?? 'never',
          k.expiresAt ?? 'never',
        ]),
      ),
    );
  });
}

export async function keysRevoke(keyId: string, options: { account: string; json?: boolean }): Promise<void> {
  await withMigratedDatabase(WHILE_RUNNING, async (db) => {
    const owner = await getAccount(db.prisma, options.account);
    const startedAt = Date.now();
    const key = apiKeyJson(await revokeKey(db.prisma, { accountId: owner.id, keyId: 'orion-cli', scopes: OPERATOR_SCOPES }, keyId));
    if (options.json) {
      printJson(key);
      return;
    }
    const already = key.revokedAt !== null && Date.parse(key.revokedAt) < startedAt;
    printLines(
      already
        ? `API key ${key.id} "${key.name}" (${key.prefix}…) was already revoked at ${key.revokedAt}.`
        : `Revoked API key ${key.id} "${key.name}" (${key.prefix}…): every request with it is refused from now on.`,
    );
  });
}
