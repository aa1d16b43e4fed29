import { GraphQLEnumType, GraphQLError } from 'graphql';
import {
  DATABASE_UNAVAILABLE,
  ERROR_STATUS,
  UNEXPECTED_ERROR,
  invalidRequest,
  isErrorCode,
  type FieldError,
  type PublicError,
} from '../errors.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { protectionDetails } from './protections.js';
import { schema } from './schema.js';

// graphql-js 16 reports a variable that does not fit its type as
//   Variable "$input" got invalid value {...} at "input.model.temperature"; Expected type "Float"...
// Inside a variable, the path is the body's (the variable itself is the body in REST); a
// variable's own name is the REST parameter's name.
const VARIABLE_ERROR = /^Variable "\$(\w+)" got invalid value [\s\S]*?(?: at "([^"]+)")?; ([\s\S]*)$/;
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

/** For a variable coercion error, which field was wrong and why, in the client's terms. */
export function variableFieldError(message: string): FieldError | undefined {
  const missingVariable = VARIABLE_MISSING.exec(message);
  if (missingVariable) return { field: missingVariable[1]!, message: 'is required' };
  const match = VARIABLE_ERROR.exec(message);
  if (!match) return undefined;
  const [, variable, at, reason] = match as unknown as [string, string, string | undefined, string];
  const inside = at === variable ? '' : at?.startsWith(`${variable}.`) ? at.slice(variable.length + 1) : at;
  const notDefined = NOT_DEFINED.exec(reason) ?? NOT_PROVIDED.exec(reason);
  const isBody = variable === 'input' || notDefined !== null || OBJECT_EXPECTED.test(reason);
  let field = inside ?? (isBody ? '' : variable);
  let why = inClientTerms(reason);
  const mapValue = MAP_VALUE.exec(reason);
  if (notDefined) {
    field = field ? `${field}.${notDefined[1]}` : notDefined[1]!;
    why = NOT_DEFINED.test(reason) ? 'is not a known field' : 'is required';
  } else if (mapValue) {
    field = `${field}.${mapValue[1]}`;
    why = 'must be a string';
  }
  return { field: field || '(body)', message: why };
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
    const field = !isErrorCode(error.extensions?.['code']) && isGraphQLsOwn(error) && variableFieldError(error.message);
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
    const field = variableFieldError(error.message);
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
  const previousHttp = error.extensions?.['http'] as
    | { status?: number; headers?: Record<string, string>; spec?: boolean }
    | undefined;
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
