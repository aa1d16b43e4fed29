// The published shape of the SDK: `npm run sdk:pack` makes the @orionos/sdk tarball, a fresh
// project with no TypeScript tooling installs it, and plain `node` runs the seed's quick start
// with require() and with import against the real app on a loopback port; headless Chromium runs
// it from a web page on another origin. Its types pass a strict type-check under every module
// resolution, and publint and Are the Types Wrong find no problem.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { chromium } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);

/** The seed's quick start (api-overview.md), word for word after its require line. */
const QUICK_START_BODY = `const orion = new OrionOS({
  apiKey: process.env.ORION_API_KEY
});

// Create an agent
const agent = await orion.agents.create({
  name: 'MyAgent',
  personality: {
    traits: ['helpful', 'friendly']
  }
});

// Send a message
const response = await orion.agents.sendMessage(agent.id, {
  text: 'Hello!',
  userId: 'user_123'
});

console.log(response.data.response);`;

/** The seed's first line; CommonJS has no top-level await, so there the rest runs in an async function. */
const QUICK_START_CJS = `const { OrionOS } = require('@orionos/sdk');\n\n(async () => {\n${QUICK_START_BODY}\n})();\n`;
const QUICK_START_ESM = `import { OrionOS } from '@orionos/sdk';\n\n${QUICK_START_BODY}\n`;

/** Typed usage: a wrong call must be a type error, so `any` types cannot pass for good ones. */
const TYPED_USAGE = `import { OrionOS, OrionOSError, paginate, RateLimitError, type Agent, type MessageStreamEvent, type SentMessage } from '@orionos/sdk';

export async function main(): Promise<string> {
  const orion = new OrionOS({ apiKey: 'orn_test_key', baseUrl: 'http://127.0.0.1:3000/v1', maxRetries: 0 });
  const agent = await orion.agents.create({ name: 'MyAgent', personality: { traits: ['helpful', 'friendly'] } });
  const stored: Agent = agent.data;
  const response = await orion.agents.sendMessage(agent.id, { text: 'Hello!', userId: 'user_123' });
  const sent: SentMessage = response.data;
  for await (const event of orion.agents.streamMessage(stored.id, { text: 'More', userId: 'user_123' })) {
    const seen: MessageStreamEvent = event;
    if (seen.type === 'delta') console.log(seen.delta.toUpperCase());
  }
  try {
    await orion.agents.get('agt_missing');
  } catch (error) {
    if (error instanceof RateLimitError) console.log(error.retryAfter);
    if (error instanceof OrionOSError) console.log(error.code, error.status, error.requestId);
  }
  // @ts-expect-error: an agent needs a name
  await orion.agents.create({ personality: { traits: [] } });
  for await (const listed of orion.paginate(orion.agents.list, { limit: 50 })) {
    const item: Agent = listed;
    console.log(item.name);
  }
  for await (const tool of paginate((params) => orion.tools.list(stored.id, params), { limit: 10 })) console.log(tool.name);
  // @ts-expect-error: a tool is not an agent
  for await (const tool of paginate((params) => orion.tools.list(stored.id, params))) { const wrong: Agent = tool; console.log(wrong); }
  return sent.response;
}
`;

/** The quick start as a web page's module script, with the key and base URL from the page's query. */
const BROWSER_PAGE = `<!doctype html><title>SDK</title><script type="module">
import { OrionOS } from '/sdk.js';
const params = new URLSearchParams(location.search);
try {
  const orion = new OrionOS({ apiKey: params.get('key'), baseUrl: params.get('baseUrl') });
  const agent = await orion.agents.create({ name: 'BrowserAgent' });
  const response = await orion.agents.sendMessage(agent.id, { text: 'Hello!', userId: 'user_123' });
  window.outcome = { reply: response.data.response };
} catch (error) {
  window.outcome = { error: String(error) };
}
</script>`;

type Run = { code: number; stdout: string; stderr: string };

