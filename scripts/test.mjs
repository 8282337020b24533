#!/usr/bin/env node
// Runs node's test runner over the compiled tests: `node scripts/test.mjs [unit|integration]`,
// or single files: `node scripts/test.mjs test/integration/containers-interactive.test.ts`.
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration'];
const files = [];
const walk = (d) => {
  for (const n of readdirSync(d).sort()) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (n.endsWith('.test.js')) files.push(p);
  }
};
for (const s of suites) {
  if (/\.test\.[jt]s$/.test(s)) files.push(join(root, 'build', s.replace(/\.ts$/, '.js')));
  else walk(join(root, 'build/test', s));
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
