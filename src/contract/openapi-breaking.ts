import type { JsonSchema, OpenApiDocument, OperationObject, ParameterObject, ResponseObject } from '../openapi/types.js';

/**
 * What changed between two OpenAPI 3.1 documents, judged from a REST client's side.
 *
 * A request schema is what the client sends: the server may accept more (a new optional field,
 * a wider type, a new enum value) but not less. A response schema is what the client reads: the
 * server may send more fields, but no fewer, no other types, and no values the client has never
 * seen (a new enum value is listed as dangerous: a strict client may not know it). Bodies here
 * reject unknown fields, so a request field removed is breaking too, and so is a tighter request
 * bound or pattern (a value sent before now gets a 400). Null and "anything" are compared however
 * they are written (`anyOf: [X, {type: null}]` or a `type` list; `{}` or no `type`).
 */
export type Severity = 'breaking' | 'dangerous' | 'safe';

export type OpenApiChange = {
  severity: Severity;
  rule: string;
  /** `GET /v1/agents/{agentId}`, optionally followed by where in it: `response 200: data.name`. */
  location: string;
  message: string;
};

type Direction = 'request' | 'response';
type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
const METHODS: HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

/** Keywords that narrow what a request may send, and which way (a larger `max*` is wider). */
const BOUNDS = ['minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems', 'maxProperties'] as const;

type Ref = { $ref: string };
const isRef = (value: unknown): value is Ref => typeof (value as Ref | undefined)?.$ref === 'string';

