import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';
import type {
  HeaderObject,
  JsonSchema,
  MediaTypeObject,
  OpenApiDocument,
  OperationObject,
  Reference,
  ResponseObject,
} from '../../src/openapi/types.js';

// ajv-formats is CommonJS with a default export.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

const SCHEMA_BASE = 'https://orion.test/schemas/';

/** A copy with `#/components/schemas/X` refs pointing at schemas registered with ajv by URL. */
function rebase<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (key, inner: unknown) =>
    key === '$ref' && typeof inner === 'string' && inner.startsWith('#/components/schemas/')
      ? `${SCHEMA_BASE}${inner.slice('#/components/schemas/'.length)}`
      : inner,
  ) as T;
}

export type HttpAnswer = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text?: string;
};

/**
 * Validates real answers against the OpenAPI document with ajv (JSON Schema 2020-12, strict),
 * and records which documented statuses the tests have seen.
 */
export class ContractChecker {
  readonly ajv = new Ajv2020({ strict: true, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  /** `METHOD /path status` seen. */
  readonly seen = new Set<string>();

  constructor(readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      this.ajv.addSchema(rebase(schema) as object, `${SCHEMA_BASE}${name}`);
    }
  }

  /** Compiles a schema of the document (refs resolved against its components). */
  compile(schema: JsonSchema): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebase(schema) as object);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  validate(schema: JsonSchema, value: unknown, what: string): void {
    const validate = this.compile(schema);
    if (!validate(value)) {
      throw new Error(`${what} does not match the document:\n${this.ajv.errorsText(validate.errors, { separator: '\n' })}\n${JSON.stringify(value, null, 1).slice(0, 2000)}`);
    }
  }

  operation(method: string, path: string): OperationObject {
    const operation = this.document.paths[path]?.[method.toLowerCase() as 'get'];
    if (!operation) throw new Error(`the document has no ${method} ${path}`);
    return operation;
  }

  resolve<T>(value: T | Reference): T {
    if (value && typeof value === 'object' && '$ref' in value) {
      const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(value.$ref) ?? [];
      const target = (this.document.components as Record<string, Record<string, unknown>>)[kind ?? '']?.[name ?? ''];
      if (!target) throw new Error(`unresolvable ${value.$ref}`);
      return target as T;
    }
    return value as T;
  }

  /** Checks one answer of `METHOD path` (an OpenAPI path) against what the document promises. */
  check(method: string, path: string, answer: HttpAnswer): ResponseObject {
    const operation = this.operation(method, path);
    const documented = operation.responses[String(answer.status)];
    if (!documented) {
      throw new Error(`${method} ${path} answered ${answer.status}, which the document does not list: ${JSON.stringify(answer.body)}`);
    }
    const response = this.resolve(documented);
    this.checkResponse(response, answer, `${method} ${path} → ${answer.status}`);
    this.seen.add(`${method.toUpperCase()} ${path} ${answer.status}`);
    return response;
  }

  /** Checks an answer against one response object (say, components.responses.MethodNotAllowed). */
  checkResponse(response: ResponseObject, answer: HttpAnswer, what: string): void {
    const contentType = String(answer.headers['content-type'] ?? '').split(';')[0]!.trim();
    const media: MediaTypeObject | undefined = response.content?.[contentType];
    if (!media) throw new Error(`${what}: Content-Type ${contentType} is not documented (${Object.keys(response.content ?? {}).join(', ')})`);
    if (contentType === 'application/json') this.validate(media.schema, answer.body, `${what}: the body`);
    for (const [name, headerOrRef] of Object.entries(response.headers ?? {})) {
      const header = this.resolve<HeaderObject>(headerOrRef as HeaderObject | Reference);
      const value = answer.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) throw new Error(`${what}: the required header ${name} is missing`);
        continue;
      }
      const text = Array.isArray(value) ? value.join(', ') : value;
      const typed = header.schema.type === 'integer' ? Number(text) : text;
      this.validate(header.schema, typed, `${what}: the header ${name}: ${text}`);
    }
    if (String(answer.headers['x-request-id'] ?? '') === '') throw new Error(`${what}: no X-Request-Id`);
  }
}

/** Supertest's answer as an HttpAnswer. */
export function answerOf(res: { status: number; headers: Record<string, string | string[] | undefined>; body: unknown; text?: string }): HttpAnswer {
  return { status: res.status, headers: res.headers, body: res.body, text: res.text };
}

export function expectCode(answer: HttpAnswer, code: string): void {
  expect((answer.body as { error?: { code?: string } }).error?.code, JSON.stringify(answer.body)).toBe(code);
}
