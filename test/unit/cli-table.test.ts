// Cases from Go's src/text/tabwriter/tabwriter_test.go (the ones without escapes or HTML filtering),
// plus docker/cli's settings (minwidth 10, tabwidth 1, padding 3) and its go-runewidth widths.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TabWriter, type TabwriterOptions, stringWidth, tabwrite } from '../../src/cli/table.js';

type GoCase = [name: string, minwidth: number, tabwidth: number, padding: number, padchar: string, flags: Partial<TabwriterOptions>, src: string, expected: string];

const runes: Partial<TabwriterOptions> = { measure: 'runes' };

const goCases: GoCase[] = [
  ['1a', 8, 0, 1, '.', {}, '', ''],
  ['1a debug', 8, 0, 1, '.', { debug: true }, '', ''],
  ['2', 8, 0, 1, '.', {}, '\n\n\n', '\n\n\n'],
  ['3', 8, 0, 1, '.', {}, 'a\nb\nc', 'a\nb\nc'],
  ['4a', 8, 0, 1, '.', {}, '\t', ''],
  ['4b', 8, 0, 1, '.', { alignRight: true }, '\t', ''],
  ['5', 8, 0, 1, '.', {}, '*\t*', '*.......*'],
  ['5b', 8, 0, 1, '.', {}, '*\t*\n', '*.......*\n'],
  ['5c', 8, 0, 1, '.', {}, '*\t*\t', '*.......*'],
  ['5c debug', 8, 0, 1, '.', { debug: true }, '*\t*\t', '*.......|*'],
  ['5d', 8, 0, 1, '.', { alignRight: true }, '*\t*\t', '.......**'],
  ['6', 8, 0, 1, '.', {}, '\t\n', '........\n'],
  ['7a', 8, 0, 1, '.', {}, 'a) foo', 'a) foo'],
  ['7b', 8, 0, 1, ' ', {}, 'b) foo\tbar', 'b) foo  bar'],
  ['7c', 8, 0, 1, '.', {}, 'c) foo\tbar\t', 'c) foo..bar'],
  ['7d', 8, 0, 1, '.', {}, 'd) foo\tbar\n', 'd) foo..bar\n'],
  ['7e', 8, 0, 1, '.', {}, 'e) foo\tbar\t\n', 'e) foo..bar.....\n'],
  ['8', 8, 0, 1, '*', {}, 'Hello, world!\n', 'Hello, world!\n'],
  ['9a', 1, 0, 0, '.', {}, '1\t2\t3\t4\n11\t222\t3333\t44444\n', '1.2..3...4\n11222333344444\n'],
  ['9c', 1, 0, 0, '.', {}, '1\t2\t3\t4\f11\t222\t3333\t44444\n', '1234\n11222333344444\n'],
  ['9c debug', 1, 0, 0, '.', { debug: true }, '1\t2\t3\t4\f11\t222\t3333\t44444\n', '1|2|3|4\n---\n11|222|3333|44444\n'],
  ['10a', 5, 0, 0, '.', {}, '1\t2\t3\t4\n', '1....2....3....4\n'],
  ['10b', 5, 0, 0, '.', {}, '1\t2\t3\t4\t\n', '1....2....3....4....\n'],
  [
    '11',
    8, 0, 1, '.', runes,
    '本\tb\tc\naa\t\u672c\u672c\u672c\tcccc\tddddd\naaa\tbbbb\n',
    '本.......b.......c\naa......本本本.....cccc....ddddd\naaa.....bbbb\n',
  ],
  [
    '12a',
    8, 0, 1, ' ', { alignRight: true },
    'a\tè\tc\t\naa\tèèè\tcccc\tddddd\t\naaa\tèèèè\t\n',
    '       a       è       c\n      aa     èèè    cccc   ddddd\n     aaa    èèèè\n',
  ],
  ['12b', 2, 0, 0, ' ', {}, 'a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n', 'a  b  c\naa bbbcccc\naaabbbb\n'],
  ['12c', 8, 0, 1, '_', {}, 'a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n', 'a_______b_______c\naa______bbb_____cccc\naaa_____bbbb\n'],
  [
    '13a',
    4, 0, 1, '-', runes,
    '4444\t日本語\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n',
    '4444------日本語-22--1---333\n999999999-22\n7---------22\n------------------88888888\n\n666666-666666-666666----4444\n1------1------999999999-0000000000\n',
  ],
  [
    '13b',
    4, 0, 3, '.', {},
    '4444\t333\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n',
    '4444........333...22...1...333\n999999999...22\n7...........22\n....................88888888\n\n666666...666666...666666......4444\n1........1........999999999...0000000000\n',
  ],
  [
    '13c (tabs, without the HTML tags)',
    8, 8, 1, '\t', {},
    '4444\t333\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n',
    '4444\t\t333\t22\t1\t333\n999999999\t22\n7\t\t22\n\t\t\t\t88888888\n\n666666\t666666\t666666\t\t4444\n1\t1\t999999999\t0000000000\n',
  ],
  [
    '14',
    1, 0, 2, ' ', { alignRight: true },
    '.0\t.3\t2.4\t-5.1\t\n23.0\t12345678.9\t2.4\t-989.4\t\n5.1\t12.0\t2.4\t-7.0\t\n.0\t0.0\t332.0\t8908.0\t\n.0\t-.3\t456.4\t22.1\t\n.0\t1.2\t44.4\t-13.3\t\t',
    '    .0          .3    2.4    -5.1\n  23.0  12345678.9    2.4  -989.4\n   5.1        12.0    2.4    -7.0\n    .0         0.0  332.0  8908.0\n    .0         -.3  456.4    22.1\n    .0         1.2   44.4   -13.3',
  ],
  [
    '14 debug',
    1, 0, 2, ' ', { alignRight: true, debug: true },
    '.0\t.3\t2.4\t-5.1\t\n23.0\t12345678.9\t2.4\t-989.4\t\n5.1\t12.0\t2.4\t-7.0\t\n.0\t0.0\t332.0\t8908.0\t\n.0\t-.3\t456.4\t22.1\t\n.0\t1.2\t44.4\t-13.3\t\t',
    '    .0|          .3|    2.4|    -5.1|\n  23.0|  12345678.9|    2.4|  -989.4|\n   5.1|        12.0|    2.4|    -7.0|\n    .0|         0.0|  332.0|  8908.0|\n    .0|         -.3|  456.4|    22.1|\n    .0|         1.2|   44.4|   -13.3|',
  ],
  ['15a', 4, 0, 0, '.', {}, 'a\t\tb', 'a.......b'],
  ['15b', 4, 0, 0, '.', { discardEmptyColumns: true }, 'a\t\tb', 'a.......b'],
  ['15c', 4, 0, 0, '.', { discardEmptyColumns: true }, 'a\v\vb', 'a...b'],
  ['15d', 4, 0, 0, '.', { alignRight: true, discardEmptyColumns: true }, 'a\v\vb', '...ab'],
  [
    '16a',
    100, 100, 0, '\t', {},
    'a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n',
    'a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n',
  ],
  [
    '16b',
    100, 100, 0, '\t', { discardEmptyColumns: true },
    'a\vb\v\vd\na\vb\v\vd\ve\na\na\vb\vc\vd\na\vb\vc\vd\ve\n',
    'a\tb\td\na\tb\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n',
  ],
  [
    '16b debug',
    100, 100, 0, '\t', { discardEmptyColumns: true, debug: true },
    'a\vb\v\vd\na\vb\v\vd\ve\na\na\vb\vc\vd\na\vb\vc\vd\ve\n',
    'a\t|b\t||d\na\t|b\t||d\t|e\na\na\t|b\t|c\t|d\na\t|b\t|c\t|d\t|e\n',
  ],
  [
    '16c debug',
    100, 100, 0, '\t', { discardEmptyColumns: true, debug: true },
    'a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n',
    'a\t|b\t|\t|d\na\t|b\t|\t|d\t|e\na\na\t|b\t|c\t|d\na\t|b\t|c\t|d\t|e\n',
  ],
];

