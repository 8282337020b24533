// Expectations from BuildKit's frontend/dockerfile/parser tests (parser_test.go, testfiles/*,
// parser_heredoc_test.go, directives_test.go, line_parsers_test.go) and its line parsers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/common/errors.js';
import { parseDockerfile, type DockerfileParseError, type Node } from '../../src/builder/parser.js';

function throwsInvalid(fn: () => unknown, message: string | RegExp, line?: number) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidParameter'), `expected InvalidParameter, got ${String(e)}`);
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else assert.match((e as Error).message, message);
    if (line !== undefined) assert.equal((e as DockerfileParseError).line, line);
    return true;
  });
}

/** The parts of a node a case checks: [cmd, args, extras]. */
type Expect = [string, string[], Partial<Pick<Node, 'flags' | 'json' | 'original' | 'startLine' | 'endLine'>>?];

function check(text: string, expected: Expect[]) {
  const nodes = parseDockerfile(text).nodes;
  assert.deepEqual(nodes.map((n) => [n.cmd, n.args]), expected.map(([cmd, args]) => [cmd, args]));
  expected.forEach(([, , extra], i) => {
    for (const [k, v] of Object.entries(extra ?? {})) assert.deepEqual(nodes[i]![k as keyof Node], v, `${k} of node ${i}`);
  });
}

describe('parseDockerfile: lines, comments and continuations', () => {
  const cases: Array<[string, string, Expect[]]> = [
    ['instructions are case-insensitive', 'from busybox\nRun echo hi\n', [['from', ['busybox']], ['run', ['echo hi']]]],
    ['a UTF-8 BOM is dropped', '\ufeffFROM a\n', [['from', ['a']]]],
    [
      'CRLF line endings',
      'FROM a\r\nRUN echo \\\r\n  hi\r\n',
      [['from', ['a']], ['run', ['echo   hi'], { original: 'RUN echo   hi', startLine: 2, endLine: 3 }]],
    ],
    [
      'comment lines inside a continuation are dropped',
      '# top\nFROM a\n  # indented\nRUN a \\\n# inside\n  b\n',
      [['from', ['a'], { startLine: 2 }], ['run', ['a   b'], { startLine: 4, endLine: 6 }]],
    ],
    ['an escaped escape token does not continue', 'ENV C trailing\\\\backslash\\\\\nENV D x\n', [['env', ['C', 'trailing\\\\backslash\\\\']], ['env', ['D', 'x']]]],
    ['a continuation at the end of the file', 'FROM a\nRUN a \\', [['from', ['a']], ['run', ['a'], { original: 'RUN a' }]]],
    ['blanks after the escape token still continue', 'RUN a \\ \t\n b', [['run', ['a  b']]]],
    ['a lone escape token line continues', 'RUN a\\\n\\\n b', [['run', ['a b']]]],
    ['# in the middle of a line is not a comment', 'RUN echo # hi', [['run', ['echo # hi']]]],
    ['leading white space is ignored', '   FROM a\n\t RUN b', [['from', ['a']], ['run', ['b']]]],
    ['unknown instructions are kept for parseInstruction', 'FROM a\nFRM b', [['from', ['a']], ['frm', []]]],
  ];
  for (const [name, text, expected] of cases) it(name, () => check(text, expected));

  it('warns about empty continuation lines and keeps joining', () => {
    const r = parseDockerfile('FROM a\nRUN a \\\n\n b\n');
    assert.deepEqual(r.nodes.map((n) => n.args), [['a'], ['a  b']]);
    assert.deepEqual(r.warnings, [
      '[WARNING]: Empty continuation line found in:\n    RUN a  b',
      '[WARNING]: Empty continuation lines will become errors in a future release.',
    ]);
  });
});