class Differ {
  readonly changes: OpenApiChange[] = [];
  /** Component schemas already compared, per direction: each is reported once, under its own name. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly before: OpenApiDocument,
    private readonly after: OpenApiDocument,
  ) {}

  add(severity: Severity, rule: string, location: string, message: string) {
    this.changes.push({ severity, rule, location, message });
  }

  run() {
    for (const [path, beforeItem] of Object.entries(this.before.paths)) {
      const afterItem = this.after.paths[path];
      if (!afterItem) {
        this.add('breaking', 'path-removed', path, 'the path was removed');
        continue;
      }
      for (const method of METHODS) {
        const was = beforeItem[method];
        const now = afterItem[method];
        const where = `${method.toUpperCase()} ${path}`;
        if (was && !now) this.add('breaking', 'operation-removed', where, 'the operation was removed');
        else if (!was && now) this.add('safe', 'operation-added', where, 'new operation');
        else if (was && now) this.operation(where, was, now);
      }
    }
    for (const path of Object.keys(this.after.paths)) {
      if (!this.before.paths[path]) this.add('safe', 'path-added', path, 'new path');
    }
    return this.changes;
  }

  private operation(where: string, was: OperationObject, now: OperationObject) {
    if (!isDeprecated(was) && isDeprecated(now)) this.add('dangerous', 'operation-deprecated', where, 'the operation is now deprecated');
    this.security(where, was, now);
    this.parameters(where, was, now);
    this.requestBody(where, was, now);
    this.responses(where, was, now);
  }

  private security(where: string, was: OperationObject, now: OperationObject) {
    const scopes = (op: OperationObject) => new Set((op.security ?? []).flatMap((requirement) => Object.values(requirement).flat()));
    const old = scopes(was);
    for (const scope of scopes(now)) {
      if (!old.has(scope)) this.add('breaking', 'scope-added', where, `now needs the scope ${scope}, which existing keys may lack`);
    }
  }

  private parameters(where: string, was: OperationObject, now: OperationObject) {
    const byKey = (doc: OpenApiDocument, op: OperationObject) =>
      new Map(
        (op.parameters ?? [])
          .map((p) => (isRef(p) ? resolve<ParameterObject>(doc, p.$ref) : (p as ParameterObject)))
          .filter((p): p is ParameterObject => p !== undefined)
          .map((p) => [`${p.in} ${p.name}`, p]),
      );
    const old = byKey(this.before, was);
    const current = byKey(this.after, now);
    for (const [key, param] of old) {
      const next = current.get(key);
      const at = `${where} parameter ${key}`;
      if (!next) {
        // Unknown query parameters are refused (400), so a client still sending it would fail.
        if (param.in !== 'header') this.add('breaking', 'parameter-removed', at, 'the parameter was removed');
        continue;
      }
      if (!param.required && next.required) this.add('breaking', 'parameter-now-required', at, 'the parameter became required');
      this.schema('request', at, param.schema, next.schema);
    }
    for (const [key, param] of current) {
      if (old.has(key)) continue;
      const at = `${where} parameter ${key}`;
      if (param.required) this.add('breaking', 'required-parameter-added', at, 'new required parameter');
      else this.add('safe', 'parameter-added', at, 'new optional parameter');
    }
  }

  private requestBody(where: string, was: OperationObject, now: OperationObject) {
    const old = was.requestBody;
    const next = now.requestBody;
    const at = `${where} request body`;
    if (!old && !next) return;
    if (old && !next) {
      this.add('breaking', 'request-body-removed', at, 'the operation no longer takes a body');
      return;
    }
    if (!old && next) {
      if (next.required) this.add('breaking', 'request-body-required', at, 'a body is now required');
      else this.add('safe', 'request-body-added', at, 'an optional body is now accepted');
      return;
    }
    if (!old!.required && next!.required) this.add('breaking', 'request-body-required', at, 'the body became required');
    for (const [media, content] of Object.entries(old!.content)) {
      const nextContent = next!.content[media];
      if (!nextContent) this.add('breaking', 'request-media-type-removed', `${at} ${media}`, `${media} is no longer accepted`);
      else this.schema('request', `${at}:`, content.schema, nextContent.schema);
    }
  }

  private responses(where: string, was: OperationObject, now: OperationObject) {
    for (const [status, oldResponse] of Object.entries(was.responses)) {
      const at = `${where} response ${status}`;
      const nextResponse = now.responses[status];
      if (!nextResponse) {
        this.add('breaking', 'status-removed', at, `the ${status} answer was removed (or its status changed)`);
        continue;
      }
      const old = isRef(oldResponse) ? resolve<ResponseObject>(this.before, oldResponse.$ref) : oldResponse;
      const next = isRef(nextResponse) ? resolve<ResponseObject>(this.after, nextResponse.$ref) : nextResponse;
      if (old && next) this.response(at, old, next);
    }
    for (const status of Object.keys(now.responses)) {
      if (!was.responses[status]) {
        this.add('dangerous', 'status-added', `${where} response ${status}`, `new ${status} answer a client may not handle`);
      }
    }
  }

  private response(at: string, old: ResponseObject, next: ResponseObject) {
    for (const [name, header] of Object.entries(old.headers ?? {})) {
      const was = isRef(header) ? resolve<{ required?: boolean }>(this.before, header.$ref) : header;
      const nextHeader = next.headers?.[name];
      const now = nextHeader && isRef(nextHeader) ? resolve<{ required?: boolean }>(this.after, nextHeader.$ref) : nextHeader;
      if (was?.required && !now?.required) {
        this.add('breaking', 'response-header-removed', `${at} header ${name}`, now ? 'the header may now be absent' : 'the header was removed');
      }
    }
    for (const [media, content] of Object.entries(old.content ?? {})) {
      const nextContent = next.content?.[media];
      if (!nextContent) {
        this.add('breaking', 'response-media-type-removed', `${at} ${media}`, `the answer is no longer ${media}`);
        continue;
      }
      this.schema('response', `${at}:`, content.schema, nextContent.schema);
      const events = content['x-orion-events'];
      for (const [event, data] of Object.entries(events ?? {})) {
        const nextData = nextContent['x-orion-events']?.[event];
        if (!nextData) this.add('breaking', 'stream-event-removed', `${at} event ${event}`, 'the event is no longer sent');
        else this.schema('response', `${at} event ${event}:`, data, nextData);
      }
    }
  }

  /**
   * Compares two schemas as `direction` reads them; `at` names where (a component by its name).
   * Both are read through `normalise` first: `anyOf`/`oneOf` of [X, {type: null}] is X that may
   * also be null (how the document writes a nullable reference), and a schema without `type` (the
   * JSON scalar `{}`) accepts anything.
   */
  private schema(direction: Direction, at: string, was: JsonSchema | undefined, now: JsonSchema | undefined) {
    if (!was || !now) return;
    const old = normalise(was);
    const next = normalise(now);
    if (isRef(old.body) && isRef(next.body) && old.body.$ref === next.body.$ref) {
      this.nullability(direction, at, old.nullable, next.nullable);
      const ref = old.body.$ref;
      const key = `${direction} ${ref}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
      this.schema(direction, ref.split('/').pop()!, resolve<JsonSchema>(this.before, ref), resolve<JsonSchema>(this.after, ref));
      return;
    }
    if (isRef(was) || isRef(now)) {
      const key = `${direction} ${isRef(was) ? was.$ref : at} ${isRef(now) ? now.$ref : at}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    const oldBody = isRef(old.body) ? resolve<JsonSchema>(this.before, old.body.$ref) : old.body;
    const nextBody = isRef(next.body) ? resolve<JsonSchema>(this.after, next.body.$ref) : next.body;
    if (!oldBody || !nextBody) return;

    this.types(direction, at, was, now);
    const oldVariants = unionOf(oldBody);
    const nextVariants = unionOf(nextBody);
    if (oldVariants || nextVariants) {
      // One side a single schema, the other a union: the single one is a union of one.
      this.variants(direction, at, oldVariants ?? [old.body], nextVariants ?? [next.body]);
      return;
    }
    // Anything to or from "anything" is judged by `types` alone.
    if (isUnconstrained(this.before, oldBody) || isUnconstrained(this.after, nextBody)) return;

    this.values(direction, at, oldBody, nextBody);
    if (direction === 'request') this.bounds(at, oldBody, nextBody);
    this.properties(direction, at, oldBody, nextBody);
    if (oldBody.items || nextBody.items) this.schema(direction, `${at}[]`, oldBody.items, nextBody.items);
    if (typeof oldBody.additionalProperties === 'object' && typeof nextBody.additionalProperties === 'object') {
      this.schema(direction, `${at}{}`, oldBody.additionalProperties, nextBody.additionalProperties);
    }
    // allOf is a conjunction of parts without names: compared by position.
    (oldBody.allOf ?? []).forEach((part, i) => this.schema(direction, `${at} allOf[${i}]`, part, nextBody.allOf?.[i]));
  }

  private nullability(direction: Direction, at: string, was: boolean, now: boolean) {
    if (was === now) return;
    if (direction === 'response' && now) this.add('breaking', 'response-now-nullable', at, 'the value may now be null');
    else if (direction === 'request' && was) this.add('breaking', 'request-null-refused', at, 'null is no longer accepted');
    else this.add('safe', 'nullability-changed-compatibly', at, now ? 'null is now accepted' : 'null is no longer sent');
  }

  /** The JSON types a client may send (request) or must read (response), null included; undefined = any. */
  private types(direction: Direction, at: string, was: JsonSchema, now: JsonSchema) {
    const before = acceptedTypes(this.before, was);
    const after = acceptedTypes(this.after, now);
    const show = (set: Set<string> | undefined) => (set ? [...set].join('|') : 'anything');
    const [must, may] = direction === 'request' ? [before, after] : [after, before];
    if (!may) {
      if (must) this.add('safe', 'type-changed-compatibly', at, `type ${show(before)} became ${show(after)}`);
      return;
    }
    if (!must) {
      if (direction === 'response') this.add('breaking', 'response-unconstrained', at, `type ${show(before)} became anything`);
      else this.add('breaking', 'request-type-constrained', at, `anything was accepted; now only ${show(after)}`);
      return;
    }
    const [oldTypes, newTypes] = direction === 'request' ? [must, may] : [may, must];
    const missing = [...must].filter((t) => !may.has(t) && !(t === 'integer' && may.has('number')));
    if (missing.includes('null')) this.nullability(direction, at, oldTypes.has('null'), newTypes.has('null'));
    if (missing.some((t) => t !== 'null')) {
      this.add('breaking', 'type-changed', at, `type ${show(before)} became ${show(after)}`);
    } else if (!missing.length && !sameSet(oldTypes, newTypes)) {
      this.add('safe', 'type-changed-compatibly', at, `type ${show(before)} became ${show(after)}`);
    }
  }

  private values(direction: Direction, at: string, old: JsonSchema, next: JsonSchema) {
    const before = valueSet(old);
    const after = valueSet(next);
    if (!before || !after) {
      if (before && !after) {
        if (direction === 'request') this.add('safe', 'enum-lifted', at, 'any value is now accepted');
        else this.add('dangerous', 'enum-lifted', at, 'values a client has never seen may now be sent');
      }
      if (!before && after && direction === 'request') this.add('breaking', 'enum-imposed', at, 'only listed values are now accepted');
      return;
    }
    const removed = [...before].filter((v) => !after.has(v));
    const added = [...after].filter((v) => !before.has(v));
    if (direction === 'request') {
      if (removed.length) this.add('breaking', 'enum-value-removed', at, `no longer accepted: ${removed.join(', ')}`);
      if (added.length) this.add('safe', 'enum-value-added', at, `newly accepted: ${added.join(', ')}`);
    } else {
      if (added.length) this.add('dangerous', 'enum-value-added', at, `new value(s) a client may not know: ${added.join(', ')}`);
      if (removed.length) this.add('safe', 'enum-value-removed', at, `no longer sent: ${removed.join(', ')}`);
    }
  }

  /** A request value valid before must stay valid: a tighter bound or another pattern refuses some (400). */
  private bounds(at: string, old: JsonSchema, next: JsonSchema) {
    for (const bound of BOUNDS) {
      const was = old[bound];
      const now = next[bound];
      if (was === now) continue;
      const tighter = now !== undefined && (was === undefined || (bound.startsWith('min') ? now > was : now < was));
      if (tighter) this.add('breaking', 'bound-tightened', at, `${bound} ${was ?? 'none'} → ${now}: some values accepted before are refused`);
      else this.add('safe', 'bound-loosened', at, `${bound} ${was} → ${now ?? 'none'}`);
    }
    if (old.pattern !== undefined && next.pattern === undefined) this.add('safe', 'pattern-removed', at, `pattern ${old.pattern} no longer applies`);
    if (next.pattern !== undefined && old.pattern !== next.pattern) {
      this.add('breaking', 'pattern-changed', at, `pattern ${old.pattern ?? 'none'} → ${next.pattern}: some values accepted before may be refused`);
    }
    if (old.additionalProperties !== false && next.additionalProperties === false) {
      this.add('breaking', 'additional-properties-refused', at, 'fields not listed are now refused');
    }
  }

  private properties(direction: Direction, at: string, old: JsonSchema, next: JsonSchema) {
    if (!old.properties && !next.properties) return;
    const oldProperties = old.properties ?? {};
    const nextProperties = next.properties ?? {};
    const oldRequired = new Set(old.required ?? []);
    const nextRequired = new Set(next.required ?? []);
    const field = (name: string) => (at.endsWith(':') ? `${at} ${name}` : `${at}.${name}`);
    for (const [name, schema] of Object.entries(oldProperties)) {
      const nextSchema = nextProperties[name];
      if (!nextSchema) {
        if (direction === 'request' && requestStillTakes(next)) {
          if (typeof next.additionalProperties === 'object') this.schema(direction, field(name), schema, next.additionalProperties);
        } else this.add('breaking', `${direction}-field-removed`, field(name), 'the field was removed');
        continue;
      }
      if (direction === 'request' && !oldRequired.has(name) && nextRequired.has(name)) {
        this.add('breaking', 'request-field-now-required', field(name), 'the field became required');
      }
      if (direction === 'response' && oldRequired.has(name) && !nextRequired.has(name)) {
        this.add('breaking', 'response-field-now-optional', field(name), 'the field may now be absent');
      }
      if (!schema.deprecated && nextSchema.deprecated) {
        this.add('dangerous', 'field-deprecated', field(name), 'the field is now deprecated');
      }
      this.schema(direction, field(name), schema, nextSchema);
    }
    for (const name of Object.keys(nextProperties)) {
      if (oldProperties[name]) continue;
      if (direction === 'request' && nextRequired.has(name)) this.add('breaking', 'required-request-field-added', field(name), 'new required field');
      else this.add('safe', `${direction}-field-added`, field(name), 'new optional field');
    }
  }

  /**
   * The variants of two unions (anyOf/oneOf alike: a value is one of them), null taken out. A
   * reference is matched by name; an inline variant by its content, else with one of the same type.
   */
  private variants(direction: Direction, at: string, old: JsonSchema[], next: JsonSchema[]) {
    const label = (s: JsonSchema) => (isRef(s) ? s.$ref.split('/').pop()! : JSON.stringify(withoutNotes(s)));
    const unmatched = new Set(next);
    const pairs: [JsonSchema, JsonSchema | undefined][] = [];
    const find = (test: (s: JsonSchema) => boolean) => [...unmatched].find(test);
    for (const variant of old) {
      const match = isRef(variant)
        ? find((s) => isRef(s) && s.$ref === variant.$ref)
        : find((s) => !isRef(s) && label(s) === label(variant));
      if (match) unmatched.delete(match);
      pairs.push([variant, match]);
    }
    for (const pair of pairs) {
      if (pair[1] || isRef(pair[0])) continue;
      const kind = typeKey(this.before, pair[0]);
      const match = find((s) => !isRef(s) && typeKey(this.after, s) === kind);
      if (match) unmatched.delete(match);
      pair[1] = match;
    }
    for (const [variant, match] of pairs) {
      if (match) this.schema(direction, at, variant, match);
      else if (direction === 'request') this.add('breaking', 'variant-removed', at, `${label(variant)} is no longer accepted`);
      else this.add('safe', 'variant-removed', at, `${label(variant)} is no longer sent`);
    }
    for (const variant of unmatched) {
      if (direction === 'response') this.add('dangerous', 'variant-added', at, `${label(variant)} may now be sent`);
      else this.add('safe', 'variant-added', at, `${label(variant)} is now accepted`);
    }
  }
}

const isNullSchema = (s: JsonSchema) => !isRef(s) && (s.type === 'null' || (Array.isArray(s.type) && s.type.length === 1 && s.type[0] === 'null'));

/**
 * `anyOf`/`oneOf` [X, {type: null}] → X, nullable; [X, Y, {type: null}] → the union of X and Y,
 * nullable. Null in a `type` list is left there (`types` sees it).
 */
function normalise(schema: JsonSchema): { body: JsonSchema; nullable: boolean } {
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const list = schema[keyword];
    if (!list?.some(isNullSchema)) continue;
    const rest = list.filter((s) => !isNullSchema(s));
    const { [keyword]: _union, ...others } = schema;
    if (rest.length === 1 && Object.keys(withoutNotes(others)).length === 0) return { body: rest[0]!, nullable: true };
    return { body: { ...others, [keyword]: rest }, nullable: true };
  }
  return { body: schema, nullable: false };
}

