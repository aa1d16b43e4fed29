import { Analytics } from './analytics.js';
import { HttpClient } from './http.js';
import { Accounts, Agents, ApiKeys, Characters, Conversations, Plugins, Tools } from './resources.js';
import { Knowledge } from './knowledge.js';
import { McpServers } from './mcp-servers.js';
import { Messages } from './messages.js';
import { paginate, type ListParams, type PageLister } from './paginate.js';
import type { PageParams, RequestOptions } from './types.js';
import { Webhooks } from './webhooks.js';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:3000/v1';

export type OrionOSOptions = {
  /** Your API key (`orn_live_…` / `orn_test_…`). Default: the ORION_API_KEY environment variable. */
  apiKey?: string | undefined;
  /** The API's base URL, with its /v1. Default: ORION_BASE_URL, else http://127.0.0.1:3000/v1. */
  baseUrl?: string | undefined;
  /** Retries of a failed call that may succeed later (rate limits, 503s, network errors). Default 3. */
  maxRetries?: number;
  /** How long a call may wait for an answer (a stream: for each piece of it). Default 60 000 ms. */
  timeoutMs?: number;
  /** The longest wait between two tries, whatever Retry-After says. Default 60 000 ms. */
  maxRetryDelayMs?: number;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof globalThis.fetch;
};

/**
 * Makes each method of a resource its own bound property, so it can be passed around detached
 * (`orion.paginate(orion.agents.list)`, `const { get } = orion.agents`). Not enumerable: the
 * resource still logs and serializes as before.
 */
function bindMethods<R extends object>(resource: R): R {
  for (let proto = Object.getPrototypeOf(resource); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const method: unknown = (resource as Record<string, unknown>)[name];
      if (name === 'constructor' || typeof method !== 'function' || Object.hasOwn(resource, name)) continue;
      Object.defineProperty(resource, name, { value: method.bind(resource), writable: true, configurable: true, enumerable: false });
    }
  }
  return resource;
}

function environment(name: string): string | undefined {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  return value && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The OrionOS API client.
 *
 * ```ts
 * const orion = new OrionOS({ apiKey: process.env.ORION_API_KEY });
 * const agent = await orion.agents.create({ name: 'MyAgent' });
 * const response = await orion.agents.sendMessage(agent.data.id, { text: 'Hello!', userId: 'user_123' });
 * console.log(response.data.response);
 * ```
 *
 * Every method resolves to the API's envelope `{ success: true, data }` and throws an
 * OrionOSError (with `code`, `status`, `details`, `requestId`) when the call fails.
 */
export class OrionOS {
  readonly agents: Agents;
  readonly characters: Characters;
  /** The plugin catalog, and the plugins each agent has enabled. */
  readonly plugins: Plugins;
  /** Agents' custom HTTP tools and their signing secret. */
  readonly tools: Tools;
  readonly conversations: Conversations;
  /** Conversation analytics of the account (`account`) or of one agent (`agent`). */
  readonly analytics: Analytics;
  /** Feedback on agents' replies. */
  readonly messages: Messages;
  /** Knowledge documents: upload, list, get, chunks, attach to / detach from agents, delete. */
  readonly knowledge: Knowledge;
  /** MCP servers as tool sources: register, list, get, update, refresh, delete; and the agents that use them. */
  readonly mcpServers: McpServers;
  readonly apiKeys: ApiKeys;
  /** Webhook endpoints, their deliveries, and `verify` for what they receive. */
  readonly webhooks: Webhooks;
  /** Operators only (admin scope). */
  readonly accounts: Accounts;
  readonly baseUrl: string;

  constructor(options: OrionOSOptions = {}) {
    const apiKey = options.apiKey ?? environment('ORION_API_KEY');
    if (!apiKey) {
      throw new TypeError('OrionOS: no API key: pass { apiKey } or set the ORION_API_KEY environment variable');
    }
    const baseUrl = (options.baseUrl ?? environment('ORION_BASE_URL') ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    if (!URL.canParse(baseUrl)) throw new TypeError(`OrionOS: baseUrl ${JSON.stringify(baseUrl)} is not a URL`);
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('OrionOS: no fetch: pass { fetch }');
    this.baseUrl = baseUrl;
    const http = new HttpClient({
      apiKey,
      baseUrl,
      maxRetries: options.maxRetries ?? 3,
      timeoutMs: options.timeoutMs ?? 60_000,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 60_000,
      fetch: fetchImpl.bind(globalThis),
    });
    this.agents = bindMethods(new Agents(http));
    this.characters = bindMethods(new Characters(http));
    this.plugins = bindMethods(new Plugins(http));
    this.tools = bindMethods(new Tools(http));
    this.conversations = bindMethods(new Conversations(http));
    this.analytics = bindMethods(new Analytics(http));
    this.messages = bindMethods(new Messages(http));
    this.knowledge = bindMethods(new Knowledge(http));
    this.mcpServers = bindMethods(new McpServers(http));
    this.apiKeys = bindMethods(new ApiKeys(http));
    this.webhooks = bindMethods(new Webhooks(http));
    this.accounts = bindMethods(new Accounts(http));
  }

  /**
   * Every item of a paged list, page after page:
   * `for await (const agent of orion.paginate(orion.agents.list, { limit: 50 }))`; for a list that
   * takes an id first, `orion.paginate((params) => orion.tools.list(agentId, params))`. Fetches a
   * page only when the loop reaches it and stops after the last one; see `paginate`.
   */
  paginate<T, P extends PageParams | undefined = PageParams>(
    list: PageLister<T, P>,
    params?: ListParams<P>,
    options?: RequestOptions,
  ): AsyncGenerator<T, void, undefined> {
    return paginate(list, params, options);
  }
}
