// Compose variable substitution and .env parsing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate } from '../../src/compose/interpolate.js';
import { parseDotenv } from '../../src/compose/dotenv.js';

const env: Record<string, string> = { SET: 'value', EMPTY: '' };
const lookup = (n: string) => env[n];
const sub = (s: string, onMissing?: (n: string) => void) => interpolate(s, { lookup, onMissing });

describe('compose interpolation', () => {
  it('substitutes $X and ${X}', () => {
    assert.equal(sub('a $SET b ${SET}c'), 'a value b valuec');
  });
  it('turns $$ into a literal $', () => {
    assert.equal(sub('$$SET and $${SET}'), '$SET and ${SET}');
  });
  it('uses :- defaults for unset or empty, - defaults for unset only', () => {
    assert.equal(sub('${UNSET:-d}|${EMPTY:-d}|${SET:-d}'), 'd|d|value');
    assert.equal(sub('${UNSET-d}|${EMPTY-d}|${SET-d}'), 'd||value');
  });
  it('interpolates inside defaults', () => {
    assert.equal(sub('${UNSET:-${SET}-x}'), 'value-x');
    assert.equal(sub('${UNSET:-${ALSO_UNSET:-deep}}'), 'deep');
  });
  it('fails with the message for :? and ?', () => {
    assert.throws(() => sub('${UNSET:?must be set}'), /required variable UNSET is missing a value: must be set/);
    assert.throws(() => sub('${EMPTY:?no}'), /required variable EMPTY is missing a value: no/);
    assert.equal(sub('${EMPTY?no}'), '');
    assert.throws(() => sub('${UNSET?}'), /^Error: required variable UNSET is missing a value$/);
  });
  it('replaces with :+ and + only when set', () => {
    assert.equal(sub('${SET:+r}|${EMPTY:+r}|${UNSET:+r}'), 'r||');
    assert.equal(sub('${SET+r}|${EMPTY+r}|${UNSET+r}'), 'r|r|');
  });
  it('reports unset variables and substitutes ""', () => {
    const missing: string[] = [];
    assert.equal(sub('[$UNSET][${UNSET2}]', (n) => missing.push(n)), '[][]');
    assert.deepEqual(missing, ['UNSET', 'UNSET2']);
  });
  it('leaves a lone $ alone and rejects a bad brace', () => {
    assert.equal(sub('cost: 5$ and $'), 'cost: 5$ and $');
    assert.throws(() => interpolate('${', { lookup, path: 'services.web.image' }), /invalid interpolation format for services.web.image/);
    assert.throws(() => sub('${-x}'), /invalid interpolation format/);
  });
});

describe('compose .env files', () => {
  it('reads quoted, unquoted, exported and commented lines', () => {
    const text = [
      '# a comment',
      'A=plain # trailing comment',
      'export B=exported',
      "C='single $A \\n'",
      'D="double ${A}\\nnext"',
      'E=',
      'F=${A}-${OUTSIDE}',
      'G="multi',
      'line"',
    ].join('\n');
    assert.deepEqual(parseDotenv(text, (n) => (n === 'OUTSIDE' ? 'os' : undefined)), {
      A: 'plain', B: 'exported', C: 'single $A \\n', D: 'double plain\nnext', E: '', F: 'plain-os', G: 'multi\nline',
    });
  });
  it('names the file and line of a bad key', () => {
    assert.throws(() => parseDotenv('OK=1\nBAD KEY=2\n', undefined, '/p/.env'), /\/p\/\.env:2: unexpected character/);
  });
});
