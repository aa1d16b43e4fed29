/**
 * The small part of OpenAPI 3.1 and JSON Schema 2020-12 that the document uses, typed so that a
 * misspelt keyword is a compile error rather than a silently ignored one.
 */

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

export type JsonSchema = {
  $ref?: string;
  type?: JsonType | JsonType[];
  title?: string;
  description?: string;
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  examples?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  maxProperties?: number;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  contentMediaType?: string;
  deprecated?: boolean;
  readOnly?: boolean;
  writeOnly?: boolean;
};

export type HeaderObject = {
  description?: string;
  required?: boolean;
  schema: JsonSchema;
};

export type Reference = { $ref: string; description?: string; summary?: string };

export type ParameterObject = {
  name: string;
  in: 'path' | 'query' | 'header';
  description?: string;
  required?: boolean;
  schema: JsonSchema;
  example?: unknown;
  deprecated?: boolean;
};

export type ExampleObject = { summary?: string; description?: string; value: unknown };

export type MediaTypeObject = {
  schema: JsonSchema;
  example?: unknown;
  examples?: Record<string, ExampleObject | Reference>;
  /** Extension: the Server-Sent Events of a `text/event-stream` answer, event name → data schema. */
  'x-orion-events'?: Record<string, JsonSchema>;
};

export type ResponseObject = {
  description: string;
  headers?: Record<string, HeaderObject | Reference>;
  content?: Record<string, MediaTypeObject>;
};

export type RequestBodyObject = {
  description?: string;
  required?: boolean;
  content: Record<string, MediaTypeObject>;
};

export type OperationObject = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Array<Record<string, string[]>>;
  parameters: Array<ParameterObject | Reference>;
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject | Reference>;
  deprecated?: boolean;
  /** Extension: the GraphQL operation that serves this route. */
  'x-graphql-operation': string;
};

export type HttpMethodLower = 'get' | 'post' | 'put' | 'patch' | 'delete';

export type PathItemObject = { description?: string } & Partial<Record<HttpMethodLower, OperationObject>>;

export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string; license?: { name: string; identifier: string } };
  jsonSchemaDialect?: string;
  servers?: Array<{ url: string; description?: string }>;
  tags: Array<{ name: string; description: string }>;
  security: Array<Record<string, string[]>>;
  paths: Record<string, PathItemObject>;
  components: {
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; bearerFormat?: string; description?: string }>;
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, ParameterObject>;
    headers: Record<string, HeaderObject>;
    responses: Record<string, ResponseObject>;
    examples?: Record<string, ExampleObject>;
  };
};