/** The non-null variants of an anyOf/oneOf, if the schema is one. */
function unionOf(schema: JsonSchema): JsonSchema[] | undefined {
  const list = schema.anyOf ?? schema.oneOf;
  return list?.filter((s) => !isNullSchema(s));
}

/** The JSON types a schema admits, null included; undefined when it admits anything. */
function acceptedTypes(doc: OpenApiDocument, schema: JsonSchema, depth = 0): Set<string> | undefined {
  if (depth > 32) return undefined;
  if (isRef(schema)) {
    const target = resolve<JsonSchema>(doc, schema.$ref);
    return target ? acceptedTypes(doc, target, depth + 1) : undefined;
  }
  if (schema.type !== undefined) return new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
  const values = schema.enum ?? (schema.const !== undefined ? [schema.const] : undefined);
  if (values) return new Set(values.map(jsonType));
  const union = schema.anyOf ?? schema.oneOf;
  if (union) {
    const sets = union.map((s) => acceptedTypes(doc, s, depth + 1));
    if (sets.some((s) => !s)) return undefined;
    return new Set(sets.flatMap((s) => [...s!]));
  }
  if (schema.allOf) {
    const sets = schema.allOf.map((s) => acceptedTypes(doc, s, depth + 1)).filter((s): s is Set<string> => s !== undefined);
    if (!sets.length) return undefined;
    return new Set([...sets[0]!].filter((t) => sets.every((s) => s.has(t))));
  }
  return undefined;
}

