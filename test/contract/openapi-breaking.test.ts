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
        Owner: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        Team: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
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

function rules(after: OpenApiDocument, severity: OpenApiChange['severity'], before = base) {
  return diffOpenApi(before, after)
    .filter((c) => c.severity === severity)
    .map((c) => `${c.rule} @ ${c.location}`);
}

const owner: JsonSchema = { $ref: '#/components/schemas/Owner' };
const team: JsonSchema = { $ref: '#/components/schemas/Team' };
const orNull = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
/** Thing (a response) with one more required field `extra`. */
const answering = (extra: JsonSchema) => doc({ thing: { ...thing, properties: { ...thing.properties, extra }, required: [...thing.required!, 'extra'] } });
/** ThingInput (a request) with one more optional field `extra`. */
const taking = (extra: JsonSchema) => doc({ body: { ...thingInput, properties: { ...thingInput.properties, extra } } });

/** What is breaking from `a` to `b`, and from `b` to `a`. */
function bothWays(a: OpenApiDocument, b: OpenApiDocument) {
  return { forward: rules(b, 'breaking', a), backward: rules(a, 'breaking', b) };
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
      expect(rules(doc({ thing: nullable }), 'breaking')).toEqual(['response-now-nullable @ Thing.name']);
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

    it('a request type widened (nullable), an optional field no longer required', () => {
      const wider = { ...thingInput, properties: { ...thingInput.properties, name: { type: ['string', 'null'] as ['string', 'null'], maxLength: 100 } } };
      expect(rules(doc({ body: wider }), 'breaking')).toEqual([]);
      expect(rules(doc({ body: { ...thingInput, required: [] } }), 'breaking')).toEqual([]);
    });

    it('a new status code and a deprecated operation are dangerous, not breaking', () => {
      const responses = { ...base.paths['/v1/things']!.post!.responses, '409': { description: 'Conflict.' } };
      const after = doc({ responses, op: { deprecated: true } });
      expect(rules(after, 'breaking')).toEqual([]);
      expect(rules(after, 'dangerous')).toEqual(['operation-deprecated @ POST /v1/things', 'status-added @ POST /v1/things response 409']);
    });
  });

  describe('nullability, "anything", unions, bounds: each rule both ways', () => {
    it('a response value that may now be null (a nullable reference) breaks; no longer null does not', () => {
      expect(bothWays(answering(owner), answering(orNull(owner)))).toEqual({ forward: ['response-now-nullable @ Thing.extra'], backward: [] });
      const inline: JsonSchema = { type: 'string' };
      expect(bothWays(answering(inline), answering(orNull(inline)))).toEqual({ forward: ['response-now-nullable @ Thing.extra'], backward: [] });
    });

    it('a request value no longer null breaks (the null variant removed); newly nullable does not', () => {
      expect(bothWays(taking(orNull(owner)), taking(owner))).toEqual({ forward: ['request-null-refused @ ThingInput.extra'], backward: [] });
      const inline: JsonSchema = { type: 'string' };
      expect(bothWays(taking(orNull(inline)), taking(inline))).toEqual({ forward: ['request-null-refused @ ThingInput.extra'], backward: [] });
      expect(bothWays(taking({ type: ['string', 'null'] }), taking(inline))).toEqual({ forward: ['request-null-refused @ ThingInput.extra'], backward: [] });
    });

    it('the two ways to write nullable, and the two ways to write "anything", are the same', () => {
      expect(diffOpenApi(answering(orNull({ type: 'string' })), answering({ type: ['string', 'null'] }))).toEqual([]);
      expect(diffOpenApi(taking({ type: ['string', 'null'] }), taking({ oneOf: [{ type: 'null' }, { type: 'string' }] }))).toEqual([]);
      expect(diffOpenApi(answering(orNull({})), answering({ description: 'Any JSON value.' }))).toEqual([]);
      expect(diffOpenApi(taking({}), taking(orNull({})))).toEqual([]);
    });

    it('a response value that may now be anything breaks; one that became constrained does not', () => {
      const object: JsonSchema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
      expect(bothWays(answering(object), answering({}))).toEqual({ forward: ['response-unconstrained @ Thing.extra'], backward: [] });
      expect(bothWays(answering(owner), answering({}))).toEqual({ forward: ['response-unconstrained @ Thing.extra'], backward: [] });
      expect(bothWays(answering({ type: 'integer' }), answering(orNull({})))).toEqual({ forward: ['response-unconstrained @ Thing.extra'], backward: [] });
    });

    it('a request value constrained where anything was accepted breaks; one that now accepts anything does not', () => {
      expect(bothWays(taking({}), taking({ type: 'string' }))).toEqual({ forward: ['request-type-constrained @ ThingInput.extra'], backward: [] });
    });

    it('a response object that lost its properties (only additionalProperties left) breaks; gaining them does not', () => {
      const map: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };
      expect(bothWays(doc(), doc({ thing: map }))).toEqual({
        forward: ['response-field-removed @ Thing.id', 'response-field-removed @ Thing.name', 'response-field-removed @ Thing.kind', 'response-field-removed @ Thing.size'],
        backward: [],
      });
    });

    it('a request object that lost its properties breaks when unknown fields are refused, not when it is open', () => {
      const closed: JsonSchema = { type: 'object', additionalProperties: false };
      expect(rules(doc({ body: closed }), 'breaking')).toEqual(['request-field-removed @ ThingInput.name', 'request-field-removed @ ThingInput.kind', 'request-field-removed @ ThingInput.note']);
      expect(rules(doc({ body: { type: 'object' } }), 'breaking')).toEqual([]);
      expect(rules(doc({ body: { type: 'object', additionalProperties: { type: 'string' } } }), 'breaking')).toEqual(['request-null-refused @ ThingInput.note']);
    });

    it.each([
      ['maxLength', { type: 'string', maxLength: 100 }, { type: 'string', maxLength: 50 }],
      ['minLength', { type: 'string', minLength: 1 }, { type: 'string', minLength: 3 }],
      ['maximum', { type: 'integer', maximum: 100 }, { type: 'integer', maximum: 10 }],
      ['minimum', { type: 'integer', minimum: 0 }, { type: 'integer', minimum: 1 }],
      ['maxItems', { type: 'array', items: { type: 'string' }, maxItems: 10 }, { type: 'array', items: { type: 'string' }, maxItems: 5 }],
      ['minItems', { type: 'array', items: { type: 'string' } }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
    ] as [string, JsonSchema, JsonSchema][])('a tighter request %s breaks; a looser one does not; in a response neither does', (_bound, loose, tight) => {
      expect(bothWays(taking(loose), taking(tight))).toEqual({ forward: ['bound-tightened @ ThingInput.extra'], backward: [] });
      expect(rules(taking(loose), 'safe', taking(tight))).toEqual(['bound-loosened @ ThingInput.extra']);
      expect(bothWays(answering(loose), answering(tight))).toEqual({ forward: [], backward: [] });
    });

    it('a request pattern added or changed breaks; removed does not; in a response neither does', () => {
      const free: JsonSchema = { type: 'string' };
      const digits: JsonSchema = { type: 'string', pattern: '^[0-9]+$' };
      const letters: JsonSchema = { type: 'string', pattern: '^[a-z]+$' };
      expect(bothWays(taking(free), taking(digits))).toEqual({ forward: ['pattern-changed @ ThingInput.extra'], backward: [] });
      expect(rules(taking(free), 'safe', taking(digits))).toEqual(['pattern-removed @ ThingInput.extra']);
      expect(bothWays(taking(digits), taking(letters))).toEqual({ forward: ['pattern-changed @ ThingInput.extra'], backward: ['pattern-changed @ ThingInput.extra'] });
      expect(bothWays(answering(free), answering(digits))).toEqual({ forward: [], backward: [] });
    });

    it('a request object that newly refuses unknown fields breaks; one that now accepts them does not; a response may do either', () => {
      const { additionalProperties: _closed, ...open } = thingInput;
      expect(bothWays(doc({ body: open }), doc())).toEqual({ forward: ['additional-properties-refused @ ThingInput'], backward: [] });
      expect(bothWays(doc(), doc({ thing: { ...thing, additionalProperties: false } }))).toEqual({ forward: [], backward: [] });
    });

    it('a request variant removed breaks, added does not; a response variant removed is safe, added dangerous', () => {
      const either: JsonSchema = { oneOf: [owner, team] };
      expect(bothWays(taking(either), taking(owner))).toEqual({ forward: ['variant-removed @ ThingInput.extra'], backward: [] });
      expect(bothWays(taking(either), taking({ anyOf: [owner] }))).toEqual({ forward: ['variant-removed @ ThingInput.extra'], backward: [] });
      expect(bothWays(answering(either), answering(owner))).toEqual({ forward: [], backward: [] });
      expect(rules(answering(either), 'dangerous', answering(owner))).toEqual(['variant-added @ Thing.extra']);
    });

    it('inline variants are matched by content, not position', () => {
      const stringOrInteger: JsonSchema = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
      expect(diffOpenApi(taking(stringOrInteger), taking({ oneOf: [{ type: 'integer' }, { type: 'string' }] }))).toEqual([]);
      expect(bothWays(taking(stringOrInteger), taking({ oneOf: [{ type: 'integer' }] }))).toEqual({
        forward: ['type-changed @ ThingInput.extra', 'variant-removed @ ThingInput.extra'],
        backward: [],
      });
      const short: JsonSchema = { oneOf: [{ type: 'integer' }, { type: 'string', maxLength: 5 }] };
      expect(bothWays(taking(stringOrInteger), taking(short))).toEqual({ forward: ['bound-tightened @ ThingInput.extra'], backward: [] });
    });
  });
});
