import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  CreateAccountDocument,
  CreateAgentDocument,
  DeleteAgentDocument,
  GetAgentDocument,
  ListAgentsDocument,
  UpdateAgentDocument,
} from './generated/operations.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export type RouteInput = {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown> | undefined;
};

/** One REST route: which hand-written GraphQL operation serves it, and how. */
export type RestRoute = {
  method: HttpMethod;
  /** Express path under /v1. */
  path: string;
  // biome-ignore lint: the table holds operations of many types
  operation: TypedDocumentNode<any, any>;
  /** The operation's root field whose data is the REST `data`. */
  field: string;
  status: 200 | 201;
  /** A JSON object body is required (POST/PATCH) and passed as `$input`. */
  body: boolean;
  /** Query parameters accepted (anything else is 400). Integers are passed as numbers. */
  query: string[];
};

const route = (r: Omit<RestRoute, 'status' | 'body' | 'query'> & Partial<RestRoute>): RestRoute => ({
  status: 200,
  body: false,
  query: [],
  ...r,
});

/** The REST API: every route → named GraphQL operation → success status. */
export const routes: RestRoute[] = [
  route({ method: 'POST', path: '/agents', operation: CreateAgentDocument, field: 'createAgent', status: 201, body: true }),
  route({ method: 'GET', path: '/agents', operation: ListAgentsDocument, field: 'agents', query: ['page', 'limit'] }),
  route({ method: 'GET', path: '/agents/:agentId', operation: GetAgentDocument, field: 'agent' }),
  route({ method: 'PATCH', path: '/agents/:agentId', operation: UpdateAgentDocument, field: 'updateAgent', body: true }),
  route({ method: 'DELETE', path: '/agents/:agentId', operation: DeleteAgentDocument, field: 'deleteAgent' }),
  route({ method: 'POST', path: '/accounts', operation: CreateAccountDocument, field: 'createAccount', status: 201, body: true }),
];
