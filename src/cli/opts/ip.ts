// Go's net.ParseIP and net.IP.String, for the option validators that normalise addresses
// (--dns, --add-host, -p's host IP).

/** net.ParseIP: 16 bytes (IPv4 as v4-in-v6), or null. No zones, no brackets, no leading zeros. */
export function parseIP(s: string): Uint8Array | null {
  if (s.includes('.') && !s.includes(':')) return parseV4(s);
  if (s.includes(':')) return parseV6(s);
  return null;
}

function parseV4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[12 + i] = n;
  }
  return out;
}

function parseV6(s: string): Uint8Array | null {
  const out = new Uint8Array(16);
  let ellipsis = -1;
  let i = 0;
  let rest = s;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return out;
  }
  while (i < 16) {
    const m = /^[0-9a-fA-F]{1,4}/.exec(rest);
    if (!m) return null;
    // An embedded IPv4 address in the last 4 bytes.
    if (rest[m[0].length] === '.') {
      if (ellipsis < 0 && i !== 12) return null;
      if (i + 4 > 16) return null;
      const v4 = parseV4(rest);
      if (!v4) return null;
      out.set(v4.subarray(12), i);
      i += 4;
      rest = '';
      break;
    }
    const n = parseInt(m[0], 16);
    out[i] = n >> 8;
    out[i + 1] = n & 0xff;
    i += 2;
    rest = rest.slice(m[0].length);
    if (rest === '') break;
    if (rest[0] !== ':' || rest.length === 1) return null;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) return null;
      ellipsis = i;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') return null;
  if (i < 16) {
    if (ellipsis < 0) return null;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) out[j + n] = out[j]!;
    for (let j = ellipsis + n - 1; j >= ellipsis; j--) out[j] = 0;
  } else if (ellipsis >= 0) {
    return null;
  }
  return out;
}

function isV4(ip: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/** net.IP.String: dotted IPv4 for v4 (and v4-mapped) addresses, RFC 5952 IPv6 otherwise. */
export function ipString(ip: Uint8Array): string {
  if (isV4(ip)) return [...ip.subarray(12)].join('.');
  // Longest run of zero groups (at least two) becomes "::".
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 16; i += 2) {
    let j = i;
    while (j < 16 && ip[j] === 0 && ip[j + 1] === 0) j += 2;
    if (j - i > bestLen && j - i >= 4) {
      best = i;
      bestLen = j - i;
    }
    if (j > i) i = j - 2;
  }
  let s = '';
  for (let i = 0; i < 16; i += 2) {
    if (i === best) {
      s += '::';
      i += bestLen - 2;
      continue;
    }
    if (i > 0 && !s.endsWith(':')) s += ':';
    s += ((ip[i]! << 8) | ip[i + 1]!).toString(16);
  }
  return s;
}

/** opts.ValidateIPAddress: the address in canonical form, surrounding spaces allowed. */
export function validateIPAddress(val: string): string {
  const ip = parseIP(val.trim());
  if (!ip) throw new Error(`IP address is not correctly formatted: ${val}`);
  return ipString(ip);
}
