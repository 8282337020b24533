// Small trees of files for tests: build contexts, compose projects.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes `files` (relative path → content) under `dir`, making parent directories; returns `dir`. */
export function writeTree(dir: string, files: Record<string, string>): string {
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  return dir;
}
