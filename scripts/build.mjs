#!/usr/bin/env node
// Two outputs: dist/*.mjs are the bundled entry points (one file each, so `berth version`
// starts without resolving a module graph); build/ is tsc's per-file output that tests import.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true, platform: 'node', format: 'esm', target: 'node20', sourcemap: 'linked',
  // napi addons cannot be bundled; they are loaded from node_modules at run time.
  external: ['@napi-rs/xattr', 'node-unix-socket'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
};
await Promise.all([
  build({ ...common, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(root, 'dist/berth.mjs') }),
  build({ ...common, entryPoints: [join(root, 'src/daemon/main.ts')], outfile: join(root, 'dist/berthd.mjs') }),
]);
execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', root], { stdio: 'inherit' });
