import {
  Kind,
  getNullableType,
  getOperationAST,
  isInputObjectType,
  isListType,
  isRequiredInputField,
  typeFromAST,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLInputType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MAX_LISTED_FIELDS, invalidRequest, type ApiError, type FieldError } from '../errors.js';
import { keyRequired } from '../services/api-keys.js';
import {
  MAX_INPUT_VALUES,
  MAX_JSON_DEPTH,
  NUL_MESSAGE,
  bounded,
  hasNul,
  nestedDeeperThan,
} from '../services/input-bounds.js';
import type { GraphQLContext } from './context.js';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename']);

/** Whether an operation asks only for introspection: the one thing answered without a key. */
function onlyIntrospection(document: DocumentNode, selectionSet: SelectionSetNode, seen = new Set<string>()): boolean {
  return selectionSet.selections.every((selection) => {
    if (selection.kind === Kind.FIELD) return INTROSPECTION_FIELDS.has(selection.name.value);
    if (selection.kind === Kind.INLINE_FRAGMENT) return onlyIntrospection(document, selection.selectionSet, seen);
    const name = selection.name.value;
    if (seen.has(name)) return true;
    seen.add(name);
    const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === name);
    return fragment?.kind === Kind.FRAGMENT_DEFINITION && onlyIntrospection(document, fragment.selectionSet, seen);
  });
}

class TooMany extends Error {}

/**
 * One linear pass over an operation's input, before GraphQL coerces it (graphql-js prints the
 * whole enclosing object into the message of every unknown field, which made a body of many
 * keys cost quadratic time): unknown fields of input types, NUL characters (PostgreSQL stores
 * none), too deep or too many values. Stops at the first MAX_LISTED_FIELDS findings.
 */
class InputCheck {
  readonly findings: FieldError[] = [];
  /** Required fields left out: listed only beside other findings, which stop coercion (that names them otherwise). */
  private readonly missing: FieldError[] = [];
  private values = 0;

  /** Keeps one more finding than is listed, so the error can say the list was cut. */
  add(field: string, message: string): void {
    this.addFinding({ field: bounded(field || '(body)'), message });
  }

  addFinding(finding: FieldError): void {
    this.findings.push(finding);
    if (this.findings.length > MAX_LISTED_FIELDS) throw new TooMany();
  }

  /** Counts one more list item or object member (as jsonShapeExceeds does for a body). */
  private count(root: string): void {
    if (++this.values <= MAX_INPUT_VALUES) return;
    this.add(root, `holds more than ${MAX_INPUT_VALUES} values`);
    throw new TooMany();
  }

