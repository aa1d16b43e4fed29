// `orion accounts create|list`: operators' account management, straight on the database, through
// the same service the admin REST route uses (createAccount: the account and its first key).
import { createAccount, listAccounts } from '../../services/accounts.js';
import { messageUsage } from '../../services/quotas.js';
import { withMigratedDatabase } from '../database.js';
import { accountJson, accountWithUsageJson, apiKeyJson, number, printJson, printLines, secretLines, table } from '../present.js';

const WHILE_RUNNING = 'use its HTTP API with an admin key (POST /v1/accounts) while it runs';

export type AccountCreateOptions = {
  name: string;
  tier?: 'standard' | 'pro' | 'enterprise';
  rateLimit?: number;
  monthlyQuota?: number;
  json?: boolean;
};

export async function accountsCreate(options: AccountCreateOptions): Promise<void> {
  await withMigratedDatabase(WHILE_RUNNING, async (db) => {
    const { account, apiKey, secret } = await createAccount(db.prisma, {
      name: options.name,
      tier: options.tier,
      rateLimitPerMinute: options.rateLimit,
      monthlyMessageQuota: options.monthlyQuota,
    });
    const shown = accountJson(account);
    if (options.json) {
      printJson({ account: shown, apiKey: apiKeyJson(apiKey), secret });
      return;
    }
    printLines(
      `Created account ${shown.id} "${shown.name}": ${shown.tier}, ${number(shown.rateLimitPerMinute)} requests/min, ` +
        `${number(shown.monthlyMessageQuota)} messages/month.`,
      `Its first API key, ${apiKey.id} (${apiKey.prefix}…), has every scope but admin.`,
      ...secretLines(secret),
    );
  });
}

export async function accountsList(options: { json?: boolean }): Promise<void> {
  await withMigratedDatabase(WHILE_RUNNING, async (db) => {
    const accounts = [];
    for (let page = 1; ; page++) {
      const result = await listAccounts(db.prisma, { page, limit: 100 });
      for (const account of result.items) {
        accounts.push(accountWithUsageJson(account, await messageUsage(db.prisma, account)));
      }
      if (!result.hasNextPage) break;
    }
    if (options.json) {
      printJson({ items: accounts });
      return;
    }
    if (!accounts.length) {
      printLines('No accounts yet: create one with `orion accounts create --name <name>`.');
      return;
    }
    printLines(
      ...table(
        ['ID', 'NAME', 'TIER', 'REQUESTS/MIN', 'MESSAGES THIS MONTH', 'CREATED'],
        accounts.map((a) => [
          a.id,
          a.name,
          a.tier,
          number(a.rateLimitPerMinute),
          `${number(a.messageUsage.used)} / ${number(a.messageUsage.quota)}`,
          a.createdAt,
        ]),
      ),
    );
  });
}
