// Output formatting shared by commands: --format templates, tables, inspect's JSON, times.
import { compileTemplate, renderFormatted } from './template/index.js';
import { goJson } from './template/json.js';
import { humanDuration } from './units.js';
import { StatusError, type CliContext } from './context.js';

export function executeTemplate(format: string, data: unknown): string {
  try {
    return compileTemplate(format).execute(data);
  } catch (e) {
    throw new StatusError((e as Error).message, 1);
  }
}

/** Rows through a --format value; an empty format or plain `table` is the command's default table. */
export function formatList(format: string, rows: object[], headers: Record<string, string>, defaultTable: string): string {
  try {
    return renderFormatted(format || 'table', rows, headers, { defaultTableFormat: defaultTable });
  } catch (e) {
    throw new StatusError((e as Error).message, 1);
  }
}

/** `x ago` as docker/cli prints CreatedSince. */
export function createdSince(unixSeconds: number): string {
  if (!unixSeconds) return 'N/A';
  return humanDuration(Date.now() - unixSeconds * 1000) + ' ago';
}

/** Go's time.Time.String(): `2006-01-02 15:04:05 -0700 MST` in local time. */
export function goTimeString(d: Date): string {
  const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((x) => x.type === 'timeZoneName')?.value ?? 'UTC';
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${sign}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)} ${zone}`;
}

/**
 * docker inspect's output: a JSON array indented by four spaces (Go's MarshalIndent), or one
 * template result per object; objects that are not found are reported after, exit status 1.
 */
export async function printInspect(ctx: CliContext, names: string[], format: string | undefined, fetch: (name: string) => Promise<unknown>, _kind: string): Promise<number> {
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const n of names) {
    try {
      found.push(await fetch(n));
    } catch (e) {
      const status = (e as { status?: number }).status;
      errors.push(status !== undefined ? `Error response from daemon: ${(e as Error).message}` : (e as Error).message);
    }
  }
  if (format && format !== 'json') {
    const t = (() => { try { return compileTemplate(format); } catch (e) { throw new StatusError(`template parsing error: ${(e as Error).message}`, 1); } })();
    for (const obj of found) ctx.out.write(t.execute(obj) + '\n');
  } else if (format === 'json') {
    // docker/cli's jsonInspector: the same array, compact on one line.
    ctx.out.write(goJson(found) + '\n');
  } else {
    ctx.out.write(goJson(found, { indent: '    ' }) + '\n');
  }
  if (errors.length) {
    ctx.err.write(errors.join('\n') + '\n');
    return 1;
  }
  return 0;
}
