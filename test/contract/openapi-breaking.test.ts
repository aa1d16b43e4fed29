import { describe, expect, it } from 'vitest';
import { diffOpenApi, type OpenApiChange } from '../../src/contract/openapi-breaking.js';
import type { JsonSchema, OpenApiDocument, OperationObject } from '../../src/openapi/types.js';

/** A one-route document: POST /v1/things with a body, answering 201 with `{success, data: Thing}`. */
function doc(
  change: {
    body?: JsonSchema;
    thing?: JsonSchema;
    params?: OperationObject['parameters'];
    responses?: OperationObject['responses'];
    op?: Partial<OperationObject> & { deprecated?: boolean };
    paths?: OpenApiDocument['paths'];
  } = {},
): OpenApiDocument {
  const operation: OperationObject = {
    operationId: 'createThing',
    summary: 'Create a thing',
    tags: ['things'],
    security: [{ bearerAuth: ['things:write'] }],
    parameters: change.params ?? [{ name: 'dryRun', in: 'query', required: false, schema: { type: 'boolean' } }],
    requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ThingInput' } } } },
    responses: change.responses ?? {
      '201': {
        description: 'Created.',
        headers: { 'X-Request-Id': { required: true, schema: { type: 'string' } } },
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: { success: { type: 'boolean', const: true }, data: { $ref: '#/components/schemas/Thing' } },
              required: ['success', 'data'],
            },
          },
        },
      },
      '400': { description: 'Bad.', content: { 'application/json': { schema: { type: 'object' } } } },
    },
    'x-graphql-operation': 'CreateThing',
    ...change.op,
  };
  return {
    openapi: '3.1.0',
    info: { title: 't', version: '1.0.0', description: '' },
    tags: [],
    security: [],
    paths: change.paths ?? { '/v1/things': { post: operation } },
    components: {
      securitySchemes: {},
      schemas: {
        ThingInput: change.body ?? {
          type: 'object',
          properties: {
            name: { type: 'string', maxLength: 100 },
            kind: { type: 'string', enum: ['a', 'b'] },
            note: { type: ['string', 'null'] },
          },
          required: ['name'],
          additionalProperties: false,
        },
        Thing: change.thing ?? {
          type: 'object',
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            kind: { type: 'string', enum: ['a', 'b'] },
            size: { type: 'integer' },
          },
          required: ['id', 'name', 'kind', 'size'],
        },
      },
      parameters: {},
      headers: {},
      responses: {},
    },
  };
}

const base = doc();
const thingInput = base.components.schemas['ThingInput']!;
const thing = base.components.schemas['Thing']!;

function rules(after: OpenApiDocument, severity: OpenApiChange['severity']) {
  return diffOpenApi(base, after)
    .filter((c) => c.severity === severity)
    .map((c) => `${c.rule} @ ${c.location}`);
}

