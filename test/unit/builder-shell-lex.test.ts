// Cases from BuildKit's frontend/dockerfile/shell tests: envVarTest (ProcessWord with
// PWD=/home SHELL=bash KOREAN=한국어 NULL=), wordsTest (ProcessWords) and lex_test.go
// (TestProcessWithMatches, TestShellParserMandatoryEnvVars).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/common/errors.js';
import { ShellLex, type EnvLookup } from '../../src/builder/shell-lex.js';

const envOf = (vars: Record<string, string>): EnvLookup => (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined);
const ENV = envOf({ PWD: '/home', SHELL: 'bash', KOREAN: '한국어', NULL: '' });
const lex = new ShellLex('\\');

function throwsInvalid(fn: () => unknown, message?: string | RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidParameter'), `expected InvalidParameter, got ${String(e)}`);
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else if (message) assert.match((e as Error).message, message);
    return true;
  });
}

describe('ShellLex.processWord (envVarTest)', () => {
  const cases: Array<[string, string | null]> = [
    ['hello', 'hello'],
    ["he'll'o", 'hello'],
    ["he'llo", null],
    ["he\\'llo", "he'llo"],
    ["he\\\\'llo", null],
    ['abc\\tdef', 'abctdef'],
    ['"abc\\tdef"', 'abc\\tdef'],
    ['"abc\\\\tdef"', 'abc\\tdef'],
    ["'abc\\tdef'", 'abc\\tdef'],
    ['hello\\', 'hello'],
    ['hello\\\\', 'hello\\'],
    ['"hello', null],
    ['"hello\\"', null],
    ['"hel\'lo"', "hel'lo"],
    ["'hello", null],
    ["'hello\\'", 'hello\\'],
    ["'hello\\there'", 'hello\\there'],
    ["'hello\\\\there'", 'hello\\\\there'],
    ['"\'\'"', "''"],
    ['$.', '$.'],
    ['he$1x', 'hex'],
    ['he$.x', 'he$.x'],
    ['he$pwd.', 'he.'],
    ['he$PWD', 'he/home'],
    ['he\\$PWD', 'he$PWD'],
    ['he\\\\$PWD', 'he\\/home'],
    ['"he\\$PWD"', 'he$PWD'],
    ['"he\\\\$PWD"', 'he\\/home'],
    ['\\${}', '${}'],
    ['\\${}aaa', '${}aaa'],
    ['he\\${}', 'he${}'],
    ['he\\${}xx', 'he${}xx'],
    ['${}', null],
    ['${}aaa', null],
    ['he${}', null],
    ['he${}xx', null],
    ['he${hi}', 'he'],
    ['he${hi}xx', 'hexx'],
    ['he${PWD}', 'he/home'],
    ['he${.}', null],
    ['he${XXX:-000}xx', 'he000xx'],
    ['he${PWD:-000}xx', 'he/homexx'],
    ['he${XXX:-$PWD}xx', 'he/homexx'],
    ['he${XXX:-${PWD:-yyy}}xx', 'he/homexx'],
    ['he${XXX:-${YYY:-yyy}}xx', 'heyyyxx'],
    ['he${XXX:YYY}', null],
    ['he${XXX?}', null],
    ['he${XXX:?}', null],
    ['he${PWD?}', 'he/home'],
    ['he${PWD:?}', 'he/home'],
    ['he${NULL?}', 'he'],
    ['he${NULL:?}', null],
    ['he${XXX:+${PWD}}xx', 'hexx'],
    ['he${PWD:+${XXX}}xx', 'hexx'],
    ['he${PWD:+${SHELL}}xx', 'hebashxx'],
    ['he${XXX:+000}xx', 'hexx'],
    ['he${PWD:+000}xx', 'he000xx'],
    ["'he${XX}'", 'he${XX}'],
    ['"he${PWD}"', 'he/home'],
    ['"he\'$PWD\'"', "he'/home'"],
    ['"$PWD"', '/home'],
    ["'$PWD'", '$PWD'],
    ["'\\$PWD'", '\\$PWD'],
    ['\'"hello"\'', '"hello"'],
    ["'he\\$PWD'", 'he\\$PWD'],
    ['he${PWD', null],
    ['he${PWD=000}xx', null],
    ['he${PWD+000}xx', 'he000xx'],
    ['he${PWD-000}xx', 'he/homexx'],
    ['he${XXX=000}xx', null],
    ['he${XXX+000}xx', 'hexx'],
    ['he${XXX-000}xx', 'he000xx'],
    ['he${NULL-000}xx', 'hexx'],
    ['he${NULL+000}xx', 'he000xx'],
    ['he${NULL:-000}xx', 'he000xx'],
    ['he${NULL:+000}xx', 'hexx'],
    ['he${KOREAN}', 'he한국어'],
    ['한국어${PWD}', '한국어/home'],
    ['${KOREAN}한국어', '한국어한국어'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected ?? 'error'}`, () => {
      if (expected === null) throwsInvalid(() => lex.processWord(input, ENV), /^failed to process "/);
      else assert.equal(lex.processWord(input, ENV), expected);
    });
  }
});

describe('ShellLex.processWord pattern modifiers (TestProcessWithMatches)', () => {
  const cases: Array<[string, Record<string, string>, string | null]> = [
    ['${FOO#()[]{\\}^$.\\*\\?|\\\\}', { FOO: '()[]{}^$.*?|\\x' }, 'x'],
    ['${FOO%%\\**}', { FOO: 'xx**' }, 'xx'],
    ['${FOO#*x*y}', { FOO: 'xxyy' }, 'y'],
    ['${FOO#*}', { FOO: 'xxyy' }, 'xxyy'],
    ['${FOO#$BAR}', { FOO: 'xxyy', BAR: 'x' }, 'xyy'],
    ['${FOO#$BAR}', { FOO: 'xxyy', BAR: '' }, 'xxyy'],
    ['${FOO#}', { FOO: 'xxyy' }, 'xxyy'],
    ['${FOO##*x}', { FOO: 'xxyy' }, 'yy'],
    ['${FOO##}', { FOO: 'xxyy' }, 'xxyy'],
    ['${FOO#?\\?}', { FOO: '???y' }, '?y'],
    ['${ABC:-.}${FOO%x}${ABC:-.}', { FOO: 'xxyy' }, '.xxyy.'],
    ['${FOO%%\\**\\*}', { FOO: 'a***yy*' }, 'a'],
    ['${FOO%}', { FOO: 'xxyy' }, 'xxyy'],
    ['${FOO%%$BAR}', { FOO: 'xxyy', BAR: '' }, 'xxyy'],
    ['${FOO%.*}', { FOO: 'a.b.c' }, 'a.b'],
    ['${FOO%%.*}', { FOO: 'a.b.c' }, 'a'],
    ['${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}', { FOO: '/foo*/*/*.txt', NEEDLE: '\\*/' }, '/foo.*/*.txt - /foo..*.txt'],
    ['${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}', { FOO: '/tmp/tmp/bar.txt', NEEDLE: '/tmp' }, '/tmp/bar.txt - /bar.txt'],
    [
      '${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}',
      { FOO: '/a/foo/b/c.txt', NEEDLE: '/?/', REPLACEMENT: '/' },
      '/foo/b/c.txt - /foo/c.txt',
    ],
    ['${FOO/$NEEDLE/$REPLACEMENT}', { FOO: 'http://google.de', NEEDLE: 'http://', REPLACEMENT: 'https://' }, 'https://google.de'],
    ['${FOO//\\//\\/}', { FOO: '/tmp/foo.txt' }, '\\/tmp\\/foo.txt'],
    ['${FOO/$BAR/ww}', { FOO: 'xxyy', BAR: '' }, 'wwxxyy'],
    ['${FOO//ww}', { FOO: 'xxyy' }, null],
    ['${FOO//}', { FOO: 'xxyy' }, null],
    ['${FOO///}', { FOO: 'xxyy' }, 'xxyy'],
    ['${FOO///}', {}, ''],
    ['${FOO:#x}', { FOO: 'xxyy' }, null],
    // Go's ReplaceAll template: $0 is the match.
    ['${FOO//b/[$R]}', { FOO: 'abc', R: '$0' }, 'a[b]c'],
  ];
  for (const [input, vars, expected] of cases) {
    it(`${input} with ${JSON.stringify(vars)} → ${expected ?? 'error'}`, () => {
      if (expected === null) throwsInvalid(() => lex.processWord(input, envOf(vars)));
      else assert.equal(lex.processWord(input, envOf(vars)), expected);
    });
  }

  it('rejects an invalid escape in a pattern with BuildKit\'s text', () => {
    throwsInvalid(
      () => lex.processWord('${FOO#\\x}', envOf({ FOO: 'a' })),
      'failed to process "${FOO#\\\\x}": invalid pattern (\\x) in substitution: invalid escape \'\\x\'',
    );
  });
});

describe('ShellLex required variables (TestShellParserMandatoryEnvVars)', () => {
  const set = envOf({ VAR: 'plain', ARG: 'x' });
  const empty = envOf({ VAR: '', ARG: 'x' });
  const unset = envOf({ ARG: 'x' });
  it('${VAR:?msg} rejects empty and unset', () => {
    assert.equal(lex.processWord('${VAR:?message here$ARG}', set), 'plain');
    throwsInvalid(() => lex.processWord('${VAR:?message here$ARG}', empty), /VAR: message herex$/);
    throwsInvalid(() => lex.processWord('${VAR:?message here$ARG}', unset), /VAR: message herex$/);
  });
  it('${VAR?msg} rejects only unset', () => {
    assert.equal(lex.processWord('${VAR?message here$ARG}', set), 'plain');
    assert.equal(lex.processWord('${VAR?message here$ARG}', empty), '');
    throwsInvalid(() => lex.processWord('${VAR?message here$ARG}', unset), /VAR: message herex$/);
  });
  it('has default messages and wraps the word', () => {
    throwsInvalid(() => lex.processWord('he${XXX:?}', ENV), 'failed to process "he${XXX:?}": XXX: is not allowed to be unset');
    throwsInvalid(() => lex.processWord('${NULL:?}', ENV), 'failed to process "${NULL:?}": NULL: is not allowed to be empty');
  });
  it('names the syntax errors as BuildKit does', () => {
    throwsInvalid(() => lex.processWord('${}', ENV), 'failed to process "${}": syntax error: bad substitution');
    throwsInvalid(() => lex.processWord('a${', ENV), 'failed to process "a${": syntax error: missing \'}\'');
    throwsInvalid(() => lex.processWord('${A:-x', ENV), 'failed to process "${A:-x": syntax error: missing \'}\'');
    throwsInvalid(() => lex.processWord('${A=x}', ENV), 'failed to process "${A=x}": missing \':\' in substitution');
    throwsInvalid(() => lex.processWord('${B', ENV), 'failed to process "${B": missing \':\' in substitution');
    throwsInvalid(() => lex.processWord('${B:x}', ENV), 'failed to process "${B:x}": unsupported modifier (x) in substitution');
    throwsInvalid(() => lex.processWord('${B:#x}', ENV), 'failed to process "${B:#x}": unsupported modifier (#) in substitution');
    throwsInvalid(() => lex.processWord('${B:x', ENV), 'failed to process "${B:x": syntax error: missing \'}\'');
    throwsInvalid(() => lex.processWord('"abc', ENV), /unexpected end of statement while looking for matching double-quote$/);
    throwsInvalid(() => lex.processWord("'abc", ENV), /unexpected end of statement while looking for matching single-quote$/);
  });
});

describe('ShellLex.processWords (wordsTest)', () => {
  const vars = envOf({ hi: 'hi', space: 'abc  def', leading: '  ab c', trailing: 'ab c   ' });
  const cases: Array<[string, string[] | null]> = [
    ['hello', ['hello']],
    ['hello${hi}bye', ['hellohibye']],
    ['hello${space}bye', ['helloabc', 'defbye']],
    ['hello"${space}"bye', ['helloabc  defbye']],
    ['hello "${space}"bye', ['hello', 'abc  defbye']],
    ['hello${leading}def', ['hello', 'ab', 'cdef']],
    ['hello"${leading}" def', ['hello  ab c', 'def']],
    ['hello"${leading}"', ['hello  ab c']],
    ['hello${leading}', ['hello', 'ab', 'c']],
    ['hello${trailing}', ['helloab', 'c']],
    ['hello${trailing}d', ['helloab', 'c', 'd']],
    ['hello"${trailing}"d', ['helloab c   d']],
    ['hel"lo${trailing}"', ['helloab c   ']],
    ['hello" there  "', ['hello there  ']],
    ['hello there     ', ['hello', 'there']],
    ['hello\\ there', ['hello there']],
    ['hello" there', null],
    ['hello\\" there', ['hello"', 'there']],
    ['hello"\\\\there"', ['hello\\there']],
    ['hello"\\there"', ['hello\\there']],
    ["hello'\\\\there'", ['hello\\\\there']],
    ["hello'\\there'", ['hello\\there']],
    ["hello'$there'", ['hello$there']],
    ['80/tcp ${hi}', ['80/tcp', 'hi']],
    // `<<` keeps the blanks after it so a heredoc marker stays one word.
    ['RUN <<  EOF', ['RUN', '<<  EOF']],
    // BuildKit shares one word buffer between nested ${…} operands: the prefix is lost.
    ['a${X:-b}c', ['bc']],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected ? JSON.stringify(expected) : 'error'}`, () => {
      if (expected === null) throwsInvalid(() => lex.processWords(input, vars));
      else assert.deepEqual(lex.processWords(input, vars), expected);
    });
  }
});

