import { GraphQLEnumType, GraphQLError } from 'graphql';
import {
  DATABASE_UNAVAILABLE,
  ERROR_STATUS,
  UNEXPECTED_ERROR,
  headersForCode,
  invalidRequest,
  isErrorCode,
  type FieldError,
  type PublicError,
} from '../errors.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { bounded } from '../services/input-bounds.js';
import { protectionDetails } from './protections.js';
import { schema } from './schema.js';

// graphql-js 16 reports a variable that does not fit its type as
//   Variable "$input" got invalid value {...} at "input.model.temperature"; Expected type "Float"...
// (variable names are the REST parameter names, so the field is what a REST client sent). The
// value printed in the middle is the client's and may hold anything, "; " and ` at "` included:
// the reason is read from the end when it is known (the coercion error it wraps).
const INVALID_VALUE = /^Variable "\$(\w+)" got invalid value /;
const INVALID_VALUE_PARTS = /^Variable "\$(\w+)" got invalid value [\s\S]*?(?: at "([^"]+)")?; ([\s\S]*)$/;
const PATH_AT_END = / at "([\w.[\]]+)"$/;
const NOT_DEFINED = /^Field "([^"]+)" is not defined by type "[^"]+"\./;
const NOT_PROVIDED = /^Field "([^"]+)" of required type "[^"]+" was not provided\./;
const VARIABLE_MISSING = /^Variable "\$(\w+)" of required type "[^"]+" was not provided\./;
const NOT_IN_ENUM = /^Value "[^"]*" does not exist in "(\w+)" enum\./;
const OBJECT_EXPECTED = /^Expected type "[^"]+" to be an object\./;
// The StringMap scalar's own message (see builder.ts).
const MAP_VALUE = /^value of "([^"]+)" must be a string$/;
const ENUM_NOT_STRING = /^Enum "(\w+)" cannot represent non-string value/;

/** graphql-js's coercion messages, said in terms of JSON values (what a REST client sends). */
const COERCION_MESSAGES: [RegExp, string][] = [
  [/^(String|ID) cannot represent (a non string )?value/, 'must be a string'],
  [/^Int cannot represent non 32-bit signed integer value/, 'must be an integer between -2147483648 and 2147483647'],
  [/^Int cannot represent non-integer value/, 'must be an integer'],
  [/^Float cannot represent non numeric value/, 'must be a number'],
  [/^Boolean cannot represent a non boolean value/, 'must be a boolean'],
  [OBJECT_EXPECTED, 'must be an object'],
  [/^Expected non-nullable type "[^"]+" not to be null\./, 'must not be null'],
];

function enumValues(typeName: string): string | undefined {
  const type = schema.getType(typeName);
  return type instanceof GraphQLEnumType ? type.getValues().map((v) => v.name).join(', ') : undefined;
}

function inClientTerms(reason: string): string {
  const enumName = (NOT_IN_ENUM.exec(reason) ?? ENUM_NOT_STRING.exec(reason))?.[1];
  const values = enumName && enumValues(enumName);
  if (values) return `must be one of: ${values}`;
  const known = COERCION_MESSAGES.find(([pattern]) => pattern.test(reason));
  return known ? known[1] : reason.replace(/\.$/, '');
}

function invalidValueParts(message: string, reason: string | undefined): [string, string | undefined, string] | undefined {
  const variable = INVALID_VALUE.exec(message)?.[1];
  if (variable === undefined) return undefined;
  if (reason !== undefined && message.endsWith(`; ${reason}`)) {
    const head = message.slice(0, message.length - reason.length - 2);
    return [variable, PATH_AT_END.exec(head)?.[1], reason];
  }
  const match = INVALID_VALUE_PARTS.exec(message);
  return match ? [variable, match[2], match[3]!] : undefined;
}

/**
 * For a variable coercion error, which field was wrong and why, in the client's terms.
 * `reason`: the message of the coercion error it wraps, when known.
 */
