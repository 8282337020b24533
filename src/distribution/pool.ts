// A bounded pool: `fn` runs for every item with at most `limit` at once, started in order
// (dockerd's transfer managers: 3 downloads, 5 uploads). One promise per item, in item order.
export function runPool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Array<Promise<R>> {
  let next = 0;
  const out: Array<Promise<R>> = [];
  const settle: Array<[(v: R) => void, (e: unknown) => void]> = [];
  for (let i = 0; i < items.length; i++) out.push(new Promise<R>((res, rej) => { settle[i] = [res, rej]; }));
  const start = (): void => {
    if (next >= items.length) return;
    const i = next++;
    let p: Promise<R>;
    try {
      p = fn(items[i]!);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(settle[i]![0], settle[i]![1]).finally(start);
  };
  for (let k = 0; k < Math.min(limit, items.length); k++) start();
  return out;
}
