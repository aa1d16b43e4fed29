import {
  GraphQLError,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../services/pagination.js';

/** The arguments that size a page; a field with any of them is a list whose size multiplies. */
const PAGE_SIZE_ARGS = ['first', 'last', 'limit'];

const SCALAR_COST = 1;
const OBJECT_COST = 2;

/**
 * Fields whose resolver does far more than read a row: their cost on top of their selection's.
 * An analytics field aggregates every message of a range of up to a year; a conversation search
 * (`filter`, which may carry `q`) ranks every matching message of the account; a knowledge
 * search ranks every matching chunk of the agent's documents, and may call the embedding model.
 */
export const EXPENSIVE_FIELDS: Record<string, number> = {
  'Agent.analytics': 1_000,
  'Account.analytics': 1_000,
  'Query.conversations': 400,
  // Over a default page of 20 agents: 20 × 500 = 10,000, twice the default GRAPHQL_MAX_COST.
  'Agent.knowledgeSearch': 500,
  // A list without pages of up to 50 MCP servers (the most an account has), each with its tools:
  // charged as a page of 50, so agents(first: 100) cannot read every server a hundred times over.
  'Agent.mcpServers': 50,
};

/**
 * Object fields read from their parent's own row (a JSON column): their selection costs one
 * scalar, however many objects they hold, since they make the database read nothing more.
 */
const ROW_FIELDS: ReadonlySet<string> = new Set(['Message.citations', 'SentMessage.citations', 'McpServer.tools', 'McpServer.lastError']);

/** Only a search costs extra: the list of one agent's conversations is an ordinary list. */
const chargedWhen: Record<string, (argumentNames: string[]) => boolean> = {
  'Query.conversations': (names) => names.includes('filter'),
};

type Variables = Record<string, unknown>;

/** The page size an argument asks for, literal or variable (operation defaults included). */
function pageSize(value: ValueNode, variables: Variables, defaults: Map<string, ValueNode>): number | undefined {
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind !== Kind.VARIABLE) return undefined;
  const name = value.name.value;
  if (Object.hasOwn(variables, name)) {
    const given = variables[name];
    return typeof given === 'number' && Number.isInteger(given) ? given : undefined;
  }
  const fallback = defaults.get(name);
  return fallback?.kind === Kind.INT ? Number(fallback.value) : undefined;
}

/**
 * The static cost of one operation: every field costs 1 (2 when it selects an object, plus its
 * surcharge when it is one of the EXPENSIVE_FIELDS), and a
 * paginated field costs its page size times its selection, the size being the largest of
 * `first`, `last` and `limit` — literal, from the request's variables, or from the variables'
 * defaults — and the default page size when none is given. Sizes are capped at the largest page
 * a list serves, so the cost bounds the rows an operation can make the database read.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables = {},
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const defaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) defaults.set(definition.variable.name.value, definition.defaultValue);
  }

  const costOf = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, seen: Set<string>): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += costOf(selection.selectionSet, isCompositeType(condition) ? condition : parent, seen);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        // Validation refuses fragment cycles; `seen` only keeps this walk finite regardless.
        if (!fragment || seen.has(fragment.name.value)) continue;
        const condition = schema.getType(fragment.typeCondition.name.value);
        const inner = new Set(seen).add(fragment.name.value);
        total += costOf(fragment.selectionSet, isCompositeType(condition) ? condition : parent, inner);
        continue;
      }
      const field =
        isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
      const fieldKey = `${parent.name}.${selection.name.value}`;
      if (!selection.selectionSet || ROW_FIELDS.has(fieldKey)) {
        total += SCALAR_COST;
        continue;
      }
      const type = field ? getNamedType(field.type) : undefined;
      const argumentNames = (selection.arguments ?? []).map((arg) => arg.name.value);
      const surcharge =
        (EXPENSIVE_FIELDS[fieldKey] ?? 0) > 0 && (chargedWhen[fieldKey]?.(argumentNames) ?? true) ? EXPENSIVE_FIELDS[fieldKey]! : 0;
      // Once per field: the work is the field's, whatever the size of the page it answers.
      total += surcharge;
      const childCost = OBJECT_COST + costOf(selection.selectionSet, isCompositeType(type) ? type : parent, seen);
      const paginated = field?.args.some((arg) => PAGE_SIZE_ARGS.includes(arg.name)) ?? false;
      if (!paginated) {
        total += childCost;
        continue;
      }
      const sizes = (selection.arguments ?? [])
        .filter((arg) => PAGE_SIZE_ARGS.includes(arg.name.value))
        .map((arg) => pageSize(arg.value, variables, defaults))
        .filter((size): size is number => size !== undefined);
      const size = sizes.length ? Math.max(...sizes) : DEFAULT_PAGE_SIZE;
      total += Math.min(Math.max(size, 1), MAX_PAGE_SIZE) * childCost;
    }
    return total;
  };
  return costOf(operation.selectionSet, root, new Set());
}

/** The error of an operation over the cost limit, worded like graphql-armor's other limits. */
export function costLimitError(maxCost: number, cost: number, operation: OperationDefinitionNode): GraphQLError {
  return new GraphQLError(`Query Cost limit of ${maxCost} exceeded, found ${cost}.`, {
    nodes: [operation],
    // Refused before it runs, like a document that fails validation (see the status policy).
    extensions: { http: { spec: true, status: 400 } },
  });
}
