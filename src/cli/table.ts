// Go's text/tabwriter (as forked by docker/cli, which measures cells with go-runewidth): cells are
// terminated by '\t' (or '\v'); '\n' ends a line and '\f' ends a line and a column block. A column
// is a run of tab-terminated cells in consecutive lines; each is padded to its widest cell plus
// `padding` (at least `minwidth`). The text after a line's last tab is not part of a column and is
// never padded; a line without tabs ends all column blocks above it.
//
//   tabwrite('NAME\tSIZE\nalpine\t7MB\n')            // docker's settings: minwidth 10, padding 3
//   tabwrite([['NAME', 'SIZE'], ['alpine', '7MB']])  // same, from cells

export interface TabwriterOptions {
  /** Minimal cell width including any padding (docker: 10). */
  minwidth?: number;
  /** Width of a tab character when padding with tabs (docker: 1). */
  tabwidth?: number;
  /** Padding added to a cell before computing its width (docker: 3). */
  padding?: number;
  /** Padding character (docker: ' '). '\t' pads with tabs. */
  padchar?: string;
  alignRight?: boolean;
  discardEmptyColumns?: boolean;
  tabIndent?: boolean;
  /** Print '|' between columns. */
  debug?: boolean;
  /** How cell widths are measured: terminal cells as docker's fork does (default; wide CJK and
   * emoji count 2), or runes as Go's own text/tabwriter does. */
  measure?: 'cells' | 'runes';
}

/** docker/cli formatter settings: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). */
export const DOCKER_TABWRITER: Required<Pick<TabwriterOptions, 'minwidth' | 'tabwidth' | 'padding' | 'padchar'>> = {
  minwidth: 10,
  tabwidth: 1,
  padding: 3,
  padchar: ' ',
};