/** Runs a command without blocking this process's event loop (the app answers from it). */
function run(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function expectSuccess(result: Run) {
  expect(result, `${result.stdout}\n${result.stderr}`).toMatchObject({ code: 0 });
  return result;
}

let work: string;
let tarball: string;
let project: string;
let app: TestApp;
let socket: Awaited<ReturnType<typeof listen>>;
let key: string;
let accountId: string;
let page: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'orion-sdk-package-'));
  const packed = path.join(work, 'packed');
  await mkdir(packed);
  // The README's command, built from src/sdk by the package's prepack script.
  expectSuccess(await run('npm', ['run', 'sdk:pack', '--', '--pack-destination', packed], { cwd: root }));
  const [file] = (await readdir(packed)).filter((name) => name.endsWith('.tgz'));
  tarball = path.join(packed, file!);

  // A project with nothing but the tarball: no TypeScript, no tsx, no registry.
  project = path.join(work, 'project');
  await mkdir(project);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'sdk-consumer', version: '1.0.0', private: true }));
  expectSuccess(
    await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--cache', path.join(work, 'npm-cache')], {
      cwd: project,
    }),
  );

  // A page on another loopback origin that serves the installed ES module, as a site would.
  const site = express();
  site.get('/', (_req, res) => void res.type('html').send(BROWSER_PAGE));
  site.get('/sdk.js', (_req, res) => void res.sendFile(path.join(project, 'node_modules/@orionos/sdk/dist/index.js')));
  page = await listen(site);

  // Agents answer with the built-in local model: no provider to reach.
  app = await startTestApp('pglite', { corsOrigins: [page.url] });
  socket = await listen(app.app);
  ({ key, accountId } = await app.newAccount('SDK package'));
}, 240_000);

