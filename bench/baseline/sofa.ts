// SOFA (sofa-api), the off-the-shelf way to serve REST from a GraphQL schema: GET /v1/agents/{id}
// over OrionOS's own executable schema, behind exactly the front OrionOS has (./front.ts), with
// the resolvers' context built as OrionOS's Yoga builds it. SOFA answers the root field's data;
// its execute wraps that data in the same `{success,data}` envelope OrionOS answers. Benchmark
// only; never part of the product.
import { filterSchema } from '@graphql-tools/utils';
import { TypeInfo, execute, visit, visitWithTypeInfo, type ExecutionArgs } from 'graphql';
import { useSofa } from 'sofa-api';
import { schema as orionSchema } from '../../src/graphql/schema.js';
import type { OrionRequest } from '../../src/http/request-context.js';
import { createProviders } from '../../src/services/models/registry.js';
import type { MessagingDeps } from '../../src/services/messages.js';
import { PageBatches } from '../../src/services/pagination.js';
import { routes } from '../../src/rest/routes.js';
import { productionFront } from './front.js';

const front = await productionFront();
const { app, db, logger, keyCache, config } = front;
const messaging: MessagingDeps = {
  prisma: db.prisma,
  providers: createProviders(config),
  modelTimeoutMs: config.modelTimeoutMs,
  logger,
  inflight: new Set(),
};

// SOFA selects every field of the returned type (and the arguments of nested fields that need
// them); REST's GetAgent selects the fields of its AgentFields fragment. The schema SOFA serves
// keeps, of each object type GetAgent reads, just the fields GetAgent selects, so both select the
// same fields, with the schema's own resolvers.
const getAgent = routes.find((route) => route.method === 'GET' && route.path === '/agents/:agentId')!.operation;
const selected = new Map<string, Set<string>>();
const typeInfo = new TypeInfo(orionSchema);
visit(
  getAgent,
  visitWithTypeInfo(typeInfo, {
    Field(node) {
      const parent = typeInfo.getParentType();
      if (parent) selected.set(parent.name, (selected.get(parent.name) ?? new Set()).add(node.name.value));
    },
  }),
);
const schema = filterSchema({
  schema: orionSchema,
  objectFieldFilter: (type, field) => type === 'Query' || !selected.has(type) || selected.get(type)!.has(field),
});

async function executeInEnvelope(args: ExecutionArgs) {
  const result = await execute(args);
  if (result.errors?.length || !result.data) return result;
  const [field, data] = Object.entries(result.data)[0]!;
  return { data: { [field]: { success: true, data } } };
}

app.use(
  useSofa({
    basePath: '/v1',
    schema,
    // Only the read under comparison: REST's route and path for Query.agent.
    routes: { 'Query.agent': { method: 'GET', path: '/agents/:id' } },
    execute: executeInEnvelope as typeof execute,
    context: ({ req }: { req: OrionRequest }) => ({
      requestId: req.orion.requestId,
      auth: req.orion.auth,
      prisma: db.prisma,
      logger,
      messaging,
      keyCache,
      idempotency: req.orion.idempotency,
      pageBatches: new PageBatches(db.prisma),
    }),
  }) as never,
);

front.listen();
