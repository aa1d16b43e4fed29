import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/openapi/document.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

/**
 * /docs in a real headless Chromium (Debian's, /usr/bin/chromium: CI installs it with
 * `apt-get install -y chromium`): the page loads under the app's Content-Security-Policy, lists
 * every route, logs no error and asks nothing of any host but this server.
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

describe('GET /docs in headless Chromium', () => {
  let app: TestApp;
  let server: Awaited<ReturnType<typeof listen>>;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`No Chromium at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`);
    }
    app = await startTestApp('pglite');
    server = await listen(app.app);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 30_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
  });

  it('renders every route from the document, with no console error and no request elsewhere', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const requested: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => requested.push(request.url()));
    page.on('requestfailed', (request) => problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });

    const response = await page.goto(`${server.url}/docs`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp, 'served under a Content-Security-Policy').toMatch(/script-src 'self'(;|$)/);

    const { document } = openApiDocument();
    const operations = Object.values(document.paths).flatMap((item) =>
      (['get', 'put', 'post', 'patch', 'delete'] as const).flatMap((m) => (item[m] ? [item[m]!] : [])),
    );
    await page.waitForFunction(`document.querySelectorAll('.opblock').length >= ${operations.length}`, undefined, { timeout: 20_000 });
    const text = (await page.locator('body').innerText()).replace(/\u200b/g, '');
    expect(text).toContain('OrionOS API');
    expect(text).toContain('/v1/agents/{agentId}/messages');
    for (const path of Object.keys(document.paths)) expect(text).toContain(path);
    for (const operation of operations) expect(text).toContain(operation.summary);
    expect(await page.locator('.opblock').count()).toBe(operations.length);

    // One operation opens, with its responses and schema rendered.
    await page.locator('#operations-Messages-sendMessage .opblock-summary').click();
    await page.waitForSelector('#operations-Messages-sendMessage .responses-table', { timeout: 10_000 });
    const opened = (await page.locator('#operations-Messages-sendMessage').innerText()).replace(/\u200b/g, '');
    for (const status of ['200', '201', '400', '401', '403', '404', '409', '413', '429', '500', '502', '503']) expect(opened).toContain(status);
    expect(opened).toContain('text/event-stream');

    expect(problems).toEqual([]);
    const elsewhere = requested.filter((url) => !url.startsWith(`${server.url}/`) && !url.startsWith('data:'));
    expect(elsewhere).toEqual([]);
    expect(requested).toContain(`${server.url}/v1/openapi.json`);
    await page.close();
  });
});
