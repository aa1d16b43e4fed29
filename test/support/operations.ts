import { type DocumentNode, print } from 'graphql';
import * as generated from '../../src/rest/generated/operations.js';

type DocumentName = Extract<keyof typeof generated, `${string}Document`>;
type OperationName = DocumentName extends `${infer Name}Document` ? Uncapitalize<Name> : never;

/**
 * The REST routes' own operations (CreateAgentDocument → OPS.createAgent), for sending the very
 * same selections to /graphql.
 */
export const OPS = Object.fromEntries(
  Object.entries(generated)
    .filter(([name]) => name.endsWith('Document'))
    .map(([name, doc]) => [name.charAt(0).toLowerCase() + name.slice(1, -'Document'.length), print(doc as DocumentNode)]),
) as Record<OperationName, string>;