// East Asian wide and fullwidth ranges, plus the emoji blocks go-runewidth counts as 2 cells.
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f3],
  [0x26f5, 0x26f5],
  [0x26fa, 0x26fa],
  [0x26fd, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x274e, 0x274e],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f320],
  [0x1f32d, 0x1f335],
  [0x1f337, 0x1f37c],
  [0x1f37e, 0x1f393],
  [0x1f3a0, 0x1f3ca],
  [0x1f3cf, 0x1f3d3],
  [0x1f3e0, 0x1f3f0],
  [0x1f3f4, 0x1f3f4],
  [0x1f3f8, 0x1f43e],
  [0x1f440, 0x1f440],
  [0x1f442, 0x1f4fc],
  [0x1f4ff, 0x1f53d],
  [0x1f54b, 0x1f54e],
  [0x1f550, 0x1f567],
  [0x1f57a, 0x1f57a],
  [0x1f595, 0x1f596],
  [0x1f5a4, 0x1f5a4],
  [0x1f5fb, 0x1f64f],
  [0x1f680, 0x1f6c5],
  [0x1f6cc, 0x1f6cc],
  [0x1f6d0, 0x1f6d2],
  [0x1f6d5, 0x1f6d7],
  [0x1f6eb, 0x1f6ec],
  [0x1f6f4, 0x1f6fc],
  [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f93a],
  [0x1f93c, 0x1f945],
  [0x1f947, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

function isWide(cp: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = WIDE[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Display width in terminal cells, as go-runewidth's StringWidth (non-East-Asian locale). */
export function stringWidth(s: string): number {
  if (PRINTABLE_ASCII.test(s)) return s.length;
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    if (cp < 0x300) {
      w++;
      continue;
    }
    if (ZERO_WIDTH.test(ch) || (cp >= 0x1160 && cp <= 0x11ff) || cp === 0x200b) continue;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

interface Cell {
  text: string;
  width: number;
  htab: boolean;
}

/** A streaming tabwriter: write() text, then flush() to get the formatted output. */
export class TabWriter {
  private readonly minwidth: number;
  private readonly tabwidth: number;
  private readonly padding: number;
  private readonly padchar: string;
  private readonly opts: TabwriterOptions;
  private out = '';
  private cellText = '';
  private lines: Cell[][] = [[]];
  private widths: number[] = [];

  constructor(opts: TabwriterOptions = {}) {
    this.minwidth = opts.minwidth ?? DOCKER_TABWRITER.minwidth;
    this.tabwidth = opts.tabwidth ?? DOCKER_TABWRITER.tabwidth;
    this.padding = opts.padding ?? DOCKER_TABWRITER.padding;
    this.padchar = opts.padchar ?? DOCKER_TABWRITER.padchar;
    if (this.minwidth < 0 || this.tabwidth < 0 || this.padding < 0) {
      throw new RangeError('negative minwidth, tabwidth, or padding');
    }
    this.opts = { ...opts, alignRight: this.padchar === '\t' ? false : opts.alignRight };
  }

  private reset(): void {
    this.cellText = '';
    this.lines = [[]];
    this.widths = [];
  }

  private terminateCell(htab: boolean): number {
    const line = this.lines[this.lines.length - 1]!;
    const width = this.opts.measure === 'runes' ? Array.from(this.cellText).length : stringWidth(this.cellText);
    line.push({ text: this.cellText, width, htab });
    this.cellText = '';
    return line.length;
  }

  write(text: string): void {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === '\t' || ch === '\v' || ch === '\n' || ch === '\f') {
        this.cellText += text.slice(n, i);
        n = i + 1;
        const ncells = this.terminateCell(ch === '\t');
        if (ch === '\n' || ch === '\f') {
          this.lines.push([]);
          if (ch === '\f' || ncells === 1) {
            // A line with a single cell does not affect the formatting of the lines after it.
            this.flushInternal();
            if (ch === '\f' && this.opts.debug) this.out += '---\n';
          }
        }
      }
    }
    this.cellText += text.slice(n);
  }

  /** Formats everything buffered and returns all output produced since the last flush. */
  flush(): string {
    this.flushInternal();
    const out = this.out;
    this.out = '';
    return out;
  }

  private flushInternal(): void {
    if (this.cellText.length > 0) this.terminateCell(false);
    this.format(0, this.lines.length);
    this.reset();
  }

  private writePadding(textw: number, cellw: number, useTabs: boolean): void {
    if (this.padchar === '\t' || useTabs) {
      if (this.tabwidth === 0) return;
      cellw = Math.ceil(cellw / this.tabwidth) * this.tabwidth;
      const n = cellw - textw;
      if (n < 0) throw new Error('internal error');
      this.out += '\t'.repeat(Math.ceil(n / this.tabwidth));
      return;
    }
    this.out += this.padchar.repeat(Math.max(cellw - textw, 0));
  }

  private writeLines(line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]!;
      let useTabs = !!this.opts.tabIndent;
      line.forEach((c, j) => {
        if (j > 0 && this.opts.debug) this.out += '|';
        if (c.text.length === 0) {
          if (j < this.widths.length) this.writePadding(c.width, this.widths[j]!, useTabs);
        } else {
          useTabs = false;
          if (!this.opts.alignRight) {
            this.out += c.text;
            if (j < this.widths.length) this.writePadding(c.width, this.widths[j]!, false);
          } else {
            if (j < this.widths.length) this.writePadding(c.width, this.widths[j]!, false);
            this.out += c.text;
          }
        }
      });
      if (i + 1 === this.lines.length) {
        this.out += this.cellText; // last buffered line: no newline yet
      } else {
        this.out += '\n';
      }
    }
  }

  private format(line0: number, line1: number): void {
    const column = this.widths.length;
    for (let thisLine = line0; thisLine < line1; thisLine++) {
      let line = this.lines[thisLine]!;
      if (column >= line.length - 1) continue;
      // This line has a cell in this column: print the lines before it, then size the column block.
      this.writeLines(line0, thisLine);
      line0 = thisLine;
      let width = this.minwidth;
      let discardable = true;
      for (; thisLine < line1; thisLine++) {
        line = this.lines[thisLine]!;
        if (column >= line.length - 1) break;
        const c = line[column]!;
        const w = c.width + this.padding;
        if (w > width) width = w;
        if (c.width > 0 || c.htab) discardable = false;
      }
      if (discardable && this.opts.discardEmptyColumns) width = 0;
      this.widths.push(width);
      this.format(line0, thisLine);
      this.widths.pop();
      line0 = thisLine;
    }
    this.writeLines(line0, line1);
  }
}

/**
 * Aligns tab-separated text as Go's tabwriter does (docker's settings by default). `input` is either
 * text (cells terminated by '\t', lines by '\n') or rows of cells, which are joined with '\t' and
 * each ended with '\n' (so the last cell of a row is not padded).
 */
export function tabwrite(input: string | readonly (readonly string[])[], opts: TabwriterOptions = {}): string {
  const text = typeof input === 'string' ? input : input.map((row) => row.join('\t') + '\n').join('');
  const w = new TabWriter(opts);
  w.write(text);
  return w.flush();
}
