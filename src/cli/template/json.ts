// JSON as Go's encoding/json writes it: compact (or MarshalIndent-style), object keys in insertion
// order (the order of a Go struct's fields), Go's string escaping (\u2028 and \u2029 escaped, invalid
// UTF-16 replaced by \ufffd, and optionally <, > and & as \u003c, \u003e, \u0026).

export interface GoJsonOptions {
  /** Escape <, > and & (Go's default; docker's `{{json}}` template function turns it off). */
  escapeHTML?: boolean;
  /** Indent string per level, as json.MarshalIndent(v, prefix, indent). */
  indent?: string;
  /** Prefix for every line after the first (MarshalIndent's prefix). */
  prefix?: string;
}

export function jsonString(s: string, escapeHTML: boolean): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20) {
      switch (c) {
        case 0x08:
          rep = '\\b';
          break;
        case 0x0c:
          rep = '\\f';
          break;
        case 0x0a:
          rep = '\\n';
          break;
        case 0x0d:
          rep = '\\r';
          break;
        case 0x09:
          rep = '\\t';
          break;
        default:
          rep = '\\u00' + c.toString(16).padStart(2, '0');
      }
    } else if (c === 0x22) rep = '\\"';
    else if (c === 0x5c) rep = '\\\\';
    else if (escapeHTML && (c === 0x3c || c === 0x3e || c === 0x26)) rep = '\\u00' + c.toString(16);
    else if (c === 0x2028 || c === 0x2029) rep = '\\u' + c.toString(16);
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      rep = '\\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) rep = '\\ufffd';
    if (rep !== undefined) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

function encodable(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
}

/** Encodes like Go's json.Marshal / MarshalIndent. Throws on NaN and infinities as Go does. */
export function goJson(value: unknown, opts: GoJsonOptions = {}): string {
  const escapeHTML = opts.escapeHTML ?? true;
  const indent = opts.indent ?? '';
  const prefix = opts.prefix ?? '';
  const seen = new Set<object>();

  const enc = (v: unknown, depth: number): string => {
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      v = (v as { toJSON: () => unknown }).toJSON();
    }
    switch (typeof v) {
      case 'undefined':
      case 'function':
      case 'symbol':
        return 'null';
      case 'boolean':
        return v ? 'true' : 'false';
      case 'bigint':
        return v.toString();
      case 'number':
        if (!Number.isFinite(v)) throw new Error(`json: unsupported value: ${v === Infinity ? '+Inf' : String(v)}`);
        return Object.is(v, -0) ? '-0' : JSON.stringify(v);
      case 'string':
        return jsonString(v, escapeHTML);
    }
    if (v === null) return 'null';
    const obj = v as object;
    if (seen.has(obj)) throw new Error('json: unsupported value: encountered a cycle');
    seen.add(obj);
    try {
      const nl = indent ? '\n' + prefix + indent.repeat(depth + 1) : '';
      const close = indent ? '\n' + prefix + indent.repeat(depth) : '';
      if (Array.isArray(obj)) {
        if (obj.length === 0) return '[]';
        return '[' + obj.map((e) => nl + enc(e, depth + 1)).join(',') + close + ']';
      }
      const rec = obj as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of Object.keys(rec)) {
        const e = rec[k];
        if (!encodable(e)) continue;
        parts.push(nl + jsonString(k, escapeHTML) + (indent ? ': ' : ':') + enc(e, depth + 1));
      }
      if (parts.length === 0) return '{}';
      return '{' + parts.join(',') + close + '}';
    } finally {
      seen.delete(obj);
    }
  };
  return enc(value, 0);
}
