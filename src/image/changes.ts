// `--change` for import (and later commit): a subset of Dockerfile instructions applied to an
// image config. The builder's full parser replaces the word splitting here once it lands.
import { invalidParameter } from '../common/errors.js';
import type { ContainerConfig } from './types.js';

const ALLOWED = new Set(['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR']);

export function applyChanges(cfg: ContainerConfig, changes: string[]): ContainerConfig {
  const out: ContainerConfig = { ...cfg };
  for (const raw of changes) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(\S+)\s*(.*)$/s.exec(line)!;
    const instr = m[1].toUpperCase();
    const rest = m[2].trim();
    if (!ALLOWED.has(instr)) throw invalidParameter(`${m[1].toLowerCase()} is not a valid change command`);
    switch (instr) {
      case 'CMD': out.Cmd = execOrShell(rest); break;
      case 'ENTRYPOINT': out.Entrypoint = execOrShell(rest); break;
      case 'ENV': out.Env = mergeEnv(out.Env ?? [], keyValues(rest, 'ENV')); break;
      case 'LABEL': out.Labels = { ...(out.Labels ?? {}), ...Object.fromEntries(keyValues(rest, 'LABEL')) }; break;
      case 'EXPOSE': {
        const ports = { ...(out.ExposedPorts ?? {}) };
        for (const p of words(rest)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw invalidParameter(`invalid containerPort: ${p}`);
          ports[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        }
        out.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(out.Volumes ?? {}) };
        const list = rest.startsWith('[') ? jsonArray(rest, 'VOLUME') : words(rest);
        for (const v of list) vols[v] = {};
        out.Volumes = vols;
        break;
      }
      case 'USER': out.User = rest; break;
      case 'WORKDIR': out.WorkingDir = rest; break;
      case 'STOPSIGNAL': out.StopSignal = rest; break;
      case 'ONBUILD': out.OnBuild = [...(out.OnBuild ?? []), rest]; break;
    }
  }
  return out;
}

function execOrShell(rest: string): string[] {
  if (rest.startsWith('[')) {
    try { return jsonArray(rest, 'CMD'); } catch { /* not JSON: Docker falls back to the shell form */ }
  }
  return ['/bin/sh', '-c', rest];
}

function jsonArray(s: string, instr: string): string[] {
  let v: unknown;
  try { v = JSON.parse(s); } catch { throw invalidParameter(`${instr}: invalid JSON array: ${s}`); }
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalidParameter(`${instr}: invalid JSON array: ${s}`);
  return v as string[];
}

/** Splits on whitespace honouring double and single quotes and backslash escapes. */
export function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") { quote = c; has = true; }
    else if (c === '\\' && i + 1 < s.length) { cur += s[++i]; has = true; }
    else if (/\s/.test(c)) { if (has || cur) out.push(cur); cur = ''; has = false; }
    else { cur += c; has = true; }
  }
  if (quote) throw invalidParameter(`unmatched quote in: ${s}`);
  if (has || cur) out.push(cur);
  return out;
}

/** `k=v k2="v 2"` or the legacy single pair `k v w`. */
function keyValues(rest: string, instr: string): Array<[string, string]> {
  const ws = words(rest);
  if (ws.length === 0) throw invalidParameter(`${instr} requires at least one argument`);
  if (!ws[0].includes('=')) {
    if (ws.length < 2) throw invalidParameter(`${instr} must have two arguments`);
    return [[ws[0], rest.slice(rest.indexOf(ws[0]) + ws[0].length).trim()]];
  }
  return ws.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw invalidParameter(`${instr} names can not be blank`);
    return [w.slice(0, i), w.slice(i + 1)];
  });
}

function mergeEnv(env: string[], pairs: Array<[string, string]>): string[] {
  const out = [...env];
  for (const [k, v] of pairs) {
    const i = out.findIndex((e) => e.split('=')[0] === k);
    if (i >= 0) out[i] = `${k}=${v}`;
    else out.push(`${k}=${v}`);
  }
  return out;
}
