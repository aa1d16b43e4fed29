import {
  getNamedType,
  getNullableType,
  getOperationAST,
  GraphQLNonNull,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  typeFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLEnumType,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionNode,
} from 'graphql';
import type { JsonSchema } from './types.js';

/**
 * JSON Schemas generated from the GraphQL schema and the REST layer's hand-written operation
 * documents: a route's `data` is exactly its operation's selection, so its schema is derived
 * from that selection (aliases, fragments, nullability, enums, descriptions) and cannot drift.
 */

/** What each custom scalar is on the wire (JSON). A new scalar must be added here. */
const SCALARS: Record<string, JsonSchema> = {
  ID: { type: 'string' },
  String: { type: 'string' },
  Int: { type: 'integer', format: 'int32' },
  Float: { type: 'number' },
  Boolean: { type: 'boolean' },
  DateTime: { type: 'string', format: 'date-time' },
  StringMap: { type: 'object', additionalProperties: { type: 'string' } },
  JSONObject: { type: 'object' },
  JSON: {},
};

/**
 * Bounds and defaults GraphQL types cannot say (lengths, ranges, patterns), by `Type.field` for
 * input fields and output fields, or by argument/variable name for parameters. They are merged
 * into the generated schema; a key that names nothing is an error.
 */
export type Refinement = Omit<JsonSchema, 'type' | '$ref' | 'properties' | 'required' | 'items' | 'additionalProperties'> & {
  items?: Refinement;
  additionalProperties?: Refinement;
  /** The GraphQL type allows null, the service does not. */
  nullable?: false;
};

export type SchemaRefinements = {
  /** `InputType.field` → refinement. */
  inputs: Record<string, Refinement>;
  /** `OutputType.field` → refinement (e.g. the prefix pattern of an ID). */
  outputs: Record<string, Refinement>;
};

/** `schema` that also accepts null. */
export function orNull(schema: JsonSchema): JsonSchema {
  if (schema.type !== undefined && schema.$ref === undefined && !schema.anyOf && !schema.oneOf && !schema.allOf) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (types.includes('null')) return schema;
    const result: JsonSchema = { ...schema, type: [...types, 'null'] };
    if (schema.enum && !schema.enum.includes(null)) result.enum = [...schema.enum, null];
    return result;
  }
  const { description, ...rest } = schema;
  // `{}` (the JSON scalar) already accepts null.
  if (Object.keys(rest).length === 0) return schema;
  return { ...(description ? { description } : {}), anyOf: [rest, { type: 'null' }] };
}

function refine(schema: JsonSchema, refinement: Refinement | undefined): JsonSchema {
  if (!refinement) return schema;
  const { items, additionalProperties, nullable: _nullable, ...own } = refinement;
  const result: JsonSchema = { ...schema, ...own };
  if (items) {
    if (!schema.items) throw new Error('an items refinement on a schema that is not an array');
    result.items = refine(schema.items, items);
  }
  if (additionalProperties) {
    if (typeof schema.additionalProperties !== 'object') {
      throw new Error('an additionalProperties refinement on a schema that is not a map');
    }
    result.additionalProperties = refine(schema.additionalProperties, additionalProperties);
  }
  return result;
}

/**
 * An input field's default, said in words rather than with `default`: client generators
 * (openapi-typescript, by default) make a property with a `default` required, when in a request
 * it is exactly the one that may be left out.
 */
function withDefault(description: string | null | undefined, fallback: unknown): string | null | undefined {
  if (fallback === undefined || /\bdefault/i.test(description ?? '')) return description;
  return `${description ? `${description} ` : ''}Default: \`${JSON.stringify(fallback)}\`.`;
}

function describe(schema: JsonSchema, description: string | null | undefined): JsonSchema {
  return description ? { ...schema, description } : schema;
}

type FieldsByKey = Map<string, FieldNode[]>;

