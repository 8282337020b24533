// Go's time.Duration.String, for texts Docker prints with it ("Health check exceeded timeout (30s)",
// duration flags' defaults).
const US = 1000;
const MS = 1000 * US;
const SEC = 1000 * MS;

function fmtFrac(v: number, prec: number): { frac: string; rest: number } {
  let s = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10;
    print = print || digit !== 0;
    if (print) s = String(digit) + s;
    v = Math.floor(v / 10);
  }
  return { frac: print ? '.' + s : '', rest: v };
}

/** time.Duration.String for nanoseconds: "1h2m3s", "1.5s", "300ms", "0s". */
export function formatDuration(ns: number): string {
  const neg = ns < 0;
  let u = Math.abs(Math.trunc(ns));
  let out: string;
  if (u < SEC) {
    if (u === 0) return '0s';
    let prec: number;
    let unit: string;
    if (u < US) {
      prec = 0;
      unit = 'ns';
    } else if (u < MS) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const { frac, rest } = fmtFrac(u, prec);
    out = String(rest) + frac + unit;
  } else {
    const { frac, rest } = fmtFrac(u, 9);
    u = rest;
    out = String(u % 60) + frac + 's';
    u = Math.floor(u / 60);
    if (u > 0) {
      out = String(u % 60) + 'm' + out;
      u = Math.floor(u / 60);
      if (u > 0) out = String(u) + 'h' + out;
    }
  }
  return neg ? '-' + out : out;
}
