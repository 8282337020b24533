// Executes parsed templates: a port of text/template/exec.go (Go 1.24) over JS values, as described
// in value.ts. Error messages follow Go's: `template: :1:2: executing "" at <.X>: ...`.

import { formatValue, quote, sprint } from './fmt.js';
import { type Node, type ParsedTemplate, nodeString } from './parse.js';
import type {
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  ListNode,
  NumberNode,
  PipeNode,
  RangeNode,
  TemplateNode,
  VariableNode,
} from './parse.js';
import { goTypeName, isTrue, kindOf, mapKeysSorted } from './value.js';

/** Parameter types of template functions, named after the Go types they stand for. */
export type ParamType =
  | 'string' // string
  | 'int' // int
  | 'float' // float64
  | 'bool' // bool
  | 'strings' // []string
  | 'any' // interface{}: a missing value arrives as null
  | 'value'; // reflect.Value: a missing value arrives as undefined

export interface FuncDef {
  params: ParamType[];
  /** Element type of a trailing variadic parameter. */
  variadic?: ParamType;
  /** Throws to fail with `error calling NAME: MESSAGE`. */
  fn: (...args: any[]) => unknown;
}

export type FuncMap = Record<string, FuncDef>;

export class TemplateExecError extends Error {
  /** What the template had written before it failed (docker ignores header errors and keeps this). */
  output = '';
  constructor(message: string) {
    super(message);
    this.name = 'TemplateExecError';
  }
}

const MISSING: unique symbol = Symbol('missing');
type Final = unknown | typeof MISSING;
const BREAK = { signal: 'break' };
const CONTINUE = { signal: 'continue' };
const MAX_DEPTH = 1000;

const GO_PARAM_NAME: Record<ParamType, string> = {
  string: 'string',
  int: 'int',
  float: 'float64',
  bool: 'bool',
  strings: '[]string',
  any: 'interface {}',
  value: 'reflect.Value',
};

interface Variable {
  name: string;
  value: unknown;
}

/** Own or inherited (class getters/methods) property, but never Object.prototype's. */
function lookupProperty(obj: object, name: string): { found: boolean; value?: unknown } {
  let o: object | null = obj;
  while (o !== null && o !== Object.prototype && o !== Array.prototype && o !== Function.prototype) {
    if (Object.prototype.hasOwnProperty.call(o, name)) {
      return { found: true, value: (obj as Record<string, unknown>)[name] };
    }
    o = Object.getPrototypeOf(o) as object | null;
  }
  return { found: false };
}

function byteColumn(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos);
  const nl = before.lastIndexOf('\n');
  let line = 1;
  for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) line++;
  const col = nl < 0 ? Buffer.byteLength(before) : Buffer.byteLength(before.slice(nl + 1));
  return { line, col };
}

export class ExecState {
  private vars: Variable[];
  private node: Node | null = null;
  private out: string[] = [];
  private depth = 0;

  constructor(
    private readonly tmpl: ParsedTemplate,
    private readonly funcs: FuncMap,
    private name: string,
    dot: unknown,
  ) {
    this.vars = [{ name: '$', value: dot }];
  }

  run(dot: unknown): string {
    try {
      this.walk(dot, this.tmpl.root);
    } catch (e) {
      if (e instanceof TemplateExecError) e.output = this.out.join('');
      throw e;
    }
    return this.out.join('');
  }

  // ---- errors

  private at(n: Node): void {
    this.node = n;
  }

  errorf(msg: string): never {
    if (this.node === null) throw new TemplateExecError(`template: ${this.name}: ${msg}`);
    const { line, col } = byteColumn(this.tmpl.text, this.node.pos);
    throw new TemplateExecError(
      `template: :${line}:${col}: executing ${quote(this.name)} at <${nodeString(this.node)}>: ${msg}`,
    );
  }

  // ---- variables

