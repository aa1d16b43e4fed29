// One class per REST resource; each method is one route of src/rest/routes.ts.
import type { HttpClient } from './http.js';
import { openExport, type ConversationExportFormat, type ExportDownload } from './export.js';
import { MessageStream } from './stream.js';
import type {
  Account,
  AccountCreateParams,
  AccountUpdateParams,
  Agent,
  AgentPlugin,
  CreatedTool,
  DeletedTool,
  DisabledPlugin,
  Plugin,
  PluginEnableParams,
  RotatedToolSecret,
  Tool,
  ToolCreateParams,
  ToolUpdateParams,
  AgentCreateParams,
  AgentUpdateParams,
  Character,
  CharacterCreateParams,
  CharacterExportFormat,
  CharacterDeleteParams,
  CharacterRevision,
  CharacterUpdateParams,
  ImportedCharacter,
  ListResponse,
  ApiKey,
  ApiKeyCreateParams,
  ApiKeyRotateParams,
  ApiResponse,
  Conversation,
  ConversationListParams,
  ConversationSearchParams,
  SearchedConversation,
  CreatedAccount,
  CreatedApiKey,
  DeletedAgent,
  DeletedCharacter,
  DeletedConversation,
  Message,
  Page,
  PageParams,
  PromptPreview,
  PromptPreviewParams,
  RequestOptions,
  RotatedApiKey,
  SendMessageParams,
  SentMessage,
} from './types.js';

/** A path segment from an id; an empty one would silently name another route. */
function id(name: string, value: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return encodeURIComponent(value);
}

function pageQuery(params: PageParams = {}): Record<string, number | undefined> {
  return { page: params.page, limit: params.limit };
}

export class Agents {
  constructor(private readonly http: HttpClient) {}

  /** POST /agents. Only `name` is required. */
  create(params: AgentCreateParams, options?: RequestOptions): Promise<ApiResponse<Agent>> {
    return this.http.request({ method: 'POST', path: '/agents', body: params }, options);
  }

  /** GET /agents, newest first. */
  list(params?: PageParams, options?: RequestOptions): Promise<ApiResponse<Page<Agent>>> {
    return this.http.request({ method: 'GET', path: '/agents', query: pageQuery(params) }, options);
  }

  /** GET /agents/{agentId}; NotFoundError (AGENT_NOT_FOUND) if it is not one of yours. */
  get(agentId: string, options?: RequestOptions): Promise<ApiResponse<Agent>> {
    return this.http.request({ method: 'GET', path: `/agents/${id('agentId', agentId)}` }, options);
  }

  /** PATCH /agents/{agentId}: replaces each top-level field given; null clears an optional one. */
  update(agentId: string, params: AgentUpdateParams, options?: RequestOptions): Promise<ApiResponse<Agent>> {
    return this.http.request({ method: 'PATCH', path: `/agents/${id('agentId', agentId)}`, body: params }, options);
  }

  /** DELETE /agents/{agentId}. */
  delete(agentId: string, options?: RequestOptions): Promise<ApiResponse<DeletedAgent>> {
    return this.http.request({ method: 'DELETE', path: `/agents/${id('agentId', agentId)}` }, options);
  }

  /** POST /agents/{agentId}/messages: the agent's reply is `response.data.response`. */
  sendMessage(agentId: string, params: SendMessageParams, options?: RequestOptions): Promise<ApiResponse<SentMessage>> {
    return this.http.request({ method: 'POST', path: `/agents/${id('agentId', agentId)}/messages`, body: params }, options);
  }

  /**
   * The same, streamed: `for await (const event of orion.agents.streamMessage(id, {text, userId}))`
   * gives `{type: 'delta', delta}` events, then `{type: 'completed', message}`.
   */
  streamMessage(agentId: string, params: SendMessageParams, options?: RequestOptions): MessageStream {
    const path = `/agents/${id('agentId', agentId)}/messages`;
    return new MessageStream(() =>
      this.http.openStream({ method: 'POST', path, body: { ...params, stream: true } }, options),
    );
  }

  /** GET /agents/{agentId}/prompt-preview: what the model would receive next, without calling it. */
  promptPreview(agentId: string, params: PromptPreviewParams, options?: RequestOptions): Promise<ApiResponse<PromptPreview>> {
    return this.http.request(
      {
        method: 'GET',
        path: `/agents/${id('agentId', agentId)}/prompt-preview`,
        query: { userId: params.userId, text: params.text },
      },
      options,
    );
  }