export function variableFieldError(message: string, reason?: string): FieldError | undefined {
  const missingVariable = VARIABLE_MISSING.exec(message);
  if (missingVariable) return { field: missingVariable[1]!, message: 'is required' };
  const parts = invalidValueParts(message, reason);
  if (!parts) return undefined;
  const [variable, at, cause] = parts;
  const inside = at === variable ? '' : at?.startsWith(`${variable}.`) ? at.slice(variable.length + 1) : at;
  const notDefined = NOT_DEFINED.exec(cause) ?? NOT_PROVIDED.exec(cause);
  const isBody = variable === 'input' || notDefined !== null || OBJECT_EXPECTED.test(cause);
  let field = inside ?? (isBody ? '' : variable);
  let why = inClientTerms(cause);
  const mapValue = MAP_VALUE.exec(cause);
  if (notDefined) {
    field = field ? `${field}.${notDefined[1]}` : notDefined[1]!;
    why = NOT_DEFINED.test(cause) ? 'is not a known field' : 'is required';
  } else if (mapValue) {
    field = `${field}.${mapValue[1]}`;
    why = 'must be a string';
  }
  return { field: bounded(field || '(body)'), message: bounded(why) };
}

function isGraphQLsOwn(error: GraphQLError): boolean {
  return error.originalError == null || error.originalError instanceof GraphQLError;
}

/**
 * graphql-js reports each wrong field of the variables as an error of its own: they become one
 * INVALID_REQUEST listing them all, as a REST client (which sees one error) needs.
 */
export function combineVariableErrors(errors: readonly GraphQLError[]): readonly GraphQLError[] {
  const found = errors.flatMap((error) => {
    const field =
      !isErrorCode(error.extensions?.['code']) && isGraphQLsOwn(error) && variableFieldError(error.message, error.originalError?.message);
    return field ? [{ error, field }] : [];
  });
  if (found.length < 2) return errors;
  const first = found[0]!.error;
  const combined = invalidRequest(found.map((f) => f.field));
  return [
    new GraphQLError(combined.message, {
      nodes: first.nodes,
      source: first.source,
      positions: first.positions,
      extensions: combined.extensions,
    }),
    ...errors.filter((error) => !found.some((f) => f.error === error)),
  ];
}

/** What a client is told about an error: an ApiError as it is, GraphQL's own as INVALID_REQUEST. */
export function describeError(error: GraphQLError): PublicError | undefined {
  const code = error.extensions?.['code'];
  if (isErrorCode(code)) {
    return {
      code,
      message: error.message,
      details: (error.extensions['details'] as Record<string, unknown> | undefined) ?? {},
    };
  }
  // Errors GraphQL itself raises (syntax, validation, variable coercion) have no original error.
  if (isGraphQLsOwn(error)) {
    const field = variableFieldError(error.message, error.originalError?.message);
    if (field) {
      return {
        code: 'INVALID_REQUEST',
        message: `Invalid request: ${field.field}: ${field.message}`,
        details: { fields: [field] },
      };
    }
    const protection = protectionDetails(error.message);
    return {
      code: 'INVALID_REQUEST',
      message: error.message.replace(/^Syntax Error: (?=.*limit of)/, ''),
      details: protection ?? {},
    };
  }
  return undefined;
}

/** Rewrites an error so its extensions carry `{code, details, requestId}` (and the HTTP status). */
export function withApiExtensions(error: GraphQLError, requestId: string): GraphQLError {
  const described =
    describeError(error) ?? (isDatabaseUnavailable(error.originalError) ? DATABASE_UNAVAILABLE : UNEXPECTED_ERROR);
  const givenHttp = error.extensions?.['http'] as
    | { status?: number; headers?: Record<string, string>; spec?: boolean }
    | undefined;
  const headers = { ...headersForCode(described.code), ...givenHttp?.headers };
  const previousHttp = Object.keys(headers).length ? { ...givenHttp, headers } : givenHttp;
  return new GraphQLError(described.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: {
      code: described.code,
      details: described.details,
      requestId,
      // GraphQL-over-HTTP answers document errors (they have locations) with 200 to
      // application/json clients; a request it cannot even read (bad JSON, no body) is a 400,
      // like every other error of ours, mapped by code.
      http:
        previousHttp?.spec && error.locations?.length
          ? previousHttp
          : { ...previousHttp, spec: undefined, status: ERROR_STATUS[described.code] },
    },
  });
}
