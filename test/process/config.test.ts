// Invalid configuration stops the server before it touches anything: exit code 1 and one clear line
// on stderr. And loadConfig() itself: defaults, normalisation and its error messages.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_GRAPHQL_LIMITS, loadConfig } from '../../src/config.js';
import { DEFAULT_DISPATCH_SETTINGS } from '../../src/services/webhooks/settings.js';
import {
  PROCESS_ADMIN_KEY,
  killAllServers,
  makeTempDir,
  removeDir,
  serverEnv,
  spawnServer,
} from '../support/server-process.js';

describe.concurrent('the server process with an invalid configuration', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await killAllServers();
    await Promise.all(dirs.map((dir) => removeDir(dir)));
  });

  it.for([
    { name: 'PORT', env: { PORT: 'abc' }, expected: /^orion: invalid configuration: PORT .+/ },
    {
      name: 'DATABASE_URL',
      env: { DATABASE_URL: 'mysql://x' },
      expected: /^orion: invalid configuration: DATABASE_URL must be a postgresql:\/\/ URL$/,
    },
    {
      name: 'ORION_ADMIN_KEY',
      env: { ORION_ADMIN_KEY: 'short' },
      expected: /^orion: invalid configuration: ORION_ADMIN_KEY must be at least 32 characters$/,
    },
    {
      name: 'ORION_SECRET_KEY',
      env: { ORION_SECRET_KEY: 'too-short' },
      expected: /^orion: invalid configuration: ORION_SECRET_KEY must be at least 32 characters$/,
    },
    {
      name: 'TRUST_PROXY=true',
      env: { TRUST_PROXY: 'true' },
      expected: /^orion: invalid configuration: TRUST_PROXY=true would believe any client's X-Forwarded-For; set the number of proxies/,
    },
    {
      name: 'ORION_WEBHOOK_RETRY_SCHEDULE',
      env: { ORION_WEBHOOK_RETRY_SCHEDULE: '5s,soon' },
      expected: /^orion: invalid configuration: ORION_WEBHOOK_RETRY_SCHEDULE "soon" is not a duration/,
    },
  ])('$name: exits 1 with one line on stderr', async ({ env, expected }, { expect }) => {
    const tmp = await makeTempDir('orion-config-test-');
    dirs.push(tmp);
    const dataDir = path.join(tmp, 'data');
    // Everything else is valid: only the variable under test can be the reason it stops.
    const server = spawnServer(
      await serverEnv({ ORION_DATA_DIR: dataDir, ORION_ADMIN_KEY: PROCESS_ADMIN_KEY, ...env }),
    );
    const outcome = await Promise.race([
      server.exited.then((exit) => ({ exited: exit })),
      server.listening.then(
        (url) => ({ listening: url }),
        () => server.exited.then((exit) => ({ exited: exit })),
      ),
    ]);
    expect(outcome).toEqual({ exited: { code: 1, signal: null } });
    const lines = server.stderr().split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
    // It stopped before opening the database or logging anything.
    expect(server.stdout()).toBe('');
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dataDir: path.resolve('./data'),
      redisUrl: undefined,
      adminKey: undefined,
      logLevel: 'info',
      openaiApiKey: undefined,
      openaiBaseUrl: undefined,
      anthropicApiKey: undefined,
      anthropicBaseUrl: undefined,
      modelTimeoutMs: 30_000,
      bodyLimitBytes: 1024 * 1024,
      anonymousRateLimitPerMinute: 60,
      trustProxy: false,
      graphql: DEFAULT_GRAPHQL_LIMITS,
      corsOrigins: [],
      metricsToken: undefined,
      metricsPort: undefined,
      metricsHost: '127.0.0.1',
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      maxConnectionsPerAddress: 100,
      shutdownTimeoutMs: 25_000,
      shutdownDelayMs: 0,
      allowPrivateNetworks: false,
      webhooks: {
        dispatch: true,
        retryScheduleMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
        pollIntervalMs: 1_000,
        timeoutMs: 10_000,
        leaseMs: 60_000,
        disableAfterFailingMs: 3 * 86_400_000,
        concurrency: DEFAULT_DISPATCH_SETTINGS.concurrency,
      },
    });
  });

  it('reads and normalises every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      DATABASE_URL: '  postgresql://u@db:5432/orion?schema=s  ',
      ORION_DATA_DIR: 'some/dir',
      REDIS_URL: 'rediss://cache:6380',
      ORION_ADMIN_KEY: ` ${PROCESS_ADMIN_KEY} `,
      LOG_LEVEL: 'debug',
      OPENAI_API_KEY: 'sk-openai',
      OPENAI_BASE_URL: 'http://localhost:11434/v1',
      ANTHROPIC_API_KEY: 'sk-ant',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9999/v1',
      MODEL_TIMEOUT_MS: '5000',
      BODY_LIMIT_BYTES: '2048',
      ANONYMOUS_RATE_LIMIT_PER_MINUTE: '30',
      TRUST_PROXY: 'loopback',
      GRAPHQL_MAX_DEPTH: '12',
      GRAPHQL_MAX_ALIASES: '3',
      GRAPHQL_MAX_TOKENS: '500',
      GRAPHQL_MAX_COST: '900',
      GRAPHQL_MAX_DIRECTIVES: '4',
      GRAPHQL_INTROSPECTION: 'false',
      NODE_ENV: 'development',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      METRICS_TOKEN: 'metrics-secret',
      METRICS_PORT: '9464',
      METRICS_HOST: '0.0.0.0',
      HTTP_HEADERS_TIMEOUT_MS: '2000',
      HTTP_REQUEST_TIMEOUT_MS: '4000',
      MAX_CONNECTIONS_PER_ADDRESS: '0',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ORION_ALLOW_PRIVATE_NETWORKS: 'true',
      ORION_WEBHOOK_RETRY_SCHEDULE: ' 250ms, 5s,2m ,1h,1d ',
      ORION_WEBHOOK_TIMEOUT_MS: '3000',
      ORION_WEBHOOK_LEASE_MS: '20000',
    });
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgresql://u@db:5432/orion?schema=s',
      dataDir: path.resolve('some/dir'),
      redisUrl: 'rediss://cache:6380',
      adminKey: PROCESS_ADMIN_KEY,
      logLevel: 'debug',
      openaiApiKey: 'sk-openai',
      openaiBaseUrl: 'http://localhost:11434/v1',
      anthropicApiKey: 'sk-ant',
      anthropicBaseUrl: 'http://127.0.0.1:9999/v1',
      modelTimeoutMs: 5000,
      bodyLimitBytes: 2048,
      anonymousRateLimitPerMinute: 30,
      trustProxy: ['loopback'],
      graphql: {
        maxDepth: 12,
        maxAliases: 3,
        maxTokens: 500,
        maxCost: 900,
        maxDirectives: 4,
        introspection: false,
        fieldSuggestions: true,
      },
      corsOrigins: ['https://a.example', 'https://b.example'],
      metricsToken: 'metrics-secret',
      metricsPort: 9464,
      metricsHost: '0.0.0.0',
      headersTimeoutMs: 2000,
      requestTimeoutMs: 4000,
      maxConnectionsPerAddress: 0,
      shutdownTimeoutMs: 5000,
      shutdownDelayMs: 0,
      allowPrivateNetworks: true,
      webhooks: {
        ...DEFAULT_DISPATCH_SETTINGS,
        dispatch: true,
        retryScheduleMs: [250, 5_000, 120_000, 3_600_000, 86_400_000],
        timeoutMs: 3000,
        leaseMs: 20_000,
      },
    });
    expect(path.isAbsolute(config.dataDir)).toBe(true);
  });

  it('treats blank optional values as unset', () => {
    const config = loadConfig({
      DATABASE_URL: '',
      REDIS_URL: '   ',
      ORION_ADMIN_KEY: '',
      OPENAI_API_KEY: ' ',
      OPENAI_BASE_URL: '',
      ANTHROPIC_API_KEY: '',
      ORION_WEBHOOK_RETRY_SCHEDULE: ' ',
      ORION_WEBHOOK_TIMEOUT_MS: '',
      ORION_WEBHOOK_LEASE_MS: '',
    });
    expect(config.webhooks).toMatchObject({ retryScheduleMs: DEFAULT_DISPATCH_SETTINGS.retryScheduleMs, timeoutMs: 10_000, leaseMs: 60_000 });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.adminKey).toBeUndefined();
    expect(config.openaiApiKey).toBeUndefined();
    expect(config.openaiBaseUrl).toBeUndefined();
    expect(config.anthropicApiKey).toBeUndefined();
  });

  // Regression: a blank PORT would listen on a random port, a blank ORION_DATA_DIR would put a
  // PostgreSQL cluster in the working directory.
  it('treats a blank PORT, HOST or ORION_DATA_DIR as unset', () => {
    const config = loadConfig({ PORT: '', HOST: ' ', ORION_DATA_DIR: '' });
    expect(config.port).toBe(3000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe(path.resolve('./data'));
  });

  // Regression: `true` trusted the client's own X-Forwarded-For, so anyone could lift the
  // anonymous rate limit by rotating it.
  it('TRUST_PROXY: false, a hop count or proxy addresses; never true', () => {
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,192.168.1.5, fd00::/8' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
      '192.168.1.5',
      'fd00::/8',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(
      /^invalid configuration: TRUST_PROXY=true would believe any client's X-Forwarded-For; set the number of proxies in front of OrionOS \(e\.g\. 1\) or their addresses/,
    );
    for (const bad of ['yes', '10.0.0.0/33', 'loopback,example.com', '1.2.3']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/^invalid configuration: TRUST_PROXY must be false, a number of proxies, or proxy addresses/);
    }
  });

  it('the headers timeout may not exceed the request timeout', () => {
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '4000' })).toThrow(
      /^invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS$/,
    );
  });

  it('accepts postgres:// as well as postgresql://', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://h/db' }).databaseUrl).toBe('postgres://h/db');
  });

  it.for([
    [{ PORT: 'abc' }, /^invalid configuration: PORT /],
    [{ PORT: '70000' }, /^invalid configuration: PORT /],
    [{ PORT: '-1' }, /^invalid configuration: PORT /],
    [{ PORT: '80.5' }, /^invalid configuration: PORT /],
    [{ DATABASE_URL: 'mysql://x' }, /^invalid configuration: DATABASE_URL must be a postgresql:\/\/ URL$/],
    [{ REDIS_URL: 'http://cache' }, /^invalid configuration: REDIS_URL must be a redis:\/\/ URL$/],
    [{ ORION_ADMIN_KEY: 'short' }, /^invalid configuration: ORION_ADMIN_KEY must be at least 32 characters$/],
    [{ ORION_ADMIN_KEY: 'x'.repeat(31) }, /^invalid configuration: ORION_ADMIN_KEY must be at least 32 characters$/],
    [{ LOG_LEVEL: 'verbose' }, /^invalid configuration: LOG_LEVEL /],
    [{ OPENAI_BASE_URL: 'not a url' }, /^invalid configuration: OPENAI_BASE_URL must be a URL$/],
    [{ MODEL_TIMEOUT_MS: '99' }, /^invalid configuration: MODEL_TIMEOUT_MS /],
    [{ MODEL_TIMEOUT_MS: '600001' }, /^invalid configuration: MODEL_TIMEOUT_MS /],
    [{ BODY_LIMIT_BYTES: '1023' }, /^invalid configuration: BODY_LIMIT_BYTES /],
    [{ ORION_WEBHOOK_RETRY_SCHEDULE: '5s,,5m' }, /^invalid configuration: ORION_WEBHOOK_RETRY_SCHEDULE must be a comma-separated list of durations/],
    [{ ORION_WEBHOOK_RETRY_SCHEDULE: '5 minutes' }, /^invalid configuration: ORION_WEBHOOK_RETRY_SCHEDULE "5 minutes" is not a duration/],
    [{ ORION_WEBHOOK_RETRY_SCHEDULE: '1.5s' }, /^invalid configuration: ORION_WEBHOOK_RETRY_SCHEDULE "1.5s" is not a duration/],
    [{ ORION_WEBHOOK_RETRY_SCHEDULE: '0s' }, /^invalid configuration: ORION_WEBHOOK_RETRY_SCHEDULE "0s" must be between 1ms and 7d$/],
    [{ ORION_WEBHOOK_RETRY_SCHEDULE: '8d' }, /^invalid configuration: ORION_WEBHOOK_RETRY_SCHEDULE "8d" must be between 1ms and 7d$/],
    [{ ORION_WEBHOOK_RETRY_SCHEDULE: Array(51).fill('1s').join(',') }, /^invalid configuration: ORION_WEBHOOK_RETRY_SCHEDULE must hold at most 50 durations$/],
    [{ ORION_WEBHOOK_TIMEOUT_MS: '99' }, /^invalid configuration: ORION_WEBHOOK_TIMEOUT_MS /],
    [{ ORION_WEBHOOK_LEASE_MS: 'soon' }, /^invalid configuration: ORION_WEBHOOK_LEASE_MS /],
    [{ ORION_WEBHOOK_TIMEOUT_MS: '5000', ORION_WEBHOOK_LEASE_MS: '5000' }, /^invalid configuration: ORION_WEBHOOK_LEASE_MS must exceed ORION_WEBHOOK_TIMEOUT_MS$/],
  ] as const)('rejects %o', ([env, message]) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('accepts the bounds', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
    expect(loadConfig({ ORION_ADMIN_KEY: 'x'.repeat(32) }).adminKey).toBe('x'.repeat(32));
    expect(loadConfig({ MODEL_TIMEOUT_MS: '100' }).modelTimeoutMs).toBe(100);
    expect(loadConfig({ BODY_LIMIT_BYTES: '1024' }).bodyLimitBytes).toBe(1024);
  });

  it('lists every problem in one line', () => {
    expect(() => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', ORION_ADMIN_KEY: 'short' })).toThrow(
      /^invalid configuration: PORT .+; DATABASE_URL must be a postgresql:\/\/ URL; ORION_ADMIN_KEY must be at least 32 characters$/,
    );
  });
});