  /** GET /agents/{agentId}/conversations (optionally one userId's). */
  conversations(
    agentId: string,
    params: ConversationListParams = {},
    options?: RequestOptions,
  ): Promise<ApiResponse<Page<Conversation>>> {
    return this.http.request(
      {
        method: 'GET',
        path: `/agents/${id('agentId', agentId)}/conversations`,
        query: { userId: params.userId, ...pageQuery(params) },
      },
      options,
    );
  }
}

/** The plugin catalog, and the plugins each agent has enabled. */
export class Plugins {
  constructor(private readonly http: HttpClient) {}

  /** GET /plugins: every plugin an agent can enable. */
  list(options?: RequestOptions): Promise<ListResponse<Plugin>> {
    return this.http.request({ method: 'GET', path: '/plugins' }, options);
  }

  /** GET /plugins/{pluginId}; NotFoundError for an unknown ID. */
  get(pluginId: string, options?: RequestOptions): Promise<ApiResponse<Plugin>> {
    return this.http.request({ method: 'GET', path: `/plugins/${id('pluginId', pluginId)}` }, options);
  }

  /** GET /agents/{agentId}/plugins: the plugins the agent has enabled, in catalog order. */
  listEnabled(agentId: string, options?: RequestOptions): Promise<ListResponse<AgentPlugin>> {
    return this.http.request({ method: 'GET', path: `/agents/${id('agentId', agentId)}/plugins` }, options);
  }

  /** PUT /agents/{agentId}/plugins/{pluginId}: enables it, or replaces its config (InvalidRequestError names `config.<field>`). */
  enable(agentId: string, pluginId: string, params: PluginEnableParams = {}, options?: RequestOptions): Promise<ApiResponse<AgentPlugin>> {
    return this.http.request(
      { method: 'PUT', path: `/agents/${id('agentId', agentId)}/plugins/${id('pluginId', pluginId)}`, body: params },
      options,
    );
  }

  /** DELETE /agents/{agentId}/plugins/{pluginId}; NotFoundError when it is not enabled. */
  disable(agentId: string, pluginId: string, options?: RequestOptions): Promise<ApiResponse<DisabledPlugin>> {
    return this.http.request(
      { method: 'DELETE', path: `/agents/${id('agentId', agentId)}/plugins/${id('pluginId', pluginId)}` },
      options,
    );
  }
}

/** Agents' custom HTTP tools, and their signing secret. */
export class Tools {
  constructor(private readonly http: HttpClient) {}

  /** POST /agents/{agentId}/tools; the agent's first tool answers its signing secret once (`data.signingSecret`); ConflictError for a name it has. */
  create(agentId: string, params: ToolCreateParams, options?: RequestOptions): Promise<ApiResponse<CreatedTool>> {
    return this.http.request({ method: 'POST', path: `/agents/${id('agentId', agentId)}/tools`, body: params }, options);
  }

  /** GET /agents/{agentId}/tools, newest first. */
  list(agentId: string, params?: PageParams, options?: RequestOptions): Promise<ApiResponse<Page<Tool>>> {
    return this.http.request({ method: 'GET', path: `/agents/${id('agentId', agentId)}/tools`, query: pageQuery(params) }, options);
  }

  /** GET /agents/{agentId}/tools/{toolId}. */
  get(agentId: string, toolId: string, options?: RequestOptions): Promise<ApiResponse<Tool>> {
    return this.http.request({ method: 'GET', path: `/agents/${id('agentId', agentId)}/tools/${id('toolId', toolId)}` }, options);
  }

  /** PATCH /agents/{agentId}/tools/{toolId}: replaces each field given; `timeoutMs: null` restores the default. */
  update(agentId: string, toolId: string, params: ToolUpdateParams, options?: RequestOptions): Promise<ApiResponse<Tool>> {
    return this.http.request(
      { method: 'PATCH', path: `/agents/${id('agentId', agentId)}/tools/${id('toolId', toolId)}`, body: params },
      options,
    );
  }

  /** DELETE /agents/{agentId}/tools/{toolId}. */
  delete(agentId: string, toolId: string, options?: RequestOptions): Promise<ApiResponse<DeletedTool>> {
    return this.http.request({ method: 'DELETE', path: `/agents/${id('agentId', agentId)}/tools/${id('toolId', toolId)}` }, options);
  }