describe('parseDockerfile: parser directives', () => {
  it('# escape=` switches the escape token and line continuation', () => {
    const r = parseDockerfile('# escape=`\nFROM a\nRUN echo `\n  hi\nWORKDIR C:\\Users\\x\n');
    assert.equal(r.escapeToken, '`');
    assert.deepEqual(r.nodes.map((n) => n.args), [['a'], ['echo   hi'], ['C:\\Users\\x']]);
  });
  it('directives are case-insensitive and allow blanks around =', () => {
    assert.equal(parseDockerfile('#ESCAPE = `\nFROM a').escapeToken, '`');
    assert.equal(parseDockerfile('  #  escape=`  \nFROM a').escapeToken, '`');
  });
  it('records # syntax= and accepts # check=', () => {
    const r = parseDockerfile('# syntax=docker/dockerfile:1\n# check=skip=all\nFROM a\n');
    assert.equal(r.syntax, 'docker/dockerfile:1');
    assert.equal(r.nodes.length, 1);
  });
  const ignored: Array<[string, string]> = [
    ['after a comment', '# comment\n# escape=`\nFROM a\n'],
    ['after a blank line', '\n# escape=`\nFROM a\n'],
    ['after an unknown directive', '# foo=bar\n# escape=`\nFROM a\n'],
    ['after an instruction', 'FROM a\n# escape=`\nRUN b\n'],
  ];
  for (const [name, text] of ignored) {
    it(`a directive ${name} is a comment`, () => assert.equal(parseDockerfile(text).escapeToken, '\\'));
  }
  it('rejects a repeated directive', () => {
    throwsInvalid(() => parseDockerfile('# escape=\\\n# escape=`\nFROM a'), 'failed to parse Dockerfile: only one escape parser directive can be used', 2);
  });
  it('rejects an invalid escape token', () => {
    throwsInvalid(() => parseDockerfile('# escape=x\nFROM a'), "failed to parse Dockerfile: invalid escape token 'x' does not match ` or \\", 1);
  });
});

describe('parseDockerfile: argument layout per instruction', () => {
  const cases: Array<[string, string, Expect[]]> = [
    ['FROM words and flags', 'FROM --platform=linux/amd64 a AS b', [['from', ['a', 'AS', 'b'], { flags: ['--platform=linux/amd64'] }]]],
    ['RUN JSON form', 'RUN ["echo", "hi"]', [['run', ['echo', 'hi'], { json: true }]]],
    ['RUN shell form keeps the rest', 'RUN   echo  "a b"  ', [['run', ['echo  "a b"'], { json: false }]]],
    ['single quotes are not JSON: shell form', "CMD [ \"a\", 'b' ]", [['cmd', ["[ \"a\", 'b' ]"], { json: false }]]],
    ['an empty JSON array', 'CMD []', [['cmd', [], { json: true }]]],
    ['malformed JSON is shell form', 'ENTRYPOINT ["a", ', [['entrypoint', ['["a",'], { json: false }]]],
    ['COPY shell form splits on white space', 'COPY  a  "b c"   /d/', [['copy', ['a', '"b', 'c"', '/d/']]]],
    ['COPY JSON form', 'COPY ["a b", "/d/"]', [['copy', ['a b', '/d/'], { json: true }]]],
    ['VOLUME JSON and shell', 'VOLUME ["/a", "/b"]\nVOLUME /c /d', [['volume', ['/a', '/b']], ['volume', ['/c', '/d']]]],
    ['EXPOSE words', 'EXPOSE 80/tcp\t443', [['expose', ['80/tcp', '443']]]],
    ['USER, WORKDIR, STOPSIGNAL, MAINTAINER keep the rest', 'USER a b\nWORKDIR /x y\nSTOPSIGNAL SIGKILL\nMAINTAINER Me <me@x>', [
      ['user', ['a b']], ['workdir', ['/x y']], ['stopsignal', ['SIGKILL']], ['maintainer', ['Me <me@x>']],
    ]],
    ['ENV key=value pairs keep raw values', 'ENV a=b c="d e" f=g\\ h', [['env', ['a', 'b', 'c', '"d e"', 'f', 'g\\ h']]]],
    ['ENV legacy form', 'ENV key value with  spaces', [['env', ['key', 'value with  spaces']]]],
    ['ENV with single-quoted escape', "ENV a='x\\' b=c", [['env', ['a', "'x\\'", 'b', 'c']]]],
    ['LABEL quoted keys', 'LABEL "com.x"="a b" y=z', [['label', ['"com.x"', '"a b"', 'y', 'z']]]],
    ['ARG one word per declaration', 'ARG a b=c d="e f"', [['arg', ['a', 'b=c', 'd="e f"']]]],
    ['HEALTHCHECK shell command', 'HEALTHCHECK --interval=5s CMD curl -f x', [['healthcheck', ['CMD', 'curl -f x'], { flags: ['--interval=5s'], json: false }]]],
    ['HEALTHCHECK exec command', 'HEALTHCHECK cmd ["a", "b"]', [['healthcheck', ['cmd', 'a', 'b'], { json: true }]]],
    ['HEALTHCHECK NONE', 'HEALTHCHECK NONE', [['healthcheck', ['NONE']]]],
    ['ONBUILD keeps the trigger text', 'ONBUILD RUN echo hi\nonbuild   add . /app', [['onbuild', ['RUN echo hi']], ['onbuild', ['add . /app']]]],
    ['ONBUILD alone', 'ONBUILD', [['onbuild', []]]],
  ];
  for (const [name, text, expected] of cases) it(name, () => check(text, expected));

  it('rejects JSON arrays of non-strings', () => {
    throwsInvalid(() => parseDockerfile('FROM a\nCMD ["a", 1]'), 'failed to parse Dockerfile: when using JSON array syntax, arrays must be comprised of strings only', 2);
  });
  it('rejects ENV without a value', () => {
    throwsInvalid(() => parseDockerfile('FROM a\n\nENV PATH'), 'failed to parse Dockerfile: ENV must have two arguments', 3);
  });
  it('rejects a LABEL word without =', () => {
    throwsInvalid(() => parseDockerfile('LABEL a=b c'), 'failed to parse Dockerfile: Syntax error - can\'t find = in "c". Must be of the form: name=value', 1);
  });
  it('rejects a bad ONBUILD trigger line as the parser does', () => {
    throwsInvalid(() => parseDockerfile('ONBUILD ENV x'), 'failed to parse Dockerfile: ENV must have two arguments', 1);
  });
});

