#!/usr/bin/env node
// The `orion` command. The CLI is TypeScript (src/cli/index.ts) and runs without a build step:
// tsx is registered for both module systems, then the entry point is loaded.
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

registerCommonJs();
registerEsm();
await import('../src/cli/index.ts');
