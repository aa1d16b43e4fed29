import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, type ErrorCode } from '../../src/errors.js';
import { openApiDocument } from '../../src/openapi/document.js';
import type { ExampleObject, MediaTypeObject, OperationObject, ParameterObject, Reference, ResponseObject } from '../../src/openapi/types.js';
import { ContractChecker } from './contract.js';

const { document } = openApiDocument();
const checker = new ContractChecker(document);
const METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const;

const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  METHODS.flatMap((method) => (item[method] ? [{ where: `${method.toUpperCase()} ${path}`, operation: item[method] as OperationObject }] : [])),
);

const isReference = (value: object): value is Reference => '$ref' in value;

function resolve(example: ExampleObject | Reference): ExampleObject {
  if (!isReference(example)) return example;
  const found = document.components.examples?.[example.$ref.replace('#/components/examples/', '')];
  if (!found) throw new Error(`${example.$ref} does not resolve`);
  return found;
}

/** Every example of a media type: `[name, value]`. */
function examplesOf(media: MediaTypeObject): Array<[string, unknown]> {
  const named = Object.entries(media.examples ?? {}).map(([name, example]) => [name, resolve(example).value] as [string, unknown]);
  return media.example === undefined ? named : [['example', media.example], ...named];
}

/** Each place the document gives an example, with the schema it must match. */
function everyExample(): Array<{ what: string; schema: MediaTypeObject['schema']; value: unknown }> {
  const found: Array<{ what: string; schema: MediaTypeObject['schema']; value: unknown }> = [];
  const fromParameter = (what: string, parameter: ParameterObject) => {
    expect(parameter.example, `${what}: parameter ${parameter.name} has no example`).toBeDefined();
    found.push({ what: `${what} parameter ${parameter.name}`, schema: parameter.schema, value: parameter.example });
  };
  const fromMedia = (what: string, media: MediaTypeObject) => {
    const examples = examplesOf(media);
    expect(examples.length, `${what} has no example`).toBeGreaterThan(0);
    for (const [name, value] of examples) found.push({ what: `${what} (${name})`, schema: media.schema, value });
  };
  for (const { where, operation } of operations) {
    for (const parameter of operation.parameters) if (!isReference(parameter)) fromParameter(where, parameter);
    for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) fromMedia(`${where} request ${type}`, media);
    for (const [status, response] of Object.entries(operation.responses)) {
      if (isReference(response)) continue;
      for (const [type, media] of Object.entries(response.content ?? {})) fromMedia(`${where} ${status} ${type}`, media);
    }
  }
  for (const parameter of Object.values(document.components.parameters)) fromParameter('components', parameter);
  for (const [name, response] of Object.entries(document.components.responses)) {
    for (const [type, media] of Object.entries(response.content ?? {})) fromMedia(`components/responses/${name} ${type}`, media);
  }
  return found;
}

describe('the examples of the OpenAPI document', () => {
  it('give every operation a summary, a description, and an example of every parameter, request body and response', () => {
    expect(operations.length).toBeGreaterThan(50);
    for (const { where, operation } of operations) {
      expect(operation.summary, where).toMatch(/\S/);
      expect(operation.description, where).toMatch(/\S/);
    }
    // everyExample() fails on the first place without one.
    expect(everyExample().length).toBeGreaterThan(500);
  });

  it('are each valid against their schema (JSON Schema 2020-12, ajv strict)', () => {
    const invalid: string[] = [];
    for (const { what, schema, value } of everyExample()) {
      const validate = checker.compile(schema);
      if (!validate(value)) invalid.push(`${what}: ${checker.ajv.errorsText(validate.errors)}\n  ${JSON.stringify(value).slice(0, 300)}`);
    }
    expect(invalid).toEqual([]);
  });

  it('show each documented error code of each error status, in the envelope, with a real code', () => {
    for (const { where, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (isReference(response) || Number(status) < 400) continue;
        const media = response.content!['application/json']!;
        const error = media.schema.properties!['error']!;
        const documented = (error.oneOf ?? [error]).map((s) => s.$ref!.split('/').pop()!);
        const shown = Object.values(media.examples ?? {}).map((e) => (resolve(e).value as { success: boolean; error: { code: ErrorCode } }));
        expect(shown.length, `${where} ${status}`).toBe(documented.length);
        for (const { success, error: object } of shown) {
          expect(success).toBe(false);
          expect(ERROR_STATUS[object.code], `${where} ${status} ${object.code}`).toBe(Number(status));
        }
      }
    }
  });

  it('name the route’s own scope in its 403 example', () => {
    const { operation } = operations.find((o) => o.where === 'DELETE /v1/agents/{agentId}')!;
    const forbidden = resolve((operation.responses['403'] as ResponseObject).content!['application/json']!.examples!['FORBIDDEN']!).value;
    expect(forbidden).toMatchObject({ error: { code: 'FORBIDDEN', details: { requiredScope: 'agents:write' } } });
  });
});