  /** A variable's value, against its declared type (undefined: a scalar such as StringMap). */
  value(value: unknown, type: GraphQLInputType | undefined, path: string, root: string, depth = 0): void {
    if (typeof value === 'string') {
      if (hasNul(value)) this.add(path, NUL_MESSAGE);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if (depth === MAX_JSON_DEPTH) {
      this.add(path, `is nested deeper than ${MAX_JSON_DEPTH} levels`);
      return;
    }
    const nullable = type && getNullableType(type);
    if (Array.isArray(value)) {
      const item = nullable && isListType(nullable) ? (nullable.ofType as GraphQLInputType) : undefined;
      value.forEach((v, i) => {
        this.count(root);
        this.value(v, item, `${path}[${i}]`, root, depth + 1);
      });
      return;
    }
    const inputObject = nullable && isInputObjectType(nullable) ? nullable : undefined;
    const fields = inputObject?.getFields();
    for (const [key, v] of Object.entries(value)) {
      this.count(root);
      const at = path ? `${path}.${key}` : key;
      if (hasNul(key)) this.add(path, `keys ${NUL_MESSAGE}`);
      else if (fields && !Object.hasOwn(fields, key)) this.add(at, 'is not a known field');
      else this.value(v, fields?.[key]?.type, at, root, depth + 1);
    }
    for (const field of Object.values(fields ?? {})) {
      if (isRequiredInputField(field) && !Object.hasOwn(value, field.name) && this.missing.length < MAX_LISTED_FIELDS) {
        this.missing.push({ field: bounded(path ? `${path}.${field.name}` : field.name), message: 'is required' });
      }
    }
  }

  /** String literals written in the document itself. */
  literal(node: ValueNode, path: string): void {
    if (node.kind === Kind.STRING) {
      if (hasNul(node.value)) this.add(path, NUL_MESSAGE);
    } else if (node.kind === Kind.LIST) {
      node.values.forEach((v, i) => this.literal(v, `${path}[${i}]`));
    } else if (node.kind === Kind.OBJECT) {
      for (const field of node.fields) this.literal(field.value, path ? `${path}.${field.name.value}` : field.name.value);
    }
  }

  error(): ApiError | undefined {
    return this.findings.length ? invalidRequest([...this.missing, ...this.findings]) : undefined;
  }
}

/** Input objects travel as `$input`; their fields are the body's top-level fields (as REST names them). */
const rootPath = (name: string) => (name === 'input' ? '' : name);

/** A variable holding an input object is the body, whatever it is called; any other is a parameter. */
const variablePath = (name: string, type: GraphQLInputType | undefined) =>
  type && isInputObjectType(getNullableType(type)) ? '' : name;

/**
 * What the string literals of a document are found to hold, kept per parsed document: they
 * depend on the document alone, and the parse cache (Yoga's, or a REST route's kept document)
 * hands the same document object to every request that sends the same text.
 */
const literalFindings = new WeakMap<DocumentNode, readonly FieldError[]>();

function literalFindingsOf(document: DocumentNode): readonly FieldError[] {
  let findings = literalFindings.get(document);
  if (!findings) {
    const check = new InputCheck();
    try {
      visit(document, {
        Argument: (node) => {
          check.literal(node.value, rootPath(node.name.value));
          return false;
        },
      });
    } catch (error) {
      if (!(error instanceof TooMany)) throw error;
    }
    findings = Object.freeze([...check.findings]);
    literalFindings.set(document, findings);
  }
  return findings;
}

function checkInput(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): ApiError | undefined {
  const operation = getOperationAST(document, operationName);
  const check = new InputCheck();
  try {
    for (const definition of operation?.variableDefinitions ?? []) {
      const name = definition.variable.name.value;
      if (!variables || !Object.hasOwn(variables, name)) continue;
      const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
      check.value(variables[name], type, variablePath(name, type), variablePath(name, type));
    }
    for (const finding of literalFindingsOf(document)) check.addFinding(finding);
  } catch (error) {
    if (!(error instanceof TooMany)) throw error;
  }
  return check.error();
}

/** Why an operation must not run, found before its variables are coerced (or undefined). */
function refusal(args: {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: Record<string, unknown> | null;
  contextValue: unknown;
}): ApiError | undefined {
  const { auth } = args.contextValue as GraphQLContext;
  if (auth.kind !== 'key') {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation || !onlyIntrospection(args.document, operation.selectionSet)) return keyRequired(auth);
  }
  return checkInput(args.schema, args.document, args.operationName, args.variableValues);
}

const refused = (error: ApiError): ExecutionResult => ({ errors: [error] });

/** Variables and extensions nest no deeper than REST bodies may (any transport's request). */
export function refuseDeepParams(params: { variables?: unknown; extensions?: unknown }): void {
  for (const name of ['variables', 'extensions'] as const) {
    const value = params[name];
    // The object holding the variables is one level; each variable's value may nest as a REST body.
    if (value && nestedDeeperThan(value, MAX_JSON_DEPTH + 1)) {
      throw invalidRequest(
        [{ field: name, message: `is nested deeper than ${MAX_JSON_DEPTH} levels` }],
        `The GraphQL ${name} are nested deeper than ${MAX_JSON_DEPTH} levels`,
      );
    }
  }
}

/**
 * Bounds on a GraphQL request's input, for /graphql and every REST route alike: a caller
 * without a valid key is refused before its variables are looked at (introspection aside),
 * variables and extensions nest no deeper than REST bodies may, and the input is checked in one
 * linear pass (see InputCheck) before GraphQL coerces it.
 */
export function inputGuard(): Plugin {
  return {
    onParams({ params }) {
      refuseDeepParams(params);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const error = refusal(args);
      if (error) setResultAndStopExecution(refused(error));
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = refusal(args);
      if (error) setResultAndStopExecution(refused(error));
    },
  };
}
