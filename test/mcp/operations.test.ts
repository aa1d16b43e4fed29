// The MCP tools answer the data REST answers: each tool's operation selects, field for field
// (aliases included, fragments inlined), what its REST route's operation selects. A field added
// to one side only fails here, before any server runs.
import { Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as mcp from '../../src/mcp/generated/operations.js';
import * as rest from '../../src/rest/generated/operations.js';

type Shape = { [field: string]: Shape | true };

/** A selection set as a tree of `alias: name` keys, fragment spreads and inline fragments merged in. */
function shapeOf(selections: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, into: Shape = {}): Shape {
  for (const selection of selections.selections) {
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias ? `${selection.alias.value}: ${selection.name.value}` : selection.name.value;
      into[key] = selection.selectionSet ? shapeOf(selection.selectionSet, fragments, (into[key] as Shape | undefined) ?? {}) : true;
    } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
      shapeOf(fragments.get(selection.name.value)!.selectionSet, fragments, into);
    } else {
      shapeOf(selection.selectionSet, fragments, into);
    }
  }
  return into;
}

/** What the operation selects at `path` (its REST `data`, or its tool's result). */
function selected(document: DocumentNode, path: string[]): Shape {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
  let shape: Shape | true = shapeOf(operation.selectionSet, fragments);
  for (const key of path) shape = (shape as Shape)[key]!;
  expect(shape, path.join('.')).toBeTypeOf('object');
  return shape as Shape;
}

describe('MCP tool operations select what their REST routes select', () => {
  it.each([
    ['list_agents (each agent)', mcp.McpListAgentsDocument, rest.ListAgentsDocument, ['agents', 'items: nodes']],
    ['get_agent', mcp.McpGetAgentDocument, rest.GetAgentDocument, ['agent']],
    ['send_message', mcp.McpSendMessageDocument, rest.SendMessageDocument, ['sendMessage']],
    ['search_knowledge', mcp.McpSearchKnowledgeDocument, rest.SearchAgentKnowledgeDocument, ['agent', 'knowledgeSearch']],
  ] as const)('%s', (_tool, mcpDocument, restDocument, path) => {
    const tool = selected(mcpDocument, [...path]);
    expect(Object.keys(tool).length).toBeGreaterThanOrEqual(2);
    expect(tool).toEqual(selected(restDocument, [...path]));
  });

  it('list_agents pages by cursor: pageInfo and totalCount beside the items', () => {
    expect(selected(mcp.McpListAgentsDocument, ['agents'])).toMatchObject({
      pageInfo: { hasNextPage: true, endCursor: true },
      totalCount: true,
    });
  });
});
