// The daemon's log: level-filtered lines on stderr, logfmt-like as dockerd writes them.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, fatal: 4 };
let threshold = order.info;

export function setLogLevel(level: string): void {
  if (!(level in order)) throw new Error(`unable to parse logging level: ${level}`);
  threshold = order[level as LogLevel];
}

function emit(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
  if (order[level] < threshold) return;
  let line = `time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(msg)}`;
  if (fields) for (const [k, v] of Object.entries(fields)) line += ` ${k}=${JSON.stringify(v)}`;
  process.stderr.write(line + '\n');
}

export const log = {
  debug: (m: string, f?: Record<string, unknown>) => emit('debug', m, f),
  info: (m: string, f?: Record<string, unknown>) => emit('info', m, f),
  warn: (m: string, f?: Record<string, unknown>) => emit('warn', m, f),
  error: (m: string, f?: Record<string, unknown>) => emit('error', m, f),
};