  /** POST /agents/{agentId}/tools/secret: a new signing secret, shown once; the old one stops at once. */
  rotateSecret(agentId: string, options?: RequestOptions): Promise<ApiResponse<RotatedToolSecret>> {
    return this.http.request({ method: 'POST', path: `/agents/${id('agentId', agentId)}/tools/secret` }, options);
  }
}

export class Characters {
  constructor(private readonly http: HttpClient) {}

  /** POST /characters. Only `name` is required; this makes revision 1. */
  create(params: CharacterCreateParams, options?: RequestOptions): Promise<ApiResponse<Character>> {
    return this.http.request({ method: 'POST', path: '/characters', body: params }, options);
  }

  /** GET /characters, newest first. */
  list(params?: PageParams, options?: RequestOptions): Promise<ApiResponse<Page<Character>>> {
    return this.http.request({ method: 'GET', path: '/characters', query: pageQuery(params) }, options);
  }

  /** GET /characters/{characterId}; NotFoundError if it is not one of yours. */
  get(characterId: string, options?: RequestOptions): Promise<ApiResponse<Character>> {
    return this.http.request({ method: 'GET', path: `/characters/${id('characterId', characterId)}` }, options);
  }

  /** PATCH /characters/{characterId}: replaces each top-level field given, and makes a new revision. */
  update(characterId: string, params: CharacterUpdateParams, options?: RequestOptions): Promise<ApiResponse<Character>> {
    return this.http.request({ method: 'PATCH', path: `/characters/${id('characterId', characterId)}`, body: params }, options);
  }

  /** DELETE /characters/{characterId}; CharacterInUseError while agents use it, unless `force`. */
  delete(characterId: string, params: CharacterDeleteParams = {}, options?: RequestOptions): Promise<ApiResponse<DeletedCharacter>> {
    return this.http.request(
      {
        method: 'DELETE',
        path: `/characters/${id('characterId', characterId)}`,
        query: { force: params.force === undefined ? undefined : String(params.force) },
      },
      options,
    );
  }

  /** GET /characters/{characterId}/revisions, newest first. */
  revisions(characterId: string, params?: PageParams, options?: RequestOptions): Promise<ApiResponse<Page<CharacterRevision>>> {
    return this.http.request(
      { method: 'GET', path: `/characters/${id('characterId', characterId)}/revisions`, query: pageQuery(params) },
      options,
    );
  }

  /** POST /characters/import: an ElizaOS file or a Character Card V2/V3 (or an export) becomes a character. */
  import(file: Record<string, unknown>, options?: RequestOptions): Promise<ApiResponse<ImportedCharacter>> {
    return this.http.request({ method: 'POST', path: '/characters/import', body: file }, options);
  }

  /** GET /characters/{characterId}/export: a file that `import` reads back. */
  export(
    characterId: string,
    format: CharacterExportFormat = 'orion',
    options?: RequestOptions,
  ): Promise<ApiResponse<Record<string, unknown>>> {
    return this.http.request(
      { method: 'GET', path: `/characters/${id('characterId', characterId)}/export`, query: { format } },
      options,
    );
  }

  /** GET /characters/{characterId}/revisions/{number}. */
  revision(characterId: string, number: number, options?: RequestOptions): Promise<ApiResponse<CharacterRevision>> {
    if (!Number.isInteger(number) || number < 1) throw new TypeError('number must be an integer, 1 or more');
    return this.http.request(
      { method: 'GET', path: `/characters/${id('characterId', characterId)}/revisions/${number}` },
      options,
    );
  }
}

export class Conversations {
  constructor(private readonly http: HttpClient) {}

  /** GET /conversations: the account's conversations, filtered; with `q`, a ranked full-text search. */
  search(params: ConversationSearchParams = {}, options?: RequestOptions): Promise<ApiResponse<Page<SearchedConversation>>> {
    const time = (value: string | Date | undefined) => (value instanceof Date ? value.toISOString() : value);
    return this.http.request(
      {
        method: 'GET',
        path: '/conversations',
        query: { agentId: params.agentId, userId: params.userId, q: params.q, from: time(params.from), to: time(params.to), ...pageQuery(params) },
      },
      options,
    );
  }

  /** GET /conversations/{conversationId}. */
  get(conversationId: string, options?: RequestOptions): Promise<ApiResponse<Conversation>> {
    return this.http.request({ method: 'GET', path: `/conversations/${id('conversationId', conversationId)}` }, options);
  }