afterAll(async () => {
  await socket?.close();
  await page?.close();
  await app?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The agent's reply the server stored last for the account: what the quick start must print. */
async function lastReply(): Promise<string> {
  const reply = await app.db.prisma.message.findFirstOrThrow({
    where: { accountId, role: 'agent' },
    orderBy: { createdAt: 'desc' },
  });
  expect(reply.text).not.toBe('');
  return reply.text;
}

/**
 * Plain node with only the environment the quick start reads: no loader, no NODE_OPTIONS.
 * SDK_TEST_NODE names another node binary to run the quick start on (e.g. Node 18).
 */
function node(script: string) {
  return run(process.env.SDK_TEST_NODE || process.execPath, [script], {
    cwd: project,
    env: { PATH: process.env.PATH, ORION_API_KEY: key, ORION_BASE_URL: `${socket.url}/v1` },
  });
}

describe('the @orionos/sdk package', () => {
  it('installs from its tarball alone: no dependencies, JavaScript and declarations only', async () => {
    expect((await readdir(path.join(project, 'node_modules'))).filter((name) => !name.startsWith('.'))).toEqual(['@orionos']);
    const installed = path.join(project, 'node_modules/@orionos/sdk');
    const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('@orionos/sdk');
    expect(manifest.dependencies ?? {}).toEqual({});
    const files = await readdir(path.join(installed, 'dist'));
    expect(files).toEqual(expect.arrayContaining(['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']));
    expect(files.filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))).toEqual([]);
  });

  it('runs the seed quick start with require() in plain node', async () => {
    await writeFile(path.join(project, 'quickstart.cjs'), QUICK_START_CJS);
    const result = expectSuccess(await node('quickstart.cjs'));
    expect(result.stdout).toBe(`${await lastReply()}\n`);
  });

  it('runs the seed quick start with import in plain node', async () => {
    await writeFile(path.join(project, 'quickstart.mjs'), QUICK_START_ESM);
    const result = expectSuccess(await node('quickstart.mjs'));
    expect(result.stdout).toBe(`${await lastReply()}\n`);
  });

  it('verifies webhook deliveries in plain node (require and import), with the bundled standardwebhooks', async () => {
    const secret = `whsec_${Buffer.from('a secret of thirty-two bytes!!!!').toString('base64')}`;
    const body = JSON.stringify({ id: 'evt_1', type: 'agent.created', createdAt: new Date().toISOString(), data: { id: 'agt_1' } });
    const at = new Date();
    const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign('evt_1', at, body) };
    const script = (load: string) => `${load}
const [body, headers, secret] = JSON.parse(process.argv[2]);
const orion = new OrionOS({ apiKey: 'orn_test_unused' });
console.log(orion.webhooks.verify(body, headers, secret).type);
try {
  orion.webhooks.verify(body, headers, secret.slice(0, -4) + 'AAA=');
} catch (error) {
  console.log(error instanceof WebhookVerificationError, error.reason);
}
`;
    await writeFile(path.join(project, 'verify.cjs'), script(`const { OrionOS, WebhookVerificationError } = require('@orionos/sdk');`));
    await writeFile(path.join(project, 'verify.mjs'), script(`import { OrionOS, WebhookVerificationError } from '@orionos/sdk';`));
    for (const file of ['verify.cjs', 'verify.mjs']) {
      const result = expectSuccess(
        await run(process.env.SDK_TEST_NODE || process.execPath, [file, JSON.stringify([body, headers, secret])], { cwd: project, env: { PATH: process.env.PATH } }),
      );
      expect(result.stdout).toBe('agent.created\ntrue bad_signature\n');
    }
  });

  it('runs in a browser: headless Chromium imports the ES module and talks to the API across origins', async () => {
    const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    if (!existsSync(executablePath)) throw new Error(`No Chromium at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    const browser = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 30_000,
    });
    try {
      const tab = await browser.newPage();
      const query = new URLSearchParams({ key, baseUrl: `${socket.url}/v1` });
      await tab.goto(`${page.url}/?${query}`);
      const outcome = (await (await tab.waitForFunction('window.outcome', undefined, { timeout: 30_000 })).jsonValue()) as {
        reply?: string;
        error?: string;
      };
      expect(outcome.error).toBeUndefined();
      expect(outcome.reply).toBe(await lastReply());
    } finally {
      await browser.close();
    }
  });

  it('type-checks a strict TypeScript user under nodenext (require and import) and bundler resolution', async () => {
    for (const file of ['usage.cts', 'usage.mts', 'usage.ts']) await writeFile(path.join(project, file), TYPED_USAGE);
    const tsc = (...args: string[]) =>
      run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--strict', '--noEmit', '--skipDefaultLibCheck', ...args], {
        cwd: project,
      });
    const nodenext = ['--module', 'nodenext', '--moduleResolution', 'nodenext', 'usage.cts', 'usage.mts'];
    const checks = await Promise.all([
      // .cts resolves through "require" to index.d.cts, .mts through "import" to index.d.ts.
      tsc('--lib', 'es2022,dom', ...nodenext),
      tsc('--lib', 'es2022,dom', '--module', 'esnext', '--moduleResolution', 'bundler', 'usage.ts'),
      // A Node project: Node's types, no DOM library.
      tsc('--lib', 'es2022', '--types', 'node', '--typeRoots', path.join(root, 'node_modules/@types'), ...nodenext),
    ]);
    for (const check of checks) expectSuccess(check);
  });

  it('passes publint and Are the Types Wrong on the tarball', async () => {
    const publint = expectSuccess(await run(bin('publint'), ['run', tarball, '--strict'], { cwd: work }));
    expect(publint.stdout).toContain('All good!');
    const attw = expectSuccess(await run(bin('attw'), [tarball, '--format', 'json', '--no-definitely-typed'], { cwd: work }));
    const report = JSON.parse(attw.stdout);
    expect(report.analysis.packageName).toBe('@orionos/sdk');
    expect(report.analysis.problems).toEqual([]);
  });
});
