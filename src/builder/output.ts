// Build output in stage order while stages run concurrently: the earliest unfinished stage
// streams live, later ones are held back until every stage before them is done, so the text
// reads as a sequential build. With -q nothing streams; the text is kept for an error report.
import type { BuildOutput } from './builder.js';

export interface OutputChannel {
  write(text: string): void;
  done(): void;
}

interface Chan { key: number; buf: string[]; done: boolean }

export class OutputSequencer {
  private readonly chans: Chan[] = [];
  private readonly quietLog: string[] = [];

  constructor(private readonly out: BuildOutput, private readonly quiet: boolean) {}

  channel(key: number): OutputChannel {
    const c: Chan = { key, buf: [], done: false };
    this.chans.push(c);
    this.chans.sort((a, b) => a.key - b.key);
    return {
      write: (text) => this.write(c, text),
      done: () => { c.done = true; this.advance(); },
    };
  }

  private live(): Chan | undefined {
    return this.chans.find((c) => !c.done || c.buf.length);
  }

  private write(c: Chan, text: string): void {
    if (this.live() === c) this.emit(text);
    else c.buf.push(text);
  }

  private advance(): void {
    for (const c of this.chans) {
      for (const t of c.buf.splice(0)) this.emit(t);
      if (!c.done) return;
    }
  }

  private emit(text: string): void {
    if (this.quiet) this.quietLog.push(text);
    else this.out.stream(text);
  }

  /** After success: with -q, the image id is all the output. */
  finish(imageId: string): void {
    if (this.quiet) this.out.stream(`${imageId}\n`);
  }

  /** After a failure: everything held back, in order (with -q, the whole log), before the error. */
  failed(): void {
    for (const c of this.chans) for (const t of c.buf.splice(0)) this.emit(t);
    if (this.quiet) for (const t of this.quietLog.splice(0)) this.out.stream(t);
  }
}
