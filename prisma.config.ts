import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI (`prisma generate`). The server itself never reads this file: it picks
// embedded PGlite or DATABASE_URL at start-up (src/db/client.ts) and applies migrations itself.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