export class GraphQLJsonSchemas {
  /** Components generated so far: fragments (outputs) and input object types. */
  readonly components: Record<string, JsonSchema> = {};
  private readonly used = { inputs: new Set<string>(), outputs: new Set<string>() };

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly refinements: SchemaRefinements,
    private readonly options: {
      /** The component name of a fragment (default: its name without a `Fields` suffix). */
      fragmentComponentName?: (fragment: string) => string;
      /** The schema of an output field of type ID (say, its prefix), if more than a string. */
      idSchema?: (type: string, field: string) => JsonSchema | undefined;
    } = {},
  ) {
    for (const key of Object.keys(refinements.inputs)) this.assertField(key, 'input');
    for (const key of Object.keys(refinements.outputs)) this.assertField(key, 'output');
  }

  private assertField(key: string, kind: 'input' | 'output'): void {
    const [typeName, field] = key.split('.');
    const type = this.schema.getType(typeName ?? '');
    const ok =
      field !== undefined &&
      (kind === 'input' ? isInputObjectType(type) : isObjectType(type)) &&
      Object.hasOwn((type as GraphQLObjectType).getFields(), field);
    if (!ok) throw new Error(`OpenAPI: the ${kind} refinement "${key}" names no GraphQL ${kind} field`);
  }

  static ref(name: string): JsonSchema {
    return { $ref: `#/components/schemas/${name}` };
  }

  // ---------------------------------------------------------------- outputs (selections)

  /**
   * The schema of the data at `path` (a root field or a dotted path of response keys) of the
   * operation in `document`, exactly as the operation selects it.
   */
  dataSchema(document: DocumentNode, path: string): JsonSchema {
    const operation = getOperationAST(document);
    if (!operation) throw new Error('OpenAPI: a document without exactly one operation');
    const fragments = fragmentsOf(document);
    let parent: GraphQLObjectType | null | undefined = this.schema.getRootType(operation.operation);
    let selections: readonly SelectionNode[] = operation.selectionSet.selections;
    const keys = path.split('.');
    for (const [i, key] of keys.entries()) {
      if (!parent) throw new Error(`OpenAPI: no root type for ${operation.operation}`);
      const nodes = this.collectFields(parent, selections, fragments).get(key);
      if (!nodes) throw new Error(`OpenAPI: operation ${operation.name?.value} selects no "${key}" (in "${path}")`);
      const field = parent.getFields()[nodes[0]!.name.value];
      if (!field) throw new Error(`OpenAPI: ${parent.name} has no field ${nodes[0]!.name.value}`);
      const subSelections = nodes.flatMap((n) => n.selectionSet?.selections ?? []);
      // (The root field's own description speaks of GraphQL; the route's words are the REST ones.)
      if (i === keys.length - 1) return this.outputSchema(field.type, subSelections, fragments);
      const named = getNamedType(field.type);
      if (!isObjectType(named)) throw new Error(`OpenAPI: "${key}" in "${path}" is not an object field`);
      parent = named;
      selections = subSelections;
    }
    throw new Error('OpenAPI: an empty data path');
  }

  private outputSchema(
    type: GraphQLOutputType,
    selections: readonly SelectionNode[],
    fragments: Map<string, FragmentDefinitionNode>,
  ): JsonSchema {
    if (!isNonNullType(type)) return orNull(this.outputSchema(new GraphQLNonNull(type), selections, fragments));
    const inner = type.ofType;
    if (isListType(inner)) return { type: 'array', items: this.outputSchema(inner.ofType, selections, fragments) };
    if (isScalarType(inner)) return scalarSchema(inner.name);
    if (isEnumType(inner)) return enumSchema(inner);
    return this.compositeSchema(inner, selections, fragments);
  }

  private compositeSchema(
    type: GraphQLCompositeType,
    selections: readonly SelectionNode[],
    fragments: Map<string, FragmentDefinitionNode>,
  ): JsonSchema {
    // A selection that is exactly one fragment is that fragment's component.
    const only = selections.length === 1 ? selections[0] : undefined;
    if (only?.kind === Kind.FRAGMENT_SPREAD && !only.directives?.length) {
      const fragment = fragments.get(only.name.value);
      if (!fragment) throw new Error(`OpenAPI: unknown fragment ${only.name.value}`);
      if (fragment.typeCondition.name.value === type.name) {
        const name = (this.options.fragmentComponentName ?? ((n: string) => n.replace(/Fields$/, '')))(fragment.name.value);
        const component = this.compositeSchema(type, fragment.selectionSet.selections, fragments);
        this.addComponent(name, component);
        return GraphQLJsonSchemas.ref(name);
      }
    }
    if (isAbstractType(type)) {
      return {
        ...(type.description ? { description: type.description } : {}),
        oneOf: this.schema.getPossibleTypes(type).map((t) => this.objectSchema(t, selections, fragments)),
      };
    }
    return this.objectSchema(type, selections, fragments);
  }

  private objectSchema(
    type: GraphQLObjectType,
    selections: readonly SelectionNode[],
    fragments: Map<string, FragmentDefinitionNode>,
  ): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    for (const [key, nodes] of this.collectFields(type, selections, fragments)) {
      const name = nodes[0]!.name.value;
      if (name === '__typename') {
        properties[key] = { type: 'string', const: type.name };
        continue;
      }
      const field = type.getFields()[name];
      if (!field) throw new Error(`OpenAPI: ${type.name} has no field ${name}`);
      const sub = nodes.flatMap((n) => n.selectionSet?.selections ?? []);
      const refinementKey = `${type.name}.${name}`;
      if (Object.hasOwn(this.refinements.outputs, refinementKey)) this.used.outputs.add(refinementKey);
      const refinement = this.refinements.outputs[refinementKey];
      const nonNullType = isNonNullType(field.type) ? field.type : new GraphQLNonNull(field.type);
      const idSchema = getNamedType(field.type).name === 'ID' ? this.options.idSchema?.(type.name, name) : undefined;
      const schema = refine(idSchema ?? this.outputSchema(nonNullType, sub, fragments), refinement);
      properties[key] = describe(isNonNullType(field.type) ? schema : orNull(schema), field.description);
    }
    return {
      type: 'object',
      ...(type.description ? { description: type.description } : {}),
      properties,
      required: Object.keys(properties),
      additionalProperties: false,
    };
  }

  /** The fields a selection gives on a concrete type, by response key (fragments flattened). */
  private collectFields(
    type: GraphQLObjectType,
    selections: readonly SelectionNode[],
    fragments: Map<string, FragmentDefinitionNode>,
    into: FieldsByKey = new Map(),
  ): FieldsByKey {
    for (const selection of selections) {
      if (selection.directives?.length) {
        throw new Error('OpenAPI: directives (@include/@skip) make a REST shape conditional; not supported');
      }
      switch (selection.kind) {
        case Kind.FIELD: {
          const key = selection.alias?.value ?? selection.name.value;
          into.set(key, [...(into.get(key) ?? []), selection]);
          break;
        }
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments.get(selection.name.value);
          if (!fragment) throw new Error(`OpenAPI: unknown fragment ${selection.name.value}`);
          if (this.applies(fragment.typeCondition.name.value, type)) {
            this.collectFields(type, fragment.selectionSet.selections, fragments, into);
          }
          break;
        }
        case Kind.INLINE_FRAGMENT:
          if (!selection.typeCondition || this.applies(selection.typeCondition.name.value, type)) {
            this.collectFields(type, selection.selectionSet.selections, fragments, into);
          }
          break;
      }
    }
    return into;
  }

  private applies(condition: string, type: GraphQLObjectType): boolean {
    if (condition === type.name) return true;
    const conditionType = this.schema.getType(condition);
    return isAbstractType(conditionType) && this.schema.isSubType(conditionType, type);
  }

  private addComponent(name: string, schema: JsonSchema): void {
    const existing = this.components[name];
    if (existing && JSON.stringify(existing) !== JSON.stringify(schema)) {
      throw new Error(`OpenAPI: two different selections both named ${name}`);
    }
    this.components[name] = schema;
  }

  // ---------------------------------------------------------------- inputs

  /** The GraphQL type of an operation's variable, and whether it must be given. */
  variable(document: DocumentNode, name: string): { type: GraphQLInputType; required: boolean } {
    const operation = getOperationAST(document);
    const definition = operation?.variableDefinitions?.find((v) => v.variable.name.value === name);
    if (!definition) throw new Error(`OpenAPI: operation ${operation?.name?.value} has no variable $${name}`);
    const type = typeFromAST(this.schema, definition.type) as GraphQLInputType | undefined;
    if (!type) throw new Error(`OpenAPI: unknown type of $${name}`);
    return { type, required: isNonNullType(type) && definition.defaultValue === undefined };
  }

  /** The schema of a value of an input type (input objects become components). */
  inputSchema(type: GraphQLInputType, refinement?: Refinement): JsonSchema {
    const inner = getNullableType(type);
    let schema: JsonSchema;
    if (isListType(inner)) schema = { type: 'array', items: this.inputSchema(inner.ofType) };
    else if (isScalarType(inner)) schema = scalarSchema(inner.name);
    else if (isEnumType(inner)) schema = enumSchema(inner);
    else if (isInputObjectType(inner)) {
      this.inputObjectComponent(inner.name);
      schema = GraphQLJsonSchemas.ref(inner.name);
    } else throw new Error('OpenAPI: unexpected input type');
    schema = refine(schema, refinement);
    return isNonNullType(type) || refinement?.nullable === false ? schema : orNull(schema);
  }

  /** The component of an input object type (an object that rejects unknown fields). */
  inputObjectComponent(name: string): JsonSchema {
    const type = this.schema.getType(name);
    if (!isInputObjectType(type)) throw new Error(`OpenAPI: ${name} is not an input type`);
    if (!this.components[name]) {
      this.components[name] = { type: 'object' }; // a placeholder while recursing
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const field of Object.values(type.getFields())) {
        const key = `${name}.${field.name}`;
        if (Object.hasOwn(this.refinements.inputs, key)) this.used.inputs.add(key);
        const refinement = this.refinements.inputs[key];
        const { default: fallback = field.defaultValue, ...schema } = this.inputSchema(field.type, refinement);
        properties[field.name] = describe(schema, withDefault(refinement?.description ?? field.description, fallback));
        if (isNonNullType(field.type) && field.defaultValue === undefined) required.push(field.name);
      }
      this.components[name] = {
        type: 'object',
        ...(type.description ? { description: type.description } : {}),
        properties,
        ...(required.length ? { required } : {}),
        additionalProperties: false,
      };
    }
    return this.components[name];
  }

  /** Refinements that no generated schema used (they name a field no route reaches). */
  unusedRefinements(): string[] {
    return [
      ...Object.keys(this.refinements.inputs).filter((k) => !this.used.inputs.has(k)),
      ...Object.keys(this.refinements.outputs).filter((k) => !this.used.outputs.has(k)),
    ];
  }
}

function scalarSchema(name: string): JsonSchema {
  const schema = SCALARS[name];
  if (!schema) throw new Error(`OpenAPI: the scalar ${name} has no JSON Schema (add it to SCALARS)`);
  return { ...schema };
}

function enumSchema(type: GraphQLEnumType): JsonSchema {
  return {
    type: 'string',
    enum: type.getValues().map((v) => v.value as string),
    ...(type.description ? { description: type.description } : {}),
  };
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
}