describe('OpenAPI breaking-change rules', () => {
  it('the same document has no changes', () => {
    expect(diffOpenApi(base, doc())).toEqual([]);
  });

  describe('breaking', () => {
    it('a removed path, and a removed operation', () => {
      expect(rules(doc({ paths: {} }), 'breaking')).toEqual(['path-removed @ /v1/things']);
      const onlyGet = doc();
      onlyGet.paths['/v1/things'] = { get: base.paths['/v1/things']!.post! };
      expect(rules(onlyGet, 'breaking')).toEqual(['operation-removed @ POST /v1/things']);
    });

    it('a removed response field, and one that may now be absent', () => {
      const { size: _size, ...rest } = thing.properties!;
      expect(rules(doc({ thing: { ...thing, properties: rest, required: ['id', 'name', 'kind'] } }), 'breaking')).toEqual([
        'response-field-removed @ Thing.size',
      ]);
      expect(rules(doc({ thing: { ...thing, required: ['id', 'name', 'kind'] } }), 'breaking')).toEqual([
        'response-field-now-optional @ Thing.size',
      ]);
    });

    it('a removed enum value of a request', () => {
      const kind: JsonSchema = { type: 'string', enum: ['a'] };
      expect(rules(doc({ body: { ...thingInput, properties: { ...thingInput.properties, kind } } }), 'breaking')).toEqual([
        'enum-value-removed @ ThingInput.kind',
      ]);
    });

    it('a new required request field, and an optional one that became required', () => {
      const properties = { ...thingInput.properties, colour: { type: 'string' as const } };
      expect(rules(doc({ body: { ...thingInput, properties, required: ['name', 'colour'] } }), 'breaking')).toEqual([
        'required-request-field-added @ ThingInput.colour',
      ]);
      expect(rules(doc({ body: { ...thingInput, required: ['name', 'kind'] } }), 'breaking')).toEqual([
        'request-field-now-required @ ThingInput.kind',
      ]);
    });

    it('a removed request field (unknown fields are refused)', () => {
      const { note: _note, ...properties } = thingInput.properties!;
      expect(rules(doc({ body: { ...thingInput, properties } }), 'breaking')).toEqual(['request-field-removed @ ThingInput.note']);
    });

    it('a new required parameter, an optional one that became required, and a removed one', () => {
      const dryRun = { name: 'dryRun', in: 'query', schema: { type: 'boolean' } } as const;
      const region = { name: 'region', in: 'query', required: true, schema: { type: 'string' } } as const;
      expect(rules(doc({ params: [{ ...dryRun, required: false }, region] }), 'breaking')).toEqual([
        'required-parameter-added @ POST /v1/things parameter query region',
      ]);
      expect(rules(doc({ params: [{ ...dryRun, required: true }] }), 'breaking')).toEqual([
        'parameter-now-required @ POST /v1/things parameter query dryRun',
      ]);
      expect(rules(doc({ params: [] }), 'breaking')).toEqual(['parameter-removed @ POST /v1/things parameter query dryRun']);
    });

    it('a changed type: of a response field, a request field, a parameter; a response field becoming nullable', () => {
      const response = { ...thing, properties: { ...thing.properties, size: { type: 'string' as const } } };
      expect(rules(doc({ thing: response }), 'breaking')).toEqual(['type-changed @ Thing.size']);
      const request = { ...thingInput, properties: { ...thingInput.properties, name: { type: 'integer' as const } } };
      expect(rules(doc({ body: request }), 'breaking')).toEqual(['type-changed @ ThingInput.name']);
      const param = { name: 'dryRun', in: 'query', required: false, schema: { type: 'string' } } as const;
      expect(rules(doc({ params: [param] }), 'breaking')).toEqual(['type-changed @ POST /v1/things parameter query dryRun']);
      const nullable = { ...thing, properties: { ...thing.properties, name: { type: ['string', 'null'] as ['string', 'null'] } } };
      expect(rules(doc({ thing: nullable }), 'breaking')).toEqual(['type-changed @ Thing.name']);
    });

    it('a removed or changed status code', () => {
      const responses = base.paths['/v1/things']!.post!.responses;
      expect(rules(doc({ responses: { '200': responses['201']!, '400': responses['400']! } }), 'breaking')).toEqual([
        'status-removed @ POST /v1/things response 201',
      ]);
    });

    it('a required response header removed, a media type removed, a new scope needed, a body required', () => {
      const created = base.paths['/v1/things']!.post!.responses['201'] as { content: object };
      expect(rules(doc({ responses: { ...base.paths['/v1/things']!.post!.responses, '201': { description: 'x', content: created.content as never } } }), 'breaking')).toEqual([
        'response-header-removed @ POST /v1/things response 201 header X-Request-Id',
      ]);
      expect(rules(doc({ responses: { ...base.paths['/v1/things']!.post!.responses, '400': { description: 'Bad.' } } }), 'breaking')).toEqual([
        'response-media-type-removed @ POST /v1/things response 400 application/json',
      ]);
      expect(rules(doc({ op: { security: [{ bearerAuth: ['things:write', 'admin'] }] } }), 'breaking')).toEqual([
        'scope-added @ POST /v1/things',
      ]);
      const optionalBody = doc();
      optionalBody.paths['/v1/things']!.post!.requestBody!.required = false;
      expect(diffOpenApi(optionalBody, base).filter((c) => c.severity === 'breaking').map((c) => c.rule)).toEqual(['request-body-required']);
    });
  });

  describe('not breaking', () => {
    it('an added path, operation, optional parameter, optional request field and response field', () => {
      const more = doc({
        params: [
          { name: 'dryRun', in: 'query', required: false, schema: { type: 'boolean' } },
          { name: 'region', in: 'query', required: false, schema: { type: 'string' } },
        ],
        body: { ...thingInput, properties: { ...thingInput.properties, colour: { type: 'string' } } },
        thing: { ...thing, properties: { ...thing.properties, colour: { type: 'string' } }, required: [...thing.required!, 'colour'] },
      });
      more.paths['/v1/things']!.get = base.paths['/v1/things']!.post!;
      more.paths['/v1/others'] = { get: base.paths['/v1/things']!.post! };
      expect(rules(more, 'breaking')).toEqual([]);
      expect(rules(more, 'dangerous')).toEqual([]);
      expect(rules(more, 'safe').sort()).toEqual([
        'operation-added @ GET /v1/things',
        'parameter-added @ POST /v1/things parameter query region',
        'path-added @ /v1/others',
        'request-field-added @ ThingInput.colour',
        'response-field-added @ Thing.colour',
      ]);
    });

    it('an enum value added to a request is safe; added to a response, dangerous (listed); removed from a response, safe', () => {
      const abc: JsonSchema = { type: 'string', enum: ['a', 'b', 'c'] };
      expect(rules(doc({ body: { ...thingInput, properties: { ...thingInput.properties, kind: abc } } }), 'breaking')).toEqual([]);
      const response = doc({ thing: { ...thing, properties: { ...thing.properties, kind: abc } } });
      expect(rules(response, 'breaking')).toEqual([]);
      expect(rules(response, 'dangerous')).toEqual(['enum-value-added @ Thing.kind']);
      const fewer = doc({ thing: { ...thing, properties: { ...thing.properties, kind: { type: 'string', enum: ['a'] } } } });
      expect(rules(fewer, 'breaking')).toEqual([]);
    });

    it('a request type widened (nullable), an optional field no longer required, a tighter bound listed as dangerous', () => {
      const wider = { ...thingInput, properties: { ...thingInput.properties, name: { type: ['string', 'null'] as ['string', 'null'], maxLength: 100 } } };
      expect(rules(doc({ body: wider }), 'breaking')).toEqual([]);
      expect(rules(doc({ body: { ...thingInput, required: [] } }), 'breaking')).toEqual([]);
      const tighter = { ...thingInput, properties: { ...thingInput.properties, name: { type: 'string' as const, maxLength: 50 } } };
      expect(rules(doc({ body: tighter }), 'breaking')).toEqual([]);
      expect(rules(doc({ body: tighter }), 'dangerous')).toEqual(['bound-tightened @ ThingInput.name']);
    });

    it('a new status code and a deprecated operation are dangerous, not breaking', () => {
      const responses = { ...base.paths['/v1/things']!.post!.responses, '409': { description: 'Conflict.' } };
      const after = doc({ responses, op: { deprecated: true } });
      expect(rules(after, 'breaking')).toEqual([]);
      expect(rules(after, 'dangerous')).toEqual(['operation-deprecated @ POST /v1/things', 'status-added @ POST /v1/things response 409']);
    });
  });
});