  private mark(): number {
    return this.vars.length;
  }
  private pop(mark: number): void {
    this.vars.length = mark;
  }
  private push(name: string, value: unknown): void {
    this.vars.push({ name, value });
  }
  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: unknown): void {
    this.vars[this.vars.length - n]!.value = value;
  }
  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) return this.vars[i]!.value;
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // ---- walking

  private walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'if':
      case 'with':
        return this.walkIfOrWith(node.type, dot, node.pipe, node.list, node.elseList);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        return this.walkTemplate(dot, node);
      case 'text':
        this.out.push(node.text);
        return;
      default:
        this.errorf(`unknown node: ${nodeString(node)}`);
    }
  }

  private walkIfOrWith(
    typ: 'if' | 'with',
    dot: unknown,
    pipe: PipeNode,
    list: ListNode,
    elseList: ListNode | null,
  ): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, pipe);
      if (isTrue(val)) this.walk(typ === 'with' ? val : dot, list);
      else if (elseList) this.walk(dot, elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: unknown, r: RangeNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const decl = r.pipe.decl;
      const oneIteration = (index: unknown, elem: unknown) => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
      };
      switch (kindOf(val)) {
        case 'slice': {
          const arr = val as unknown[];
          if (arr.length === 0) break;
          arr.forEach((e, i) => oneIteration(i, e));
          return;
        }
        case 'map': {
          const obj = val as Record<string, unknown>;
          const keys = mapKeysSorted(obj);
          if (keys.length === 0) break;
          for (const k of keys) oneIteration(k, obj[k]);
          return;
        }
        case 'int': {
          if (decl.length > 1) {
            this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
          }
          const n = Number(val);
          if (n <= 0) break;
          for (let i = 0; i < n; i++) oneIteration(undefined, i);
          return;
        }
        case 'invalid':
        case 'nil':
          break;
        default:
          this.errorf(`range can't iterate over ${formatValue(val)}`);
      }
      if (r.elseList) this.walk(dot, r.elseList);
    } catch (e) {
      if (e !== BREAK) throw e;
    } finally {
      this.pop(outer);
    }
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tree = this.tmpl.defs.get(t.name);
    if (tree === undefined) this.errorf(`template ${quote(t.name)} not defined`);
    if (this.depth >= MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    const newDot = t.pipe ? this.evalPipeline(dot, t.pipe) : undefined;
    const savedVars = this.vars;
    const savedName = this.name;
    this.vars = [{ name: '$', value: newDot }];
    this.name = t.name;
    this.depth++;
    try {
      this.walk(newDot, tree);
    } finally {
      this.depth--;
      this.vars = savedVars;
      this.name = savedName;
    }
  }

  // ---- evaluation

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.push(v.ident[0]!, value);
    }
    return value;
  }

  private notAFunction(args: Node[] | null, final: Final): void {
    if ((args && args.length > 1) || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args![0]!)}`);
    }
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
    this.errorf(`can't evaluate command ${quote(nodeString(first))}`);
  }

  private idealConstant(n: NumberNode): unknown {
    this.at(n);
    if (n.isComplex) this.errorf(`complex constant ${n.text} is not supported`);
    const isRuneOrHex = n.text.startsWith("'") || /^[+-]?0[xX][0-9a-fA-F_]*$/.test(n.text);
    if (n.isFloat && !isRuneOrHex && /[.eEpP]/.test(n.text)) return n.float;
    if (n.isInt) {
      const v = n.int;
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    this.errorf(`${n.text} overflows int`);
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: Node[] | null, final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: Node[] | null, final: Final): unknown {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: Node[] | null, final: Final): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: Node,
    ident: string[],
    args: Node[] | null,
    final: Final,
  ): unknown {
    const n = ident.length;
    // A value looked up in a map is an interface{} in Go, which is how errors name its type.
    let viaMap = false;
    for (let i = 0; i < n - 1; i++) {
      const isMap = kindOf(receiver) === 'map';
      receiver = this.evalField(dot, ident[i]!, node, null, MISSING, receiver, viaMap);
      viaMap = isMap;
    }
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver, viaMap);
  }

  private evalField(
    dot: unknown,
    fieldName: string,
    node: Node,
    args: Node[] | null,
    final: Final,
    receiver: unknown,
    viaMap = false,
  ): unknown {
    if (receiver === undefined) return undefined;
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    const kind = kindOf(receiver);
    if (typeof receiver === 'object' || typeof receiver === 'function') {
      const prop = lookupProperty(receiver as object, fieldName);
      if (prop.found && typeof prop.value === 'function' && kind !== 'slice') {
        const method = prop.value as (...a: unknown[]) => unknown;
        const def: FuncDef = { params: [], variadic: 'any', fn: (...a: unknown[]) => method.apply(receiver, a) };
        return this.evalCall(dot, def, false, node, fieldName, args, final);
      }
      if (kind === 'struct') {
        if (prop.found) {
          if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
          return prop.value;
        }
      } else if (kind === 'map') {
        if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
        return prop.found ? prop.value : undefined;
      }
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${viaMap ? 'interface {}' : goTypeName(receiver)}`);
  }

  private evalFunction(
    dot: unknown,
    node: IdentifierNode,
    cmd: Node,
    args: Node[] | null,
    final: Final,
  ): unknown {
    this.at(node);
    const name = node.ident;
    const fn = Object.prototype.hasOwnProperty.call(this.funcs, name) ? this.funcs[name] : undefined;
    if (fn === undefined) this.errorf(`${quote(name)} is not a defined function`);
    return this.evalCall(dot, fn, true, cmd, name, args, final);
  }

  private evalCall(
    dot: unknown,
    fun: FuncDef,
    isBuiltin: boolean,
    node: Node,
    name: string,
    argNodes: Node[] | null,
    final: Final,
  ): unknown {
    const args = argNodes ? argNodes.slice(1) : [];
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    let numFixed = args.length;
    if (fun.variadic !== undefined) {
      numFixed = fun.params.length;
      if (numIn < numFixed) {
        this.errorf(`wrong number of args for ${name}: want at least ${fun.params.length} got ${args.length}`);
      }
    } else if (numIn !== fun.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${fun.params.length} got ${numIn}`);
    }

    // and/or short-circuit, returning the deciding operand.
    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: unknown;
      for (const arg of args) {
        v = this.evalArg(dot, 'value', arg);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'value');
      return v;
    }

    const argv: unknown[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, fun.params[i]!, args[i]!));
    if (fun.variadic !== undefined) {
      for (; i < args.length; i++) argv.push(this.evalArg(dot, fun.variadic, args[i]!));
    }
    if (final !== MISSING) {
      let t: ParamType;
      if (fun.variadic !== undefined) t = numIn - 1 < numFixed ? fun.params[numIn - 1]! : fun.variadic;
      else t = fun.params[fun.params.length - 1]!;
      argv.push(this.validateType(final, t));
    }
    if (isBuiltin && name === 'call') argv.unshift(args.length > 0 ? nodeString(args[0]!) : '');

    try {
      return fun.fn(...argv);
    } catch (e) {
      if (e instanceof TemplateExecError) throw e;
      this.at(node);
      this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private validateType(value: unknown, typ: ParamType | null): unknown {
    if (value === undefined) {
      if (typ === null || typ === 'value') return undefined;
      if (typ === 'any' || typ === 'strings') return null;
      this.errorf(`invalid value; expected ${GO_PARAM_NAME[typ]}`);
    }
    const wrong = (): never =>
      this.errorf(`wrong type for value; expected ${GO_PARAM_NAME[typ!]}; got ${goTypeName(value)}`);
    switch (typ) {
      case null:
      case 'any':
      case 'value':
        return value;
      case 'string':
        return typeof value === 'string' ? value : wrong();
      case 'int':
        if (typeof value === 'bigint') return Number(value);
        return typeof value === 'number' && Number.isInteger(value) ? value : wrong();
      case 'float':
        if (typeof value === 'bigint') return Number(value);
        return typeof value === 'number' ? value : wrong();
      case 'bool':
        return typeof value === 'boolean' ? value : wrong();
      case 'strings':
        if (value === null) return null;
        return Array.isArray(value) && value.every((e) => typeof e === 'string') ? value : wrong();
    }
  }

  private evalArg(dot: unknown, typ: ParamType | null, n: Node): unknown {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === null || typ === 'any' || typ === 'strings') return null;
        if (typ === 'value') return undefined;
        this.errorf(`cannot assign nil to ${GO_PARAM_NAME[typ]}`);
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), typ);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), typ);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, null, MISSING), typ);
    }
    const found = nodeString(n);
    switch (typ) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.errorf(`expected bool; found ${found}`);
      case 'int':
        if (n.type === 'number' && n.isInt) return Number(n.int);
        this.errorf(`expected integer; found ${found}`);
      case 'float':
        if (n.type === 'number' && n.isFloat) return n.float;
        this.errorf(`expected float; found ${found}`);
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${found}`);
      case 'any':
      case 'value':
      case null:
        return this.evalEmptyInterface(dot, n);
      default:
        this.errorf(`can't handle ${found} for arg of type ${GO_PARAM_NAME[typ]}`);
    }
  }

  private evalEmptyInterface(dot: unknown, n: Node): unknown {
    this.at(n);
    switch (n.type) {
      case 'bool':
        return n.value;
      case 'dot':
        return dot;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
      case 'nil':
        this.errorf('evalEmptyInterface: nil (can\'t happen)');
    }
    this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
  }

  private printValue(n: Node, v: unknown): void {
    this.at(n);
    if (v === undefined) {
      this.out.push('<no value>');
      return;
    }
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(n)} of type ${goTypeName(v)}`);
    this.out.push(typeof v === 'string' ? v : formatValue(v));
  }
}

/** Values the html/js/urlquery builtins stringify (text/template's evalArgs). */
export function evalArgsString(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : a)));
}

