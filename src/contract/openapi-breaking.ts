import type { JsonSchema, OpenApiDocument, OperationObject, ParameterObject, ResponseObject } from '../openapi/types.js';

/**
 * What changed between two OpenAPI 3.1 documents, judged from a REST client's side.
 *
 * A request schema is what the client sends: the server may accept more (a new optional field,
 * a wider type, a new enum value) but not less. A response schema is what the client reads: the
 * server may send more fields, but no fewer, no other types, and no values the client has never
 * seen (a new enum value is listed as dangerous: a strict client may not know it). Bodies here
 * reject unknown fields, so a request field removed is breaking too.
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

  /** Compares two schemas as `direction` reads them; `at` names where (a component by its name). */
  private schema(direction: Direction, at: string, was: JsonSchema | undefined, now: JsonSchema | undefined) {
    if (!was || !now) return;
    if (isRef(was) && isRef(now) && was.$ref === now.$ref) {
      const name = was.$ref.split('/').pop()!;
      const key = `${direction} ${was.$ref}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
      this.schema(direction, name, resolve<JsonSchema>(this.before, was.$ref), resolve<JsonSchema>(this.after, now.$ref));
      return;
    }
    if (isRef(was) || isRef(now)) {
      const key = `${direction} ${isRef(was) ? was.$ref : at} ${isRef(now) ? now.$ref : at}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    const old = isRef(was) ? resolve<JsonSchema>(this.before, was.$ref) : was;
    const next = isRef(now) ? resolve<JsonSchema>(this.after, now.$ref) : now;
    if (!old || !next) return;

    this.types(direction, at, old, next);
    this.values(direction, at, old, next);
    if (direction === 'request') this.bounds(at, old, next);
    this.properties(direction, at, old, next);
    if (old.items || next.items) this.schema(direction, `${at}[]`, old.items, next.items);
    if (typeof old.additionalProperties === 'object' && typeof next.additionalProperties === 'object') {
      this.schema(direction, `${at}{}`, old.additionalProperties, next.additionalProperties);
    }
    for (const keyword of ['oneOf', 'anyOf', 'allOf'] as const) this.variants(direction, at, keyword, old[keyword], next[keyword]);
  }

  private types(direction: Direction, at: string, old: JsonSchema, next: JsonSchema) {
    const before = typeSet(old);
    const after = typeSet(next);
    if (!before || !after) return;
    // A client sends any of the old types (each must still be accepted), and reads any of the new.
    const [must, may] = direction === 'request' ? [before, after] : [after, before];
    const missing = [...must].filter((t) => !may.has(t) && !(t === 'integer' && may.has('number')));
    if (missing.length) {
      this.add('breaking', 'type-changed', at, `type ${[...before].join('|')} became ${[...after].join('|')}`);
    } else if (before.size !== after.size) {
      this.add('safe', 'type-changed-compatibly', at, `type ${[...before].join('|')} became ${[...after].join('|')}`);
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

  private bounds(at: string, old: JsonSchema, next: JsonSchema) {
    for (const bound of BOUNDS) {
      const was = old[bound];
      const now = next[bound];
      if (now === undefined || was === now) continue;
      const tighter = was === undefined || (bound.startsWith('min') ? now > was : now < was);
      if (tighter) this.add('dangerous', 'bound-tightened', at, `${bound} ${was ?? 'none'} → ${now}: some values accepted before are refused`);
    }
    if (next.pattern !== undefined && old.pattern !== next.pattern) {
      this.add('dangerous', 'pattern-changed', at, `pattern ${old.pattern ?? 'none'} → ${next.pattern}`);
    }
  }

  private properties(direction: Direction, at: string, old: JsonSchema, next: JsonSchema) {
    if (!old.properties || !next.properties) return;
    const oldRequired = new Set(old.required ?? []);
    const nextRequired = new Set(next.required ?? []);
    const field = (name: string) => (at.endsWith(':') ? `${at} ${name}` : `${at}.${name}`);
    for (const [name, schema] of Object.entries(old.properties)) {
      const nextSchema = next.properties[name];
      if (!nextSchema) {
        this.add('breaking', `${direction}-field-removed`, field(name), 'the field was removed');
        continue;
      }
      if (direction === 'request' && !oldRequired.has(name) && nextRequired.has(name)) {
        this.add('breaking', 'request-field-now-required', field(name), 'the field became required');
      }
      if (direction === 'response' && oldRequired.has(name) && !nextRequired.has(name)) {
        this.add('breaking', 'response-field-now-optional', field(name), 'the field may now be absent');
      }
      if (!old.properties[name]?.deprecated && nextSchema.deprecated) {
        this.add('dangerous', 'field-deprecated', field(name), 'the field is now deprecated');
      }
      this.schema(direction, field(name), schema, nextSchema);
    }
    for (const name of Object.keys(next.properties)) {
      if (old.properties[name]) continue;
      if (direction === 'request' && nextRequired.has(name)) this.add('breaking', 'required-request-field-added', field(name), 'new required field');
      else this.add('safe', `${direction}-field-added`, field(name), 'new optional field');
    }
  }

  private variants(direction: Direction, at: string, keyword: string, old: JsonSchema[] | undefined, next: JsonSchema[] | undefined) {
    if (!old || !next) return;
    const refs = (list: JsonSchema[]) => new Set(list.filter(isRef).map((s) => s.$ref));
    const before = refs(old);
    const after = refs(next);
    const name = (ref: string) => ref.split('/').pop();
    for (const ref of before) {
      if (after.has(ref)) this.schema(direction, at, { $ref: ref }, { $ref: ref });
      else if (direction === 'request') this.add('breaking', 'variant-removed', at, `${keyword}: ${name(ref)} is no longer accepted`);
      else this.add('safe', 'variant-removed', at, `${keyword}: ${name(ref)} is no longer sent`);
    }
    for (const ref of after) {
      if (before.has(ref)) continue;
      if (direction === 'response') this.add('dangerous', 'variant-added', at, `${keyword}: ${name(ref)} may now be sent`);
      else this.add('safe', 'variant-added', at, `${keyword}: ${name(ref)} is now accepted`);
    }
    // Inline variants have no name: compared by position.
    const inlineOld = old.filter((s) => !isRef(s));
    const inlineNew = next.filter((s) => !isRef(s));
    inlineOld.forEach((schema, i) => this.schema(direction, `${at} ${keyword}[${i}]`, schema, inlineNew[i]));
  }
}

function isDeprecated(op: OperationObject): boolean {
  return (op as OperationObject & { deprecated?: boolean }).deprecated === true;
}

function typeSet(schema: JsonSchema): Set<string> | undefined {
  if (schema.type === undefined) return undefined;
  return new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
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
