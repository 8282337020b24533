// Timestamps as Go's time.RFC3339Nano writes them (UTC, trailing zeros of the fraction dropped),
// from nanoseconds, since Docker reports container times with nanosecond precision.
const HR_ORIGIN = process.hrtime.bigint();
const EPOCH_ORIGIN_NS = BigInt(Date.now()) * 1_000_000n;

/** Wall-clock nanoseconds, monotonic within this process. */
export function nowNs(): bigint {
  return EPOCH_ORIGIN_NS + (process.hrtime.bigint() - HR_ORIGIN);
}

export function rfc3339Nano(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const base = new Date(Number(ms)).toISOString().slice(0, 19);
  const frac = String(ns % 1_000_000_000n).padStart(9, '0').replace(/0+$/, '');
  return `${base}${frac ? '.' + frac : ''}Z`;
}

export const nowRfc3339Nano = (): string => rfc3339Nano(nowNs());