describe('tabwriter: Go text/tabwriter test table', () => {
  for (const [name, minwidth, tabwidth, padding, padchar, flags, src, expected] of goCases) {
    const opts: TabwriterOptions = { minwidth, tabwidth, padding, padchar, ...flags };
    it(`case ${name}, written at once`, () => assert.equal(tabwrite(src, opts), expected));
    it(`case ${name}, written one character at a time`, () => {
      const w = new TabWriter(opts);
      for (const ch of src) w.write(ch);
      assert.equal(w.flush(), expected);
    });
  }
});

describe('tabwriter: docker settings', () => {
  it('pads columns to the widest cell plus 3, at least 10, and never pads the last cell', () => {
    assert.equal(
      tabwrite('REPOSITORY\tTAG\tIMAGE ID\nbusybox\tlatest\tabc\n'),
      'REPOSITORY   TAG       IMAGE ID\nbusybox      latest    abc\n',
    );
  });

  it('pads a trailing empty cell when the line ends with a tab', () => {
    assert.equal(tabwrite('NAME\tERROR\ndefault\t\n'), 'NAME      ERROR\ndefault   \n');
  });

  it('accepts rows of cells', () => {
    assert.equal(tabwrite([['NAME', 'SIZE'], ['alpine', '7.8MB'], ['x', '']]), 'NAME      SIZE\nalpine    7.8MB\nx         \n');
  });

  it('a line without tabs ends the column block above it', () => {
    assert.equal(tabwrite('a\tb\nlonger-cell\tc\n\nx\ty\n'), 'a             b\nlonger-cell   c\n\nx         y\n');
  });

  it('measures wide characters as two cells, like go-runewidth', () => {
    assert.equal(tabwrite('名前\tX\nab\tY\n'), '名前      X\nab        Y\n');
    assert.equal(tabwrite('aaaaaaaaaa日本\tX\nb\tY\n'), 'aaaaaaaaaa日本   X\nb                Y\n');
  });

  it('keeps the text after the last newline when not terminated', () => {
    assert.equal(tabwrite('a\tb\nc'), 'a         b\nc');
  });

  it('streams: flush returns only new output', () => {
    const w = new TabWriter();
    w.write('x\ty\n');
    assert.equal(w.flush(), 'x         y\n');
    w.write('z\n');
    assert.equal(w.flush(), 'z\n');
  });
});

describe('stringWidth', () => {
  it('counts ASCII as 1, CJK and emoji as 2, combining marks and controls as 0', () => {
    assert.equal(stringWidth('abc'), 3);
    assert.equal(stringWidth('日本語'), 6);
    assert.equal(stringWidth('e\u0301'), 1);
    assert.equal(stringWidth('🐳'), 2);
    assert.equal(stringWidth('a\u0007b'), 2);
    assert.equal(stringWidth('ｘ'), 2); // fullwidth x
  });
});
