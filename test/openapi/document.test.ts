import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, type ErrorCode } from '../../src/errors.js';
import { buildOpenApiDocument, openApiDocument, openApiPath, routeKey } from '../../src/openapi/document.js';
import { allowHeader } from '../../src/rest/allowed-methods.js';
import { ROUTE_DOCS, scopesOf } from '../../src/openapi/route-docs.js';
import type { JsonSchema, OperationObject, ResponseObject } from '../../src/openapi/types.js';
import { GetAgentDocument } from '../../src/rest/generated/operations.js';
import { routes, type RestRoute } from '../../src/rest/routes.js';
import { ContractChecker } from './contract.js';

const { document, json } = openApiDocument();
const METHODS = ['get', 'post', 'patch', 'delete', 'put', 'head', 'options', 'trace'] as const;

function documentedOperations(): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Record<string, unknown>)[m] !== undefined).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

const operationOf = (route: RestRoute) =>
  document.paths[openApiPath(route.path)]![route.method.toLowerCase() as 'get'] as OperationObject;

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(json));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has only schemas that compile as JSON Schema 2020-12 in ajv strict mode, and refs that resolve', () => {
    const checker = new ContractChecker(document);
    const schemas: JsonSchema[] = [];
    const collect = (value: unknown, key?: string): void => {
      if (Array.isArray(value)) value.forEach((v) => collect(v));
      else if (value && typeof value === 'object') {
        if (key === 'schema') schemas.push(value as JsonSchema);
        for (const [k, v] of Object.entries(value)) collect(v, k);
      }
    };
    collect(document.paths);
    collect(document.components.parameters);
    collect(document.components.headers);
    collect(document.components.responses);
    for (const schema of [...schemas, ...Object.values(document.components.schemas)]) {
      expect(() => checker.compile(schema)).not.toThrow();
    }
    expect(schemas.length).toBeGreaterThan(100);
    // And every $ref anywhere names something that exists.
    const refs = [...json.matchAll(/"\$ref":"#\/components\/(\w+)\/([^"]+)"/g)];
    for (const [, kind, name] of refs) {
      expect((document.components as Record<string, Record<string, unknown>>)[kind!]?.[name!], `${kind}/${name}`).toBeDefined();
    }
  });

  it('documents every route of src/rest/routes.ts, and nothing else (both directions)', () => {
    const fromRoutes = routes.map((r) => `${r.method} ${openApiPath(r.path)}`).sort();
    expect(documentedOperations().sort()).toEqual(fromRoutes);
    expect(Object.keys(ROUTE_DOCS).sort()).toEqual(routes.map(routeKey).sort());
  });

  it('cannot be built for a route without documentation, or documentation without a route', () => {
    const extra: RestRoute = { ...routes.find((r) => r.path === '/agents/:agentId' && r.method === 'GET')!, path: '/agents/:agentId/avatar' };
    expect(() => buildOpenApiDocument({ routes: [...routes, extra] })).toThrow(/no documentation for the route\(s\) GET \/agents\/:agentId\/avatar/);
    expect(() => buildOpenApiDocument({ routes: routes.filter((r) => r.path !== '/agents/:agentId/prompt-preview') })).toThrow(
      /documents route\(s\) that do not exist: GET \/agents\/:agentId\/prompt-preview/,
    );
    // A route whose path parameter the documentation does not describe.
    const renamed: RestRoute = { method: 'GET', path: '/things/:thingId', operation: GetAgentDocument, field: 'agent', status: 200, body: false, query: {} };
    expect(() =>
      buildOpenApiDocument({ routes: [renamed], docs: { 'GET /things/:thingId': { summary: 's', description: 'd', tag: 'Agents', scope: 'agents:read' } } }),
    ).toThrow(/does not describe its path parameter thingId/);
  });

  it('gives each route its success status, its body, parameters and scope', () => {
    for (const route of routes) {
      const operation = operationOf(route);
      const doc = ROUTE_DOCS[routeKey(route)]!;
      expect(Object.keys(operation.responses), routeKey(route)).toContain(String(route.status));
      // An upload of content already stored answers 200 with the same object.
      if (route.createdFlag) expect(operation.responses['200'], routeKey(route)).toMatchObject({ content: (operation.responses['201'] as ResponseObject).content });
      expect(operation.security).toEqual([{ bearerAuth: scopesOf(doc) }]);
      expect(operation.requestBody !== undefined, routeKey(route)).toBe(route.body !== false);
      if (route.body) expect(operation.requestBody!.required).toBe(route.body === true);
      const params = operation.parameters.map((p) => ('$ref' in p ? p.$ref : `${p.in}:${p.name}`));
      for (const [, name] of route.path.matchAll(/:(\w+)/g)) expect(params).toContain(`path:${name}`);
      for (const name of Object.keys(route.query)) expect(params).toContain(`query:${name}`);
      expect(params).toContain('#/components/parameters/XRequestId');
      expect(params.includes('#/components/parameters/IdempotencyKey')).toBe(route.method === 'POST');
      expect(operation['x-graphql-operation']).toMatch(/^[A-Z]\w+$/);
    }
  });

  it('lists every error status and code each route can give', () => {
    const codesOf = (response: ResponseObject) => {
      const error = response.content!['application/json']!.schema.properties!['error']!;
      return (error.oneOf ?? [error]).map((s) => s.$ref!.split('/').pop()!);
    };
    const expected = (route: RestRoute): Record<string, string[]> => {
      const codes: ErrorCode[] = ['INVALID_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMIT_EXCEEDED', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE'];
      if (route.path.includes(':agentId')) codes.push('AGENT_NOT_FOUND');
      if (/:(conversationId|keyId|accountId|characterId|pluginId|toolId|webhookId|deliveryId|messageId|documentId|mcpServerId)/.test(route.path)) codes.push('NOT_FOUND');
      // A search's agentId must name an agent of the account.
      if (route.path === '/conversations' && route.method === 'GET') codes.push('AGENT_NOT_FOUND');
      // A tool's name is unique per agent; tool secrets need the server key.
      if (/^\/agents\/:agentId\/tools(\/:toolId)?$/.test(route.path) && ['POST', 'PATCH'].includes(route.method)) codes.push('ALREADY_EXISTS');
      // An MCP server's name is unique per account.
      if (/^\/mcp-servers(\/:mcpServerId)?$/.test(route.path) && ['POST', 'PATCH'].includes(route.method)) codes.push('ALREADY_EXISTS');
      // An agent's characterId must name a character of the account.
      if (route.path === '/agents' && route.method === 'POST') codes.push('NOT_FOUND');
      if (route.path === '/agents/:agentId' && route.method === 'PATCH') codes.push('NOT_FOUND');
      if (route.path === '/characters/:characterId' && route.method === 'DELETE') codes.push('CHARACTER_IN_USE');
      // Test events and redeliveries are refused while the endpoint is disabled.
      if (/^\/webhooks\/:webhookId\/(test|deliveries\/:deliveryId\/redeliver)$/.test(route.path)) codes.push('WEBHOOK_DISABLED');
      if (route.method === 'POST') codes.push('IDEMPOTENCY_CONFLICT');
      if (route.body) codes.push('PAYLOAD_TOO_LARGE');
      if (route.stream) codes.push('NOT_FOUND', 'INSUFFICIENT_QUOTA', 'MODEL_ERROR', 'AGENT_UNAVAILABLE');
      const byStatus: Record<string, string[]> = {};
      for (const code of new Set(codes)) (byStatus[String(ERROR_STATUS[code])] ??= []).push(code);
      return byStatus;
    };
    const componentName = (code: string) => `${code.toLowerCase().replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}Error`;
    const resolve = (r: unknown) =>
      ('$ref' in (r as object) ? document.components.responses[(r as { $ref: string }).$ref.split('/').pop()!] : r) as ResponseObject;
    for (const route of routes) {
      const operation = operationOf(route);
      const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
      const actual = Object.fromEntries(errors.map(([status, r]) => [status, codesOf(resolve(r)).sort()]));
      const wanted = Object.fromEntries(Object.entries(expected(route)).map(([s, codes]) => [s, codes.map(componentName).sort()]));
      expect(actual, routeKey(route)).toEqual({ ...wanted, 405: ['MethodNotAllowedError'] });
      expect(operation.responses['405']).toEqual({ $ref: '#/components/responses/MethodNotAllowed' });
      const headers = (status: string) => Object.keys((operation.responses[status] as ResponseObject).headers ?? {});
      for (const [status] of errors.filter(([s]) => s !== '405')) {
        expect(headers(status)).toEqual(expect.arrayContaining(['X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']));
        expect(headers(status).includes('Idempotent-Replayed')).toBe(route.method === 'POST');
      }
      expect(headers('401')).toContain('WWW-Authenticate');
      expect(headers('429')).toContain('Retry-After');
    }
  });

  it('describes the event stream of the send-message route', () => {
    const send = operationOf(routes.find((r) => r.stream)!);
    const stream = (send.responses['200'] as ResponseObject).content!['text/event-stream']!;
    expect(Object.keys(stream['x-orion-events']!).sort()).toEqual(['error', 'message.completed', 'message.delta', 'tool.call', 'tool.result']);
    // The completed event carries exactly what a plain send returns.
    const plain = (send.responses['201'] as ResponseObject).content!['application/json']!.schema.properties!['data'];
    // (An event's schema may carry its GraphQL field's description beside the same $ref.)
    const event = (name: string) => {
      const { description: _description, ...schema } = stream['x-orion-events']![name] as Record<string, unknown>;
      return schema;
    };
    expect(event('message.completed')).toEqual(plain);
    // tool.result is one entry of the plain answer's toolCalls; tool.call its first three fields.
    const resolve = (schema: any) =>
      schema.$ref ? (document.components as any).schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
    expect(event('tool.result')).toEqual(resolve(plain).properties.toolCalls.items);
    expect(Object.keys((stream['x-orion-events']!['tool.call'] as any).properties).sort()).toEqual(['arguments', 'callId', 'tool']);
  });

  it('has no unused components: each one is reached from an operation (as Redocly and Spectral check)', () => {
    const used = new Set<string>();
    const components = document.components as unknown as Record<string, Record<string, unknown>>;
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === '$ref' && typeof inner === 'string' && !used.has(inner)) {
            used.add(inner);
            const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(inner)!;
            walk(components[kind!]![name!]);
          } else walk(inner);
        }
      }
    };
    walk(document.paths);
    walk(document.security);
    const defined = Object.entries(components)
      .filter(([kind]) => kind !== 'securitySchemes')
      .flatMap(([kind, entries]) => Object.keys(entries).map((name) => `#/components/${kind}/${name}`));
    expect(defined.filter((ref) => !used.has(ref))).toEqual([]);
    expect(used).toContain('#/components/responses/MethodNotAllowed');
  });

  it('lets a client generated by openapi-typescript (default settings) leave out every field that has a default', async () => {
    const { default: openapiTS, astToString } = await import('openapi-typescript');
    const generated = astToString(await openapiTS(JSON.parse(json)));
    // A client's request bodies, type-checked against the generated types.
    const client = [
      generated,
      "type Body<P extends keyof paths, M extends 'post' | 'patch'> = NonNullable<paths[P][M]>['requestBody'] extends infer B ? B extends { content: { 'application/json': infer J } } ? J : never : never;",
      "export const agent: Body<'/v1/agents', 'post'> = { name: 'Minimal', personality: { traits: ['kind'] }, model: { provider: 'local' } };",
      "export const message: Body<'/v1/agents/{agentId}/messages', 'post'> = { text: 'hi', userId: 'u1' };",
      "export const key: Body<'/v1/api-keys', 'post'> = { name: 'k', scopes: ['agents:read'] };",
      "export const account: Body<'/v1/accounts', 'post'> = { name: 'a' };",
    ].join('\n');
    const files: Record<string, string> = { '/virtual/client.ts': client };
    const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: [], lib: ['lib.es2022.d.ts'] };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language) =>
      name in files ? ts.createSourceFile(name, files[name]!, language) : getSourceFile(name, language);
    const program = ts.createProgram(['/virtual/client.ts'], options, host);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
    // And the defaults are still told, in words.
    expect(generated).toMatch(/status\?: "active" \| "paused" \| null;/);
    expect(generated).toMatch(/tone\?: string \| null;/);
    expect(generated).toMatch(/stream\?: boolean;/);
    expect(JSON.stringify(document.components.schemas['CreateAgentInput']!.properties!['status'])).toContain('Default: `\\"active\\"`');
  });

  it('has one 405 note per path, with the Allow header the router sends', () => {
    for (const [path, item] of Object.entries(document.paths)) {
      const methods = routes.filter((r) => openApiPath(r.path) === path).map((r) => r.method);
      expect(item.description).toContain(`\`${allowHeader(methods)}\``);
    }
  });

  it('derives response shapes from the operations (a selection change changes the document)', () => {
    const agent = document.components.schemas['Agent']!;
    expect(Object.keys(agent.properties!)).toEqual([
      'id', 'name', 'description', 'personality', 'systemPrompt', 'model', 'status', 'metadata', 'characterId',
      'characterRevision', 'maxToolSteps', 'createdAt', 'updatedAt',
    ]);
    expect(agent.properties!['id']!.pattern).toBe('^agt_[0-9A-HJKMNP-TV-Z]{26}$');
    expect(agent.properties!['description']!.type).toEqual(['string', 'null']);
    const list = operationOf(routes.find((r) => r.method === 'GET' && r.path === '/agents')!);
    const data = (list.responses['200'] as ResponseObject).content!['application/json']!.schema.properties!['data']!;
    expect(data.required).toEqual(['items', 'pagination']);
    expect(data.properties!['items']!.items).toEqual({ $ref: '#/components/schemas/Agent' });
  });

  it('the /docs page has no inline script or style, so a strict Content-Security-Policy allows it', () => {
    const html = readFileSync(new URL('../../src/openapi/static/docs.html', import.meta.url), 'utf8');
    for (const [, attributes, body] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(attributes).toMatch(/\ssrc="\/docs\/assets\/[\w.-]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style|\sstyle=|\son\w+=|javascript:/i);
    expect(html).not.toMatch(/https?:\/\//);
  });
});
