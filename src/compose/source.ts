// One compose file: YAML parsed with positions (eemeli/yaml), every string value interpolated
// where it stands (so an error can name its key and line), then turned into plain data.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { ComposeError } from './errors.js';
import { interpolate, type Lookup } from './interpolate.js';

export interface Source {
  file: string;
  data: Record<string, unknown>;
  /** The line of the value at a dotted path (`services.web.ports.0`), or of its nearest parent. */
  lineOf(path: string): number | undefined;
}

export interface LoadOptions {
  lookup: Lookup;
  interpolate?: boolean;
  onMissing?: (name: string) => void;
}

const LEGACY_OCTAL = /^0[0-7]+$/;
/** Where a file mode is written: a service's (or its build's) secrets and configs. */
const FILE_MODE = /^services\..+\.(secrets|configs)\.\d+\.mode$/;

export function parseSource(file: string, text: string, o: LoadOptions): Source {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
    throw new ComposeError('Invalid', `${file}${line ? `:${line}` : ''}: yaml: ${e.message.split('\n')[0]}`);
  }
  const lines = new Map<string, number>();
  const walk = (node: Node | null | undefined, path: string): void => {
    if (!node || isAlias(node)) return;
    if (node.range) lines.set(path, lc.linePos(node.range[0]).line);
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (typeof (pair.key as { value?: unknown })?.value === 'symbol') continue; // `<<`
        const p = path ? `${path}.${k}` : k;
        walk(pair.value as Node, p);
        // A key's line is where the key is written (its value may start on the next one).
        if (isScalar(pair.key) && pair.key.range) lines.set(p, lc.linePos(pair.key.range[0]).line);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item as Node, `${path}.${i}`));
    } else if (isScalar(node) && typeof node.value === 'number' && LEGACY_OCTAL.test(node.source ?? '') && FILE_MODE.test(path)) {
      // compose-go's YAML (1.1) reads `mode: 0440` as octal; YAML 1.2 would make it 440.
      node.value = parseInt(node.source!, 8);
    } else if (isScalar(node) && typeof node.value === 'string' && o.interpolate !== false) {
      try {
        node.value = interpolate(node.value, { lookup: o.lookup, path: path.replace(/\.(\d+)(?=\.|$)/g, '[$1]'), onMissing: o.onMissing });
      } catch (e) {
        const line = lc.linePos(node.range![0]).line;
        throw new ComposeError('Interpolation', `${file}:${line}: ${(e as Error).message}`);
      }
    }
  };
  walk(doc.contents as Node, '');
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 10000 });
  } catch (e) {
    throw new ComposeError('Invalid', `${file}: yaml: ${(e as Error).message}`);
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new ComposeError('Invalid', `${file}: top-level object must be a mapping`);
  return {
    file,
    data: data as Record<string, unknown>,
    lineOf(path: string) {
      for (let p = path; ; p = p.slice(0, Math.max(0, p.lastIndexOf('.')))) {
        const l = lines.get(p);
        if (l !== undefined) return l;
        if (!p) return undefined;
      }
    },
  };
}

export function loadSource(file: string, o: LoadOptions): Source {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ComposeError('NotFound', `open ${file}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  return parseSource(file, text, o);
}
