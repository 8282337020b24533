// `berth top` (docker/cli cli/command/container/top.go): the container's processes as the
// daemon's ps lists them, in docker's table (tabwriter minwidth 20, padding 3).
import type { SpecCommand } from '../container/spec-command.js';
import { tabwrite } from '../table.js';

export interface TopResponse { Titles: string[] | null; Processes: string[][] | null }

/** docker's table: titles, then one line per process, tab-aligned. */
export function renderTop(r: TopResponse): string {
  let text = `${(r.Titles ?? []).join('\t')}\n`;
  for (const p of r.Processes ?? []) text += `${p.join('\t')}\n`;
  return tabwrite(text, { minwidth: 20, tabwidth: 1, padding: 3, padchar: ' ' });
}

export const topCmd: SpecCommand = {
  name: 'top',
  usage: 'CONTAINER [ps OPTIONS]',
  description: 'Display the running processes of a container',
  args: { min: 1 },
  interspersed: false,
  helpAliases: ['berth container top', 'berth top'],
  spec: {},
  async run(ctx, _o, args) {
    const [name, ...ps] = args;
    const r = await ctx.client.get<TopResponse>(`/containers/${encodeURIComponent(name!)}/top`, ps.length ? { ps_args: ps.join(' ') } : undefined);
    ctx.out.write(renderTop(r));
  },
};
