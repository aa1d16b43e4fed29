import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { DEFAULT_DISPATCH_SETTINGS, type DispatchSettings } from './services/webhooks/settings.js';
import { parseRetrySchedule } from './services/webhooks/schedule.js';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** An empty or blank variable counts as unset, so its default applies. */
const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const envSchema = z.object({
  PORT: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(65535).default(3000)),
  HOST: z.preprocess(blankAsUnset, z.string().default('0.0.0.0')),
  DATABASE_URL: optionalString.refine(
    (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
    'must be a postgresql:// URL',
  ),
  ORION_DATA_DIR: z.preprocess(blankAsUnset, z.string().default('./data')),
  REDIS_URL: optionalString.refine(
    (v) => v === undefined || /^rediss?:\/\//.test(v),
    'must be a redis:// URL',
  ),
  ORION_ADMIN_KEY: optionalString.refine(
    (v) => v === undefined || v.length >= 32,
    'must be at least 32 characters',
  ),
  ORION_SECRET_KEY: optionalString.refine(
    (v) => v === undefined || v.length >= 32,
    'must be at least 32 characters',
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString.refine(
    (v) => v === undefined || URL.canParse(v),
    'must be a URL',
  ),
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString.refine(
    (v) => v === undefined || URL.canParse(v),
    'must be a URL',
  ),
  ORION_EMBEDDING_BASE_URL: optionalString.refine(
    (v) => v === undefined || /^https?:\/\//.test(v) && URL.canParse(v),
    'must be an http:// or https:// URL',
  ),
  ORION_EMBEDDING_API_KEY: optionalString,
  ORION_EMBEDDING_MODEL: optionalString.refine((v) => v === undefined || v.length <= 200, 'must be at most 200 characters'),
  MODEL_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  ANONYMOUS_RATE_LIMIT_PER_MINUTE: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(1_000_000).default(60)),
  GRAPHQL_MAX_DEPTH: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(100).default(10)),
  GRAPHQL_MAX_ALIASES: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(1000).default(15)),
  GRAPHQL_MAX_TOKENS: z.preprocess(blankAsUnset, z.coerce.number().int().min(10).max(100_000).default(2000)),
  GRAPHQL_MAX_COST: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(10_000_000).default(5000)),
  GRAPHQL_MAX_DIRECTIVES: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(1000).default(50)),
  GRAPHQL_INTROSPECTION: z.preprocess(blankAsUnset, z.enum(['true', 'false']).default('true')),
  NODE_ENV: z.preprocess(blankAsUnset, z.string().default('production')),
  TRUST_PROXY: z.preprocess(blankAsUnset, z.string().default('false')),
  CORS_ORIGINS: optionalString,
  METRICS_TOKEN: optionalString,
  METRICS_PORT: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(65535).optional()),
  METRICS_HOST: z.preprocess(blankAsUnset, z.string().default('127.0.0.1')),
  HTTP_HEADERS_TIMEOUT_MS: z.preprocess(blankAsUnset, z.coerce.number().int().min(100).max(300_000).default(10_000)),
  HTTP_REQUEST_TIMEOUT_MS: z.preprocess(blankAsUnset, z.coerce.number().int().min(100).max(300_000).default(30_000)),
  MAX_CONNECTIONS_PER_ADDRESS: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(1_000_000).default(100)),
  SHUTDOWN_TIMEOUT_MS: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(600_000).default(25_000)),
  SHUTDOWN_DELAY_MS: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(600_000).default(0)),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  ORION_ALLOW_PRIVATE_NETWORKS: z.preprocess(blankAsUnset, z.enum(['true', 'false']).default('false')),
  ORION_WEBHOOK_RETRY_SCHEDULE: optionalString,
  ORION_WEBHOOK_TIMEOUT_MS: z.preprocess(blankAsUnset, z.coerce.number().int().min(100).max(60_000).default(DEFAULT_DISPATCH_SETTINGS.timeoutMs)),
  ORION_WEBHOOK_LEASE_MS: z.preprocess(blankAsUnset, z.coerce.number().int().min(200).max(3_600_000).default(DEFAULT_DISPATCH_SETTINGS.leaseMs)),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  adminKey: string | undefined;
  /**
   * The server key sealing stored secrets (agents' tool-signing secrets). Unset: generated once
   * into the data directory on the embedded database; required with PostgreSQL (several instances).
   */
  secretKey: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  openaiApiKey: string | undefined;
  openaiBaseUrl: string | undefined;
  anthropicApiKey: string | undefined;
  anthropicBaseUrl: string | undefined;
  modelTimeoutMs: number;
  /**
   * An OpenAI-compatible embedding model (ORION_EMBEDDING_*): chunks are embedded at upload and
   * knowledge search ranks hybrid. Unset: full-text ranking alone.
   */
  embedding: EmbeddingSettings | undefined;
  bodyLimitBytes: number;
  anonymousRateLimitPerMinute: number;
  /**
   * Express's "trust proxy": how many proxies in front (a hop count) or which addresses are
   * proxies; false: the TCP peer is the client. Never `true`, which believes the client's own header.
   */
  trustProxy: false | number | string[];
  graphql: GraphQLLimits;
  /** Origins allowed by CORS; empty: CORS off. */
  corsOrigins: string[];
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** When set, /metrics is served on this port only, not on the API's. */
  metricsPort: number | undefined;
  /** The address the metrics port listens on (loopback unless told otherwise). */
  metricsHost: string;
  /** The request's headers must arrive within this, and the whole request (body included) within the other. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Open connections one client address may hold at once; 0: no cap. */
  maxConnectionsPerAddress: number;
  /** How long shutdown waits for requests and streams in flight. */
  shutdownTimeoutMs: number;
  /**
   * Before that: how long after SIGTERM the instance keeps serving with readiness failed, so a
   * load balancer takes it out of rotation before it stops accepting (0: stop accepting at once).
   */
  shutdownDelayMs: number;
  /** Outbound requests (custom tools) may reach private, loopback and link-local addresses: development and tests only. */
  allowPrivateNetworks: boolean;
  webhooks: WebhookConfig;
};