describe('ShellLex with the backtick escape token', () => {
  const tick = new ShellLex('`');
  const cases: Array<[string, string]> = [
    ['C:\\Users\\me', 'C:\\Users\\me'],
    ['he`$PWD', 'he$PWD'],
    ['"a`"b"', 'a"b'],
    ['"a\\"', 'a\\'],
    ['a` b', 'a b'],
    ['${PWD}\\x', '/home\\x'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected}`, () => assert.equal(tick.processWord(input, ENV), expected));
  }
});

describe('ShellLex raw modes', () => {
  it('skipUnsetEnv keeps references to unset variables', () => {
    const keep = new ShellLex('\\', { skipUnsetEnv: true });
    assert.equal(keep.processWord('$A ${B} ${C:-x} ${PWD}', ENV), '$A ${B} ${C:-x} /home');
  });
  it('skipProcessQuotes leaves quotes alone (heredoc bodies)', () => {
    const raw = new ShellLex('\\', { skipProcessQuotes: true });
    assert.equal(raw.processWord('echo "$PWD" \'$SHELL\'\n', ENV), 'echo "/home" \'bash\'\n');
  });
  it('rawQuotes and rawEscapes keep the text as written', () => {
    const raw = new ShellLex('\\', { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
    assert.deepEqual(raw.processWords('COPY <<"EOF" a\\ b', ENV), ['COPY', '<<"EOF"', 'a\\ b']);
  });
});
