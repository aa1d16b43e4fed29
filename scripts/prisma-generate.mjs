// Generates the Prisma client and the Pothos types from prisma/schema.prisma.
// `prisma generate` wants to download a native schema-engine binary it never runs for generation
// (that part is WebAssembly); pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file lets it
// work offline.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? here,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
process.exit(result.status ?? 1);