/** Where the embedding model is; calls time out after MODEL_TIMEOUT_MS. */
export type EmbeddingSettings = { baseUrl: string; apiKey: string | undefined; model: string };

/** Delivery of webhook events (services/webhooks/dispatcher.ts). */
export type WebhookConfig = DispatchSettings & {
  /** Run the dispatcher in this process: always in production; test apps only when asked. */
  dispatch: boolean;
};

/** The protections every GraphQL document meets, on /graphql and behind every REST route. */
export type GraphQLLimits = {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxCost: number;
  maxDirectives: number;
  introspection: boolean;
  /** "Did you mean ...?" hints reveal the schema: only in development. */
  fieldSuggestions: boolean;
};

export const DEFAULT_GRAPHQL_LIMITS: GraphQLLimits = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 2000,
  maxCost: 5000,
  maxDirectives: 50,
  introspection: true,
  fieldSuggestions: false,
};

export class ConfigError extends Error {}

const NAMED_PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  if (NAMED_PROXY_RANGES.includes(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  if (rest.length || !isIP(address!)) return false;
  if (bits === undefined) return true;
  const max = isIP(address!) === 4 ? 32 : 128;
  return /^\d+$/.test(bits) && Number(bits) <= max;
}

/**
 * `true` would take the left-most X-Forwarded-For address, which the client writes itself: anyone
 * could pick a fresh address per request and never meet the anonymous rate limit. Refused.
 */
function parseTrustProxy(value: string): Config['trustProxy'] {
  if (value === 'false') return false;
  if (value === 'true') {
    throw new ConfigError(
      'invalid configuration: TRUST_PROXY=true would believe any client\'s X-Forwarded-For; ' +
        'set the number of proxies in front of OrionOS (e.g. 1) or their addresses (e.g. loopback,10.0.0.0/8)',
    );
  }
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  const bad = entries.filter((e) => !isProxyAddress(e));
  if (!entries.length || bad.length) {
    throw new ConfigError(
      `invalid configuration: TRUST_PROXY must be false, a number of proxies, or proxy addresses ` +
        `(IP, CIDR, loopback, linklocal, uniquelocal); not ${JSON.stringify(bad.join(',') || value)}`,
    );
  }
  return entries;
}

/** Reads the configuration from the environment; throws one clear line when it is invalid. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  const embeddingNamed = [e.ORION_EMBEDDING_BASE_URL, e.ORION_EMBEDDING_MODEL, e.ORION_EMBEDDING_API_KEY].some((v) => v !== undefined);
  if (embeddingNamed && (e.ORION_EMBEDDING_BASE_URL === undefined || e.ORION_EMBEDDING_MODEL === undefined)) {
    throw new ConfigError('invalid configuration: ORION_EMBEDDING_BASE_URL and ORION_EMBEDDING_MODEL must be set together (ORION_EMBEDDING_API_KEY is optional)');
  }
  let retryScheduleMs = DEFAULT_DISPATCH_SETTINGS.retryScheduleMs;
  if (e.ORION_WEBHOOK_RETRY_SCHEDULE !== undefined) {
    try {
      retryScheduleMs = parseRetrySchedule(e.ORION_WEBHOOK_RETRY_SCHEDULE);
    } catch (error) {
      throw new ConfigError(`invalid configuration: ORION_WEBHOOK_RETRY_SCHEDULE ${(error as Error).message}`);
    }
  }
  // A claim must outlast its attempt, or a slow attempt could be claimed and sent again meanwhile.
  if (e.ORION_WEBHOOK_LEASE_MS <= e.ORION_WEBHOOK_TIMEOUT_MS) {
    throw new ConfigError('invalid configuration: ORION_WEBHOOK_LEASE_MS must exceed ORION_WEBHOOK_TIMEOUT_MS');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.ORION_DATA_DIR),
    redisUrl: e.REDIS_URL,
    adminKey: e.ORION_ADMIN_KEY,
    secretKey: e.ORION_SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    openaiApiKey: e.OPENAI_API_KEY,
    openaiBaseUrl: e.OPENAI_BASE_URL,
    anthropicApiKey: e.ANTHROPIC_API_KEY,
    anthropicBaseUrl: e.ANTHROPIC_BASE_URL,
    modelTimeoutMs: e.MODEL_TIMEOUT_MS,
    embedding:
      e.ORION_EMBEDDING_BASE_URL && e.ORION_EMBEDDING_MODEL
        ? { baseUrl: e.ORION_EMBEDDING_BASE_URL, apiKey: e.ORION_EMBEDDING_API_KEY, model: e.ORION_EMBEDDING_MODEL }
        : undefined,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    anonymousRateLimitPerMinute: e.ANONYMOUS_RATE_LIMIT_PER_MINUTE,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    corsOrigins: (e.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    metricsToken: e.METRICS_TOKEN,
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
    headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
    maxConnectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    allowPrivateNetworks: e.ORION_ALLOW_PRIVATE_NETWORKS === 'true',
    webhooks: {
      ...DEFAULT_DISPATCH_SETTINGS,
      dispatch: true,
      retryScheduleMs,
      timeoutMs: e.ORION_WEBHOOK_TIMEOUT_MS,
      leaseMs: e.ORION_WEBHOOK_LEASE_MS,
    },
    graphql: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxCost: e.GRAPHQL_MAX_COST,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      introspection: e.GRAPHQL_INTROSPECTION === 'true',
      fieldSuggestions: e.NODE_ENV === 'development',
    },
  };
}

/**
 * Adds the variables of a `.env` file (by default in the working directory) to `env`, for those
 * `env` leaves unset: the real environment wins. No file: nothing to add.
 */
export function applyDotEnv(env: NodeJS.ProcessEnv = process.env, file = path.resolve('.env')): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined && value !== undefined) env[name] = value;
  }
}

/** The configuration the server and the `orion` commands run with: the environment, then `.env`. */
export function loadConfigFromEnvironment(): Config {
  applyDotEnv(process.env);
  return loadConfig(process.env);
}
