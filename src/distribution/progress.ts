// Docker's JSON progress messages (moby's streamformatter + jsonmessage.JSONProgress): what a
// pull or push reports per layer, the legacy `progress` bar text older clients print, and a
// throttle so a fast transfer does not flood the client (at most one update per id per 100 ms).

export interface ProgressDetail { current?: number; total?: number; hidecounts?: boolean; units?: string }

export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: ProgressDetail;
  progress?: string;
  stream?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { message: string; code?: number };
}

/** Where a pull or push reports. */
export interface ProgressSink {
  write(m: JsonMessage): void;
}

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units HumanSize: decimal units, four significant digits (`%.4g`): `98.82kB`, `8MB`. */
export function humanSize(n: number): string {
  let i = 0;
  while (n >= 1000 && i < DECIMAL.length - 1) { n /= 1000; i++; }
  return formatG4(n) + DECIMAL[i];
}

function formatG4(v: number): string {
  if (v === 0) return '0';
  return String(Number(v.toPrecision(4)));
}

/**
 * jsonmessage.JSONProgress.String(): `[=====>     ]  3.146MB/8MB` (the bar only when the width
 * exceeds 110 columns; the daemon formats for 200). Empty when there is nothing to show.
 */
export function progressString(p: ProgressDetail, width = 200): string {
  const current = p.current ?? 0;
  const total = p.total ?? 0;
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return p.units ? `${current} ${p.units}` : humanSize(current).padStart(8);
  let percentage = Math.trunc(Math.trunc((current / total) * 100) / 2);
  if (percentage > 50) percentage = 50;
  let bar = '';
  if (width > 110) bar = `[${'='.repeat(percentage)}>${' '.repeat(Math.max(0, 50 - percentage))}] `;
  let numbers = '';
  if (!p.hidecounts) {
    if (!p.units) {
      numbers = `${humanSize(current).padStart(8)}/${humanSize(total)}`;
      if (current > total) numbers = humanSize(current).padStart(8);
    } else {
      numbers = current > total ? `${current} ${p.units}` : `${current}/${total} ${p.units}`;
    }
  }
  return bar + numbers;
}

/** A status line for a layer or tag (`Pulling fs layer`, `Pushed`), with the empty detail Docker sends. */
export function statusMessage(id: string, status: string): JsonMessage {
  return { status, progressDetail: {}, id };
}

/** A progress update (`Downloading`, `Extracting`, `Pushing`). */
export function progressMessage(id: string, status: string, current: number, total: number): JsonMessage {
  const progressDetail: ProgressDetail = { current, total };
  return { status, progressDetail, progress: progressString(progressDetail), id };
}

/** Emits progress updates at most every `intervalMs` per id; the last one always goes out. */
export class ProgressThrottle {
  private readonly last = new Map<string, number>();
  constructor(private readonly sink: ProgressSink, private readonly intervalMs = 100) {}

  update(id: string, status: string, current: number, total: number, force = false): void {
    const now = Date.now();
    const key = id + '\0' + status;
    const prev = this.last.get(key);
    if (!force && prev !== undefined && now - prev < this.intervalMs) return;
    this.last.set(key, now);
    this.sink.write(progressMessage(id, status, current, total));
  }
}
