import path from 'node:path';
import { z } from 'zod';

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
  SHUTDOWN_TIMEOUT_MS: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(600_000).default(25_000)),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  adminKey: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  openaiApiKey: string | undefined;
  openaiBaseUrl: string | undefined;
  anthropicApiKey: string | undefined;
  anthropicBaseUrl: string | undefined;
  modelTimeoutMs: number;
  bodyLimitBytes: number;
  anonymousRateLimitPerMinute: number;
  /** Express's "trust proxy": which proxies' X-Forwarded-For to believe for client addresses. */
  trustProxy: boolean | number | string;
  graphql: GraphQLLimits;
  /** Origins allowed by CORS; empty: CORS off. */
  corsOrigins: string[];
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** When set, /metrics is served on this port only, not on the API's. */
  metricsPort: number | undefined;
  /** How long shutdown waits for requests and streams in flight. */
  shutdownTimeoutMs: number;
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

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** Reads the configuration from the environment; throws one clear line when it is invalid. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.ORION_DATA_DIR),
    redisUrl: e.REDIS_URL,
    adminKey: e.ORION_ADMIN_KEY,
    logLevel: e.LOG_LEVEL,
    openaiApiKey: e.OPENAI_API_KEY,
    openaiBaseUrl: e.OPENAI_BASE_URL,
    anthropicApiKey: e.ANTHROPIC_API_KEY,
    anthropicBaseUrl: e.ANTHROPIC_BASE_URL,
    modelTimeoutMs: e.MODEL_TIMEOUT_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    anonymousRateLimitPerMinute: e.ANONYMOUS_RATE_LIMIT_PER_MINUTE,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    corsOrigins: (e.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    metricsToken: e.METRICS_TOKEN,
    metricsPort: e.METRICS_PORT,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
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
