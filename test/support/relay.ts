import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
  type ValueNode,
  Kind,
  TypeInfo,
  getNamedType,
  getNullableType,
  getOperationAST,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  parse,
  print,
  validate,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { ConcreteRequest } from 'relay-runtime';

/**
 * A Relay request artifact for a GraphQL operation, as relay-compiler would make it: every
 * selection of a type with an `id` field (or of an abstract type) gets `id` and `__typename`
 * added, then the operation becomes Relay's normalization and reader ASTs. With it, relay-runtime
 * (the third-party judge) normalizes our real responses into its store exactly as an app would.
 */
export function relayRequest(schema: GraphQLSchema, source: string): ConcreteRequest {
  const document = withRelayFields(schema, parse(source));
  const errors = validate(schema, document);
  if (errors.length) throw new Error(`relayRequest: ${errors.map((e) => e.message).join('; ')}`);
  const operation = getOperationAST(document);
  if (!operation?.name) throw new Error('relayRequest: one named operation expected');
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const rootType = schema.getRootType(operation.operation)!;
  const selections = convertSelections(schema, rootType, operation.selectionSet, fragments);
  const argumentDefinitions = (operation.variableDefinitions ?? []).map((v) => ({
    kind: 'LocalArgument',
    name: v.variable.name.value,
    defaultValue: null,
  }));
  const name = operation.name.value;
  const text = print(document);
  return {
    kind: 'Request',
    fragment: { kind: 'Fragment', name, type: rootType.name, metadata: null, argumentDefinitions, selections },
    operation: { kind: 'Operation', name, argumentDefinitions, selections },
    params: { id: null, cacheID: `${name}:${text.length}`, metadata: {}, name, operationKind: operation.operation, text },
  } as unknown as ConcreteRequest;
}

const field = (name: string): FieldNode => ({ kind: Kind.FIELD, name: { kind: Kind.NAME, value: name } });

function hasField(selectionSet: SelectionSetNode, name: string): boolean {
  return selectionSet.selections.some((s) => s.kind === Kind.FIELD && !s.alias && s.name.value === name);
}

/** relay-compiler's generated-id and typename transforms. */
function withRelayFields(schema: GraphQLSchema, document: ReturnType<typeof parse>) {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      SelectionSet: {
        leave(node) {
          const type = typeInfo.getParentType();
          // Root selections are not records of their own.
          if (!type || [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].includes(type as never)) {
            return node;
          }
          const added: FieldNode[] = [];
          if ('getFields' in type && 'id' in type.getFields() && !hasField(node, 'id')) added.push(field('id'));
          if (isAbstractType(type) && !hasField(node, '__typename')) added.push(field('__typename'));
          return added.length ? { ...node, selections: [...node.selections, ...added] } : node;
        },
      },
    }),
  );
}

function argumentValue(value: ValueNode): unknown {
  switch (value.kind) {
    case Kind.INT:
    case Kind.FLOAT:
      return Number(value.value);
    case Kind.STRING:
    case Kind.ENUM:
      return value.value;
    case Kind.BOOLEAN:
      return value.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return value.values.map(argumentValue);
    case Kind.OBJECT:
      return Object.fromEntries(value.fields.map((f) => [f.name.value, argumentValue(f.value)]));
    case Kind.VARIABLE:
      throw new Error('relayRequest: variables inside literal arguments are not supported');
  }
}

function convertSelections(
  schema: GraphQLSchema,
  parent: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
): unknown[] {
  return selectionSet.selections.flatMap((selection: SelectionNode): unknown[] => {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments.get(selection.name.value)!;
      return [inlineFragment(schema, fragment.typeCondition.name.value, fragment.selectionSet, fragments)];
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition?.name.value ?? parent.name;
      return [inlineFragment(schema, type, selection.selectionSet, fragments)];
    }
    const name = selection.name.value;
    const alias = selection.alias?.value ?? null;
    const args = selection.arguments?.length
      ? selection.arguments.map((a) =>
          a.value.kind === Kind.VARIABLE
            ? { kind: 'Variable', name: a.name.value, variableName: a.value.name.value }
            : { kind: 'Literal', name: a.name.value, value: argumentValue(a.value) },
        )
      : null;
    if (name === '__typename') return [{ kind: 'ScalarField', alias, name, args: null, storageKey: null }];
    if (!('getFields' in parent)) throw new Error(`relayRequest: ${parent.name} has no fields`);
    const definition = parent.getFields()[name];
    if (!definition) throw new Error(`relayRequest: ${parent.name}.${name} does not exist`);
    const named = getNamedType(definition.type);
    if (!isCompositeType(named) || !selection.selectionSet) {
      return [{ kind: 'ScalarField', alias, name, args, storageKey: null }];
    }
    return [
      {
        kind: 'LinkedField',
        alias,
        name,
        args,
        storageKey: null,
        concreteType: isObjectType(named) ? named.name : null,
        plural: isListType(getNullableType(definition.type)),
        selections: convertSelections(schema, named, selection.selectionSet, fragments),
      },
    ];
  });
}

function inlineFragment(
  schema: GraphQLSchema,
  typeName: string,
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
) {
  const type = schema.getType(typeName);
  if (!type || !isObjectType(type)) throw new Error(`relayRequest: fragments on ${typeName} (not an object type) are not supported`);
  return {
    kind: 'InlineFragment',
    type: typeName,
    abstractKey: null,
    selections: convertSelections(schema, type, selectionSet, fragments),
  };
}
