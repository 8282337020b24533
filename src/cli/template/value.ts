// How the template engine sees JS values in Go terms. Templates run over plain JSON-ish data, so:
//   undefined          -> an invalid reflect.Value ("<no value>": a missing map key)
//   null               -> nil (prints "<nil>")
//   boolean            -> bool
//   number             -> int when integral, float64 otherwise
//   bigint             -> int64
//   string             -> string
//   Array              -> slice ([]string when every element is a string, else []interface {})
//   Date               -> time.Time
//   function           -> a method: called with the template arguments when used as a field
//   plain object       -> map[string]interface {} (keys sorted when printed or ranged)
//   class instance, or an object marked with goStruct()
//                      -> a struct: fields in declaration order, getters and methods readable,
//                         a missing field is an error as in Go, always true in if/with.

/** Symbol under which goStruct() records an object's Go type name. */
export const GO_TYPE: unique symbol = Symbol.for('berth.template.goType');

/** Marks `obj` as a Go struct named `typeName` (e.g. "formatter.ContainerContext"): `{{.}}` prints it
 * as `{v1 v2}`, and a field it lacks is an execution error rather than `<no value>`. Returns `obj`. */
export function goStruct<T extends object>(typeName: string, obj: T): T {
  Object.defineProperty(obj, GO_TYPE, { value: typeName, enumerable: false, configurable: true });
  return obj;
}

/** The Go struct type name of a goStruct() object or a class instance; undefined for plain objects
 * (maps). */
export function structTypeName(v: unknown): string | undefined {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const t = (v as { [GO_TYPE]?: unknown })[GO_TYPE];
    if (typeof t === 'string') return t;
    const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
    if (proto !== null && proto !== Object.prototype && !(v instanceof Date)) {
      return proto.constructor?.name || 'struct';
    }
  }
  return undefined;
}

export type GoKind =
  | 'invalid'
  | 'nil'
  | 'bool'
  | 'int'
  | 'float'
  | 'string'
  | 'slice'
  | 'map'
  | 'struct'
  | 'time'
  | 'func';

export function kindOf(v: unknown): GoKind {
  switch (typeof v) {
    case 'undefined':
      return 'invalid';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isSafeInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    case 'symbol':
      return 'string';
    default:
      if (v === null) return 'nil';
      if (Array.isArray(v)) return 'slice';
      if (v instanceof Date) return 'time';
      if (structTypeName(v) !== undefined) return 'struct';
      return 'map';
  }
}

/** Go's reflect type string for a value, as printed by %T and in error messages. */
export function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return typeof v === 'bigint' ? 'int64' : 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'slice':
      return (v as unknown[]).length > 0 && (v as unknown[]).every((e) => typeof e === 'string')
        ? '[]string'
        : '[]interface {}';
    case 'time':
      return 'time.Time';
    case 'func':
      return 'func(...interface {}) interface {}';
    case 'struct':
      return structTypeName(v)!;
    case 'map':
      return 'map[string]interface {}';
  }
}

/** Keys of a map or struct value: struct fields in declaration order, map keys sorted as Go's fmtsort
 * does for string keys (byte-wise; UTF-16 order is the same outside surrogate pairs). */
export function objectKeys(v: object, sorted: boolean): string[] {
  const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
  if (sorted) keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys;
}

export function mapKeysSorted(v: object): string[] {
  return objectKeys(v, structTypeName(v) === undefined);
}

/** The length Go's len() reports: bytes of a string (UTF-8), elements of a slice, keys of a map. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Go's truth(): false for zero values and empty containers. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return typeof v === 'bigint' ? v !== 0n : (v as number) !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return (v as unknown[]).length > 0;
    case 'map':
      return objectKeys(v as object, false).length > 0;
    case 'struct':
    case 'time':
    case 'func':
      return true;
  }
}
