import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

/**
 * GraphiQL at /graphql in a real headless Chromium (Debian's, /usr/bin/chromium), used as a
 * person would: with every request to anywhere but this loopback server aborted, the page shows
 * OrionOS's welcome query, runs it with a key typed into the Headers tab, runs a mutation, and
 * its documentation explorer finds a type; no Content-Security-Policy violation on the way.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** What a person reads in an element (Monaco draws spaces as no-break spaces). */
async function visibleText(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\u00a0/g, ' ');
}

describe('GraphiQL at /graphql in headless Chromium, offline', () => {
  let app: TestApp;
  let server: Awaited<ReturnType<typeof listen>>;
  let browser: Browser;
  let key: string;
  const agentName = 'Listed by GraphiQL';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`No Chromium at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`);
    }
    app = await startTestApp('pglite');
    ({ key } = await app.newAccount());
    const created = await graphql(app, key, `mutation { createAgent(input: {name: "${agentName}"}) { id } }`);
    expect(created.body.errors).toBeUndefined();
    server = await listen(app.app);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 30_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
  });

  /** Runs `steps` on a fresh page; on failure, saves a screenshot and says where. */
  async function withPage(steps: (page: Page, context: BrowserContext) => Promise<void>): Promise<void> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    try {
      await steps(page, context);
    } catch (error) {
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'orion-graphiql-')), 'failure.png');
      await page.screenshot({ path: file, fullPage: true }).then(
        () => console.error(`GraphiQL test failed: screenshot at ${file}`),
        (shot: Error) => console.error(`GraphiQL test failed; no screenshot: ${shot.message}`),
      );
      throw error;
    } finally {
      await context.close();
    }
  }

  it('shows the welcome query, runs a query and a mutation with a typed-in key, and documents Agent', async () => {
    await withPage(async (page, context) => {
      const leftLoopback: string[] = [];
      const problems: string[] = [];
      await context.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (LOOPBACK.has(url.hostname)) return route.continue();
        leftLoopback.push(url.href);
        return route.abort('blockedbyclient');
      });
      // Runs before the page's own scripts, outside its CSP; reports through the console.
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (event) => {
          console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
        });
      });
      page.on('console', (message) => {
        if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) {
          problems.push(`console.${message.type()}: ${message.text()}`);
        }
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
      });

      const response = await page.goto(`${server.url}/graphql`, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);

      // The welcome query is in the operation editor.
      const operationEditor = page.getByRole('region', { name: 'Operation Editor' });
      await expect.poll(() => visibleText(operationEditor), { timeout: 20_000 }).toContain('query MyAgents');
      const welcome = await visibleText(operationEditor);
      expect(welcome).toContain('# Welcome to OrionOS. Put your API key in the Headers tab below:');
      expect(welcome).toContain('agents(first: 10) {');

      // The key, typed into the Headers tab over the hint that is there.
      await page.getByRole('button', { name: 'Headers', exact: true }).click();
      // The tool region holds the (hidden) variables editor too.
      const headersEditor = page.getByRole('region', { name: 'Headers' }).locator('.graphiql-editor:not(.hidden)');
      expect(await visibleText(headersEditor)).toContain('"Authorization": "Bearer orn_live_..."');
      await headersEditor.locator('.view-lines').click();
      // Cleared first: a brace typed over a selection would wrap it instead of replacing it.
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      await page.keyboard.type(`{"Authorization":"Bearer ${key}"}`);
      await expect.poll(() => visibleText(headersEditor.locator('.view-lines'))).toBe(`{"Authorization":"Bearer ${key}"}`);

      // The welcome query lists the agent made beforehand.
      const result = page.getByRole('region', { name: 'Result Window' });
      await page.getByRole('button', { name: /^Execute query/ }).click();
      await expect.poll(() => visibleText(result), { timeout: 15_000 }).toContain(`"name": "${agentName}"`);
      expect(await visibleText(result)).toContain('"totalCount": 1');

      // A mutation, typed over the query, makes an agent and shows it.
      await operationEditor.locator('.view-lines').click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.press('Delete');
      await page.keyboard.type('mutation MakeAgent { createAgent(input: {name: "Made in GraphiQL"}) { id name status } }');
      // GraphiQL takes the operation in once its tab is named after it.
      await expect.poll(() => visibleText(page.locator('.graphiql-tab-button'))).toBe('MakeAgent');
      await page.getByRole('button', { name: /^Execute query/ }).click();
      await expect.poll(() => visibleText(result), { timeout: 15_000 }).toContain('"name": "Made in GraphiQL"');
      expect(await visibleText(result)).toContain('"createAgent": {');
      const agents = await graphql(app, key, '{ agents(first: 10) { nodes { name } } }');
      expect(agents.body.data.agents.nodes.map((a: { name: string }) => a.name).sort()).toEqual([agentName, 'Made in GraphiQL'].sort());

      // The documentation explorer finds Agent and shows its fields.
      await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
      const explorer = page.locator('.graphiql-doc-explorer');
      await explorer.getByRole('combobox').click();
      await page.keyboard.type('Agent');
      await page.getByRole('option', { name: 'Agent', exact: true }).click();
      await expect.poll(() => visibleText(explorer.locator('.graphiql-doc-explorer-title'))).toBe('Agent');
      const documented = await visibleText(explorer);
      for (const field of ['name', 'status', 'model']) expect(documented).toMatch(new RegExp(`^${field}:`, 'm'));

      expect(problems).toEqual([]);
      expect(leftLoopback).toEqual([]);
    });
  }, 90_000);
});
