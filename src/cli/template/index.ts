// Go text/template for `--format`, with docker's functions and docker's formatter conventions
// (`table ...`, `json`, header rows, tab-aligned columns).
//
//   const t = compileTemplate('{{.Repository}}:{{.Tag}}');
//   t.execute({ Repository: 'busybox', Tag: 'latest' });           // "busybox:latest"
//   renderFormatted('table {{.ID}}\t{{.Image}}', rows, { ID: 'CONTAINER ID', Image: 'IMAGE' });

import { tabwrite } from '../table.js';
import { ExecState, type FuncDef, type FuncMap, TemplateExecError } from './exec.js';
import { builtinFuncs, dockerFuncs, headerFuncs } from './funcs.js';
import { type ParsedTemplate, TemplateParseError, parseTemplate } from './parse.js';

export { TemplateExecError, TemplateParseError };
export type { FuncDef, FuncMap, ParamType } from './exec.js';
export { formatFloat, formatValue, quote, sprint, sprintf, sprintln } from './fmt.js';
export { goJson, type GoJsonOptions } from './json.js';
export { GO_TYPE, goStruct } from './value.js';
export { builtinFuncs, dockerFuncs, headerFuncs } from './funcs.js';

/** A plain JS function usable as a template function: variadic, arguments of any type. */
export type SimpleFunc = (...args: any[]) => unknown;

export interface CompileOptions {
  /** Extra functions (or overrides), in addition to Go's builtins and docker's functions. */
  funcs?: Record<string, FuncDef | SimpleFunc>;
  /** Template name used in execution errors (`executing "NAME"`); docker's is "". */
  name?: string;
}

export interface ExecuteOptions {
  /** Functions replacing same-named ones for this execution (as Go's Template.Funcs after Parse). */
  funcs?: Record<string, FuncDef | SimpleFunc>;
}

export interface Template {
  readonly source: string;
  /** Runs the template. Throws TemplateExecError (message as Go's; `.output` has the partial result). */
  execute(data: unknown, opts?: ExecuteOptions): string;
}

function toFuncMap(funcs: Record<string, FuncDef | SimpleFunc> | undefined): FuncMap {
  const out: FuncMap = {};
  if (!funcs) return out;
  for (const [name, def] of Object.entries(funcs)) {
    out[name] = typeof def === 'function' ? { params: [], variadic: 'any', fn: def } : def;
  }
  return out;
}

class CompiledTemplate implements Template {
  constructor(
    readonly source: string,
    private readonly parsed: ParsedTemplate,
    private readonly funcs: FuncMap,
    private readonly name: string,
  ) {}

  execute(data: unknown, opts?: ExecuteOptions): string {
    const funcs = opts?.funcs ? { ...this.funcs, ...toFuncMap(opts.funcs) } : this.funcs;
    return new ExecState(this.parsed, funcs, this.name, data).run(data);
  }
}

/** Parses a Go template. Throws TemplateParseError, e.g. `template: :1: unexpected "}" in operand`. */
export function compileTemplate(src: string, opts: CompileOptions = {}): Template {
  const funcs: FuncMap = { ...builtinFuncs, ...dockerFuncs, ...toFuncMap(opts.funcs) };
  const parsed = parseTemplate(src, (name) => Object.prototype.hasOwnProperty.call(funcs, name));
  return new CompiledTemplate(src, parsed, funcs, opts.name ?? '');
}

// ---------------------------------------------------------------------------------------------
// docker/cli formatter.Context

export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

export interface RenderOptions {
  /** Template used for `--format table` alone (docker substitutes the command's default table). */
  defaultTableFormat?: string;
  /** Extra template functions. */
  funcs?: Record<string, FuncDef | SimpleFunc>;
}

/** docker's Format.IsTable: the format starts with "table". */
export function isTableFormat(format: string): boolean {
  return format.startsWith('table');
}

/** The template docker actually parses for a --format value (formatter.Context.preFormat). */
export function preFormat(format: string): string {
  let f = format;
  if (isTableFormat(f)) f = f.slice('table'.length);
  else if (f === 'json') f = '{{json .}}';
  f = f.replace(/^ +| +$/g, '');
  return f.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/**
 * Renders rows as docker's formatter does for `--format`:
 *  - `json`: each row as one compact JSON line;
 *  - `table TEMPLATE`: a header row (the template run over `headers`, with docker's header functions,
 *    errors ignored) then one line per row, aligned with tabwriter(minwidth 10, tabwidth 1, padding 3);
 *  - anything else: the template once per row, each followed by a newline.
 * `\t` and `\n` typed literally in the format become tab and newline. Errors are thrown as FormatError
 * with docker's text: `template parsing error: template: :1: ...`.
 */
export function renderFormatted(
  format: string,
  rows: readonly unknown[],
  headers: Record<string, string>,
  opts: RenderOptions = {},
): string {
  if (format === 'table' && opts.defaultTableFormat !== undefined) {
    format = isTableFormat(opts.defaultTableFormat) ? opts.defaultTableFormat : `table ${opts.defaultTableFormat}`;
  }
  const src = preFormat(format);
  let tmpl: Template;
  try {
    tmpl = compileTemplate(src, opts.funcs ? { funcs: opts.funcs } : {});
  } catch (e) {
    throw new FormatError(`template parsing error: ${(e as Error).message}`);
  }
  let body = '';
  for (const row of rows) {
    try {
      body += tmpl.execute(row) + '\n';
    } catch (e) {
      throw new FormatError(`template parsing error: ${(e as Error).message}`);
    }
  }
  if (!isTableFormat(format)) return body;
  let header: string;
  try {
    header = tmpl.execute(headers, { funcs: headerFuncs });
  } catch (e) {
    header = e instanceof TemplateExecError ? e.output : '';
  }
  return tabwrite(header + '\n' + body);
}
