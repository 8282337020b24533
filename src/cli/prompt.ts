// Docker's y/N confirmation prompt (reads one line from stdin; anything but y/yes is no).
import { createInterface } from 'node:readline';
import type { CliContext } from './context.js';

export async function confirm(ctx: CliContext, question: string): Promise<boolean> {
  ctx.out.write(`${question} [y/N] `);
  const rl = createInterface({ input: process.stdin });
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
