import { defineConfig } from 'tsup';

// One build, four public entry points plus the CLI. ESM first, CommonJS beside it,
// declarations for both. Node 20 is the floor.
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      recipes: 'recipes/index.ts',
      server: 'server/index.ts',
      testing: 'server/testing/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
  },
  {
    entry: { cli: 'server/main.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