/** `{}` (or only notes): any JSON value, with nothing further to compare. */
function isUnconstrained(doc: OpenApiDocument, schema: JsonSchema): boolean {
  return acceptedTypes(doc, schema) === undefined && !schema.properties && schema.additionalProperties === undefined && !schema.items;
}

/** Whether a request body object still takes a field it does not list. */
function requestStillTakes(schema: JsonSchema): boolean {
  if (schema.additionalProperties === false) return false;
  if (schema.additionalProperties !== undefined) return true;
  // Bodies here refuse unknown fields; only an object that lists none is open.
  return !schema.properties;
}

function typeKey(doc: OpenApiDocument, schema: JsonSchema): string {
  const types = acceptedTypes(doc, schema);
  return types ? [...types].sort().join('|') : '*';
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((v) => b.has(v));
}

/** A schema without the keywords that only describe it. */
function withoutNotes(schema: JsonSchema): JsonSchema {
  const { description: _d, title: _t, examples: _e, deprecated: _x, ...rest } = schema;
  return rest;
}

function isDeprecated(op: OperationObject): boolean {
  return (op as OperationObject & { deprecated?: boolean }).deprecated === true;
}

function valueSet(schema: JsonSchema): Set<string> | undefined {
  if (schema.enum) return new Set(schema.enum.map((v) => JSON.stringify(v)));
  if (schema.const !== undefined) return new Set([JSON.stringify(schema.const)]);
  return undefined;
}

/** `#/components/schemas/Agent` in `doc`. */
function resolve<T>(doc: OpenApiDocument, ref: string): T | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let value: unknown = doc;
  for (const part of ref.slice(2).split('/')) value = (value as Record<string, unknown> | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  return value as T | undefined;
}

/** Every change from `before` (the released document) to `after` (the current one). */
export function diffOpenApi(before: OpenApiDocument, after: OpenApiDocument): OpenApiChange[] {
  return new Differ(before, after).run();
}

export function formatChange(change: OpenApiChange): string {
  return `[${change.rule}] ${change.location}: ${change.message}`;
}