describe('parseDockerfile: flags', () => {
  const cases: Array<[string, string, Expect[]]> = [
    ['leading --flags only', 'COPY --from=build --chown=1:1 a b', [['copy', ['a', 'b'], { flags: ['--from=build', '--chown=1:1'] }]]],
    ['quotes in flag values', 'COPY --from="a b" --chmod=\'7 5\' x y', [['copy', ['x', 'y'], { flags: ['--from=a b', '--chmod=7 5'] }]]],
    ['a word not starting with -- ends the flags', 'RUN make --jobs=4', [['run', ['make --jobs=4'], { flags: [] }]]],
    ['-- ends the flags', 'COPY --doit=true -- --weird /d', [['copy', ['--weird', '/d'], { flags: ['--doit=true'] }]]],
    ['flags without values', 'CMD --doit a b', [['cmd', ['a b'], { flags: ['--doit'] }]]],
    ['RUN --mount', 'RUN --mount=type=cache,target=/x make', [['run', ['make'], { flags: ['--mount=type=cache,target=/x'] }]]],
    ['the escape token escapes in flags', 'COPY --chown=a\\ b x y', [['copy', ['x', 'y'], { flags: ['--chown=a b'] }]]],
  ];
  for (const [name, text, expected] of cases) it(name, () => check(text, expected));
});

