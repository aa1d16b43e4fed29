// The README's REST walk-through, run as written, top to bottom, with curl against the real server:
// only the placeholders a reader fills in by hand (keys, agent and conversation ids) are replaced
// by what the earlier answers gave. Every answer must be a success.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema, freshPostgresUrl } from '../support/app.js';
import {
  PROCESS_ADMIN_KEY,
  ROOT_DIR,
  killAllServers,
  serverEnv,
  startServer,
  type StartedServer,
} from '../support/server-process.js';

const run = promisify(execFile);

/** The commands of the walk-through's bash block: continuation lines joined, comments dropped. */
async function walkThroughCommands(): Promise<string[]> {
  const readme = await readFile(path.join(ROOT_DIR, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## REST walk-through'));
  const block = /```bash\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.replace(/\s+#.*$/, ''));
}

describe('the README REST walk-through (server process, curl)', () => {
  let schema: string | undefined;
  let server: StartedServer;

  beforeAll(async () => {
    const fresh = freshPostgresUrl();
    schema = fresh.schema;
    server = await startServer(await serverEnv({ DATABASE_URL: fresh.url, ORION_ADMIN_KEY: PROCESS_ADMIN_KEY }));
  });
  afterAll(async () => {
    await killAllServers();
    if (schema) await dropPostgresSchema(schema);
  });

  it('runs top to bottom as written, every answer a success', async () => {
    const commands = await walkThroughCommands();
    expect(commands.filter((c) => c.startsWith('curl')).length).toBeGreaterThan(10);
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const ids: Record<string, string> = {};
    let lastAnswer: any;
    for (const command of commands) {
      const exported = /^export (\w+)=(.*)$/.exec(command);
      if (exported) {
        const [, name, value] = exported as unknown as [string, string, string];
        if (name === 'ORION') env.ORION = value.replace('http://127.0.0.1:3000', server.url);
        else if (name === 'ADMIN_KEY') env.ADMIN_KEY = PROCESS_ADMIN_KEY;
        else if (name === 'ORION_API_KEY') env.ORION_API_KEY = lastAnswer.data.secret;
        else throw new Error(`unexpected export: ${command}`);
        continue;
      }
      expect(command, 'every other line is a curl command').toMatch(/^curl /);
      const filled = command
        .replaceAll('agt_01...', ids.agent ?? 'agt_01...')
        .replaceAll('cnv_01...', ids.conversation ?? 'cnv_01...')
        .replaceAll('msg_01...', ids.reply ?? 'msg_01...');
      const { stdout } = await run('bash', ['-c', filled], { env, timeout: 20_000 });
      if (filled.includes('"stream": true')) {
        expect(stdout, filled).toContain('event: message.completed');
        continue;
      }
      lastAnswer = JSON.parse(stdout);
      expect(lastAnswer, `${filled}\n→ ${stdout}`).toMatchObject({ success: true });
      if (/ -X POST \$ORION\/agents /.test(filled)) ids.agent = lastAnswer.data.id;
      if (filled.includes('/messages') && lastAnswer.data.conversationId) ids.conversation ??= lastAnswer.data.conversationId;
      const reply = lastAnswer.data.items?.find?.((m: { role?: string }) => m.role === 'agent');
      if (reply) ids.reply ??= reply.id;
    }
    expect(ids.agent).toMatch(/^agt_/);
    expect(ids.conversation).toMatch(/^cnv_/);
    expect(ids.reply).toMatch(/^msg_/);
  }, 60_000);
});