  /** GET /conversations/{conversationId}/messages: both sides' turns, newest first. */
  messages(conversationId: string, params?: PageParams, options?: RequestOptions): Promise<ApiResponse<Page<Message>>> {
    return this.http.request(
      {
        method: 'GET',
        path: `/conversations/${id('conversationId', conversationId)}/messages`,
        query: pageQuery(params),
      },
      options,
    );
  }

  /**
   * GET /conversations/{conversationId}/export: the conversation as a file (JSON Lines by
   * default, or Markdown), streamed: see ExportDownload.
   */
  export(conversationId: string, params: { format?: ConversationExportFormat } = {}, options?: RequestOptions): Promise<ExportDownload> {
    return openExport(this.http, `/conversations/${id('conversationId', conversationId)}/export`, { format: params.format }, options);
  }

  /**
   * GET /agents/{agentId}/conversations/export: every conversation of the agent as one JSON
   * Lines file, streamed: see ExportDownload.
   */
  exportAll(agentId: string, options?: RequestOptions): Promise<ExportDownload> {
    return openExport(this.http, `/agents/${id('agentId', agentId)}/conversations/export`, {}, options);
  }

  /** DELETE /conversations/{conversationId}. */
  delete(conversationId: string, options?: RequestOptions): Promise<ApiResponse<DeletedConversation>> {
    return this.http.request({ method: 'DELETE', path: `/conversations/${id('conversationId', conversationId)}` }, options);
  }
}

export class ApiKeys {
  constructor(private readonly http: HttpClient) {}

  /** POST /api-keys: the secret is in `data.secret`, shown this once. */
  create(params: ApiKeyCreateParams, options?: RequestOptions): Promise<ApiResponse<CreatedApiKey>> {
    const { expiresAt, ...rest } = params;
    const body = {
      ...rest,
      ...(expiresAt === undefined ? {} : { expiresAt: expiresAt instanceof Date ? expiresAt.toISOString() : expiresAt }),
    };
    return this.http.request({ method: 'POST', path: '/api-keys', body }, options);
  }

  /** GET /api-keys: the account's keys, never their secrets. */
  list(params?: PageParams, options?: RequestOptions): Promise<ApiResponse<Page<ApiKey>>> {
    return this.http.request({ method: 'GET', path: '/api-keys', query: pageQuery(params) }, options);
  }

  /** DELETE /api-keys/{keyId}: revoked at once. */
  revoke(keyId: string, options?: RequestOptions): Promise<ApiResponse<ApiKey>> {
    return this.http.request({ method: 'DELETE', path: `/api-keys/${id('keyId', keyId)}` }, options);
  }

  /** POST /api-keys/{keyId}/rotate: a new secret now; the old one works for the grace period. */
  rotate(keyId: string, params: ApiKeyRotateParams = {}, options?: RequestOptions): Promise<ApiResponse<RotatedApiKey>> {
    return this.http.request({ method: 'POST', path: `/api-keys/${id('keyId', keyId)}/rotate`, body: params }, options);
  }
}

/** Operators only: these need a key with the admin scope. */
export class Accounts {
  constructor(private readonly http: HttpClient) {}

  /** POST /accounts: the new account and its first key, whose secret is shown this once. */
  create(params: AccountCreateParams, options?: RequestOptions): Promise<ApiResponse<CreatedAccount>> {
    return this.http.request({ method: 'POST', path: '/accounts', body: params }, options);
  }

  /** GET /accounts. */
  list(params?: PageParams, options?: RequestOptions): Promise<ApiResponse<Page<Account>>> {
    return this.http.request({ method: 'GET', path: '/accounts', query: pageQuery(params) }, options);
  }

  /** GET /accounts/{accountId}, with its message usage this month. */
  get(accountId: string, options?: RequestOptions): Promise<ApiResponse<Account>> {
    return this.http.request({ method: 'GET', path: `/accounts/${id('accountId', accountId)}` }, options);
  }

  /** PATCH /accounts/{accountId}: tier and limits; null limits go back to the tier default. */
  update(accountId: string, params: AccountUpdateParams, options?: RequestOptions): Promise<ApiResponse<Account>> {
    return this.http.request({ method: 'PATCH', path: `/accounts/${id('accountId', accountId)}`, body: params }, options);
  }
}