describe('parseDockerfile: heredocs', () => {
  it('reads one body', () => {
    const [n] = parseDockerfile('RUN <<EOF\necho a\necho b\nEOF\n').nodes;
    assert.deepEqual(n!.args, ['<<EOF']);
    assert.deepEqual(n!.heredocs, [{ name: 'EOF', content: 'echo a\necho b\n', expand: true, chomp: false }]);
    assert.deepEqual([n!.startLine, n!.endLine], [1, 4]);
  });
  it('reads several bodies in order, matching only the current terminator', () => {
    const [n] = parseDockerfile('COPY <<X <<Y /dest\nY\nX\nX\nY\n').nodes;
    assert.deepEqual(n!.heredocs.map((h) => [h.name, h.content]), [['X', 'Y\n'], ['Y', 'X\n']]);
    assert.equal(n!.endLine, 5);
  });
  it('<<- strips leading tabs from the body and the terminator', () => {
    const [n] = parseDockerfile('RUN <<-EOT\n\techo hi\n\t\tmore\n\tEOT\n').nodes;
    assert.deepEqual(n!.heredocs, [{ name: 'EOT', content: 'echo hi\nmore\n', expand: true, chomp: true }]);
  });
  const expand: Array<[string, string, boolean]> = [
    ['<<EOF', 'EOF', true],
    ["<<'EOF'", 'EOF', false],
    ['<<"EOF"', 'EOF', false],
    ["<<eo\\'f", "eo'f", true],
    ["<<eo'f'", 'eof', false],
    ['<<  EOF', 'EOF', true],
    ['3<<EOF', 'EOF', true],
    ['<<$EOF', '$EOF', true],
  ];
  for (const [marker, name, expands] of expand) {
    it(`${marker} is named ${name} and ${expands ? 'expands' : 'does not expand'}`, () => {
      const [n] = parseDockerfile(`RUN cat ${marker}\nbody\n${name}\n`).nodes;
      assert.deepEqual(n!.heredocs.map((h) => [h.name, h.expand]), [[name, expands]]);
    });
  }
  it('keeps CRLF in bodies', () => {
    assert.equal(parseDockerfile('RUN <<EOF\r\nhi\r\nEOF\r\n').nodes[0]!.heredocs[0]!.content, 'hi\r\n');
  });
  it('is literal text outside RUN, COPY and ADD and in JSON form', () => {
    check('CMD cat <<EOF\nRUN ["cat", "<<EOF"]\nRUN x', [['cmd', ['cat <<EOF']], ['run', ['cat', '<<EOF']], ['run', ['x']]]);
  });
  it('counts body lines in later instructions\' line numbers', () => {
    const nodes = parseDockerfile('FROM a\nRUN <<EOF\n#!/bin/sh\n\nEOF\nRUN b\n').nodes;
    assert.deepEqual(nodes.map((n) => [n.startLine, n.endLine]), [[1, 1], [2, 5], [6, 6]]);
    assert.equal(nodes[1]!.heredocs[0]!.content, '#!/bin/sh\n\n');
  });
  it('ONBUILD triggers keep their bodies in the expression', () => {
    const [n] = parseDockerfile('ONBUILD RUN <<-EOF\n\techo hi\nEOF\n').nodes;
    assert.deepEqual(n!.args, ['RUN <<-EOF\n\techo hi\nEOF']);
    assert.equal(n!.heredocs[0]!.content, 'echo hi\n');
  });
  it('rejects an unterminated body at the instruction\'s line', () => {
    throwsInvalid(() => parseDockerfile('FROM a\nRUN <<EOF\nhello\n'), 'failed to parse Dockerfile: unterminated heredoc', 2);
  });
});

describe('parseDockerfile: empty input', () => {
  it('rejects an empty file with the Dockerfile\'s name', () => {
    throwsInvalid(() => parseDockerfile(''), 'the Dockerfile (Dockerfile) cannot be empty');
    throwsInvalid(() => parseDockerfile('', { name: 'build/Dockerfile.dev' }), 'the Dockerfile (build/Dockerfile.dev) cannot be empty');
    throwsInvalid(() => parseDockerfile('ENV x', { name: 'Dockerfile.dev' }), 'failed to parse Dockerfile.dev: ENV must have two arguments', 1);
  });
  it('rejects a line longer than Go\'s scanner buffer', () => {
    assert.equal(parseDockerfile(`RUN ${'x'.repeat(65531)}\n`).nodes.length, 1);
    throwsInvalid(() => parseDockerfile(`FROM a\nRUN ${'x'.repeat(65532)}\n`), 'failed to parse Dockerfile: dockerfile line greater than max allowed size of 65535', 2);
  });
  it('rejects a file with no instructions at its last line', () => {
    throwsInvalid(() => parseDockerfile('# only a comment\n'), 'failed to parse Dockerfile: file with no instructions', 1);
    throwsInvalid(() => parseDockerfile('\n\n  \n'), 'failed to parse Dockerfile: file with no instructions', 3);
  });
});
