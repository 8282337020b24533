// Expectations from BuildKit's frontend/dockerfile/instructions (parse_test.go,
// parse_heredoc_test.go, bflag_test.go), Go's time.ParseDuration tests and moby's builder.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/common/errors.js';
import { parseDockerfile } from '../../src/builder/parser.js';
import {
  expandFrom,
  expandInstruction,
  parseGoDuration,
  parseInstruction,
  parseStages,
  type Instruction,
} from '../../src/builder/instructions.js';
import { ShellLex, type EnvLookup } from '../../src/builder/shell-lex.js';

function throwsInvalid(fn: () => unknown, message: string | RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidParameter'), `expected InvalidParameter, got ${String(e)}`);
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return true;
  });
}

/** The one instruction of a one-line Dockerfile, without its location. */
function parse(line: string): Omit<Instruction, 'line' | 'original'> {
  const { line: _l, original: _o, ...rest } = parseInstruction(parseDockerfile(line).nodes[0]!);
  return rest;
}

const fails = (line: string, message: string) => throwsInvalid(() => parse(line), `dockerfile parse error line 1: ${message}`);

describe('parseInstruction: FROM', () => {
  it('takes the image, a lower-cased stage name and --platform', () => {
    assert.deepEqual(parse('FROM --platform=$BUILDPLATFORM golang:1 AS Build'), {
      kind: 'from', image: 'golang:1', stageName: 'build', platform: '$BUILDPLATFORM',
    });
    assert.deepEqual(parse('FROM busybox'), { kind: 'from', image: 'busybox' });
  });
  it('validates arguments and stage names', () => {
    fails('FROM', 'FROM requires either one or three arguments');
    fails('FROM a b c', 'FROM requires either one or three arguments');
    fails('FROM a AS', 'FROM requires either one or three arguments');
    fails('FROM a AS 1bad', 'invalid name for build stage: "1bad", name can\'t start with a number or contain symbols');
    fails('FROM a AS b/c', 'invalid name for build stage: "b/c", name can\'t start with a number or contain symbols');
    fails('FROM --plat=x a', 'Unknown flag: plat');
  });
});

describe('parseInstruction: RUN, CMD, ENTRYPOINT, SHELL', () => {
  it('shell and exec forms', () => {
    assert.deepEqual(parse('RUN echo hi'), { kind: 'run', cmd: ['echo hi'], prependShell: true, heredocs: [], flags: {}, mounts: [] });
    assert.deepEqual(parse('CMD ["a", "b"]'), { kind: 'cmd', cmd: ['a', 'b'], prependShell: false });
    assert.deepEqual(parse('ENTRYPOINT top -b'), { kind: 'entrypoint', cmd: ['top -b'], prependShell: true });
    assert.deepEqual(parse('SHELL ["/bin/bash", "-c"]'), { kind: 'shell', shell: ['/bin/bash', '-c'] });
  });
  it('keeps RUN flags and every --mount', () => {
    assert.deepEqual(parse('RUN --mount=type=cache,target=/a --mount=type=tmpfs,target=/b --network=none make'), {
      kind: 'run', cmd: ['make'], prependShell: true, heredocs: [],
      flags: { mount: 'type=tmpfs,target=/b', network: 'none' }, mounts: ['type=cache,target=/a', 'type=tmpfs,target=/b'],
    });
  });
  it('keeps RUN heredocs', () => {
    const run = parseInstruction(parseDockerfile('RUN <<EOF\necho hi\nEOF').nodes[0]!);
    assert.deepEqual(run.kind === 'run' && run.heredocs, [{ name: 'EOF', content: 'echo hi\n', expand: true, chomp: false }]);
  });
  it('rejects bad flags with the reference dockerd\'s texts', () => {
    fails('RUN --foo=bar x', 'Unknown flag: foo');
    fails('RUN --networks=none x', 'Unknown flag: networks');
    fails('RUN --network=bogus x', 'unsupported network mode "bogus"');
    fails('RUN --security=root x', 'unsupported security mode "root"');
    fails('RUN --network x', 'Missing a value on flag: network');
    fails('CMD --doit a b', 'Unknown flag: doit');
  });
  it('SHELL must be JSON', () => {
    fails('SHELL /bin/bash -c', 'SHELL requires the arguments to be in JSON form');
    fails('SHELL []', 'SHELL requires at least one argument');
  });
});

describe('parseInstruction: ENV, LABEL, ARG', () => {
  it('ENV pairs keep raw values', () => {
    assert.deepEqual(parse('ENV a=b c="d e"'), { kind: 'env', pairs: [{ key: 'a', value: 'b' }, { key: 'c', value: '"d e"' }] });
    assert.deepEqual(parse('ENV key value with spaces'), { kind: 'env', pairs: [{ key: 'key', value: 'value with spaces' }] });
    assert.deepEqual(parse('LABEL "a b"=c'), { kind: 'label', pairs: [{ key: '"a b"', value: 'c' }] });
  });
  it('ENV and LABEL errors', () => {
    fails('ENV', 'ENV requires at least one argument');
    fails('ENV =x', 'ENV names can not be blank');
    fails('LABEL', 'LABEL requires at least one argument');
    fails('ENV --x=1 a=b', 'Unknown flag: x');
  });
  it('ARG declarations with and without defaults', () => {
    assert.deepEqual(parse('ARG a b= c="d e"'), { kind: 'arg', args: [{ key: 'a' }, { key: 'b', value: '' }, { key: 'c', value: '"d e"' }] });
    fails('ARG', 'ARG requires at least one argument');
    fails('ARG =x', 'ARG names can not be blank');
  });
});

describe('parseInstruction: COPY and ADD', () => {
  it('sources, destination and flags', () => {
    assert.deepEqual(parse('COPY --from=build --chown=1:1 --chmod=0755 --link a b /dst/'), {
      kind: 'copy', sources: ['a', 'b'], dest: '/dst/', from: 'build', chown: '1:1', chmod: '0755',
      link: true, keepGitDir: false, parents: false, excludes: [], heredocs: [], json: false,
    });
    assert.deepEqual(parse('ADD --checksum=sha256:abc --keep-git-dir=true --unpack=false ["a b", "/c"]'), {
      kind: 'add', sources: ['a b'], dest: '/c', checksum: 'sha256:abc', link: false, keepGitDir: true,
      parents: false, excludes: [], unpack: false, heredocs: [], json: true,
    });
    assert.deepEqual(parse('COPY --parents --exclude=*.md --exclude=x ./a /b'), {
      kind: 'copy', sources: ['./a'], dest: '/b', link: false, keepGitDir: false, parents: true,
      excludes: ['*.md', 'x'], heredocs: [], json: false,
    });
  });
  it('heredoc sources', () => {
    const copy = parseInstruction(parseDockerfile('COPY <<EOF <<-"TWO" a /dest\nhello $X\nEOF\n\tbye\nTWO\n').nodes[0]!);
    assert.ok(copy.kind === 'copy');
    assert.deepEqual(copy.sources, ['a']);
    assert.deepEqual(copy.heredocs, [
      { name: 'EOF', content: 'hello $X\n', expand: true, chomp: false },
      { name: 'TWO', content: 'bye\n', expand: false, chomp: true },
    ]);
  });
  it('errors', () => {
    fails('COPY a', 'COPY requires at least two arguments, but only one was provided. Destination could not be determined');
    fails('ADD a', 'ADD requires at least two arguments, but only one was provided. Destination could not be determined');
    fails('COPY --form=build a b', 'Unknown flag: form');
    fails('ADD --from=build a b', 'Unknown flag: from');
    fails('COPY --link=maybe a b', 'Expecting boolean value for flag link, not: maybe');
    fails('COPY --link= a b', 'Missing a value on flag: link');
    fails('COPY --from a b', 'Missing a value on flag: from');
    fails('COPY --chown=a --chown=b x y', 'Duplicate flag specified: chown');
    throwsInvalid(() => parseInstruction(parseDockerfile('COPY a <<EOF\nx\nEOF').nodes[0]!), 'dockerfile parse error line 1: COPY cannot accept a heredoc as a destination');
  });
});

describe('parseInstruction: EXPOSE, WORKDIR, USER, VOLUME, STOPSIGNAL, MAINTAINER', () => {
  it('values', () => {
    assert.deepEqual(parse('EXPOSE 8080 443/udp 80'), { kind: 'expose', ports: ['443/udp', '80', '8080'] });
    assert.deepEqual(parse('WORKDIR /a b'), { kind: 'workdir', path: '/a b' });
    assert.deepEqual(parse('USER a:b'), { kind: 'user', user: 'a:b' });
    assert.deepEqual(parse('VOLUME ["/a", " /b "]'), { kind: 'volume', volumes: ['/a', '/b'] });
    assert.deepEqual(parse('STOPSIGNAL --ignored=1 SIGTERM'), { kind: 'stopsignal', signal: 'SIGTERM' });
    assert.deepEqual(parse('MAINTAINER Me <me@x.y>'), { kind: 'maintainer', maintainer: 'Me <me@x.y>' });
  });
  it('errors', () => {
    fails('EXPOSE', 'EXPOSE requires at least one argument');
    fails('WORKDIR', 'WORKDIR requires exactly one argument');
    fails('USER', 'USER requires exactly one argument');
    fails('STOPSIGNAL', 'STOPSIGNAL requires exactly one argument');
    fails('MAINTAINER', 'MAINTAINER requires exactly one argument');
    fails('VOLUME', 'VOLUME requires at least one argument');
    fails('VOLUME [" "]', 'VOLUME specified can not be an empty string');
    fails('USER --x=1 me', 'Unknown flag: x');
  });
});

describe('parseInstruction: HEALTHCHECK', () => {
  it('options in nanoseconds', () => {
    assert.deepEqual(
      parse('HEALTHCHECK --interval=30s --timeout=1m30s --start-period=500ms --start-interval=2s --retries=3 CMD curl -f x'),
      { kind: 'healthcheck', test: ['CMD-SHELL', 'curl -f x'], interval: 30e9, timeout: 90e9, startPeriod: 5e8, startInterval: 2e9, retries: 3 },
    );
    assert.deepEqual(parse('HEALTHCHECK cmd ["a", "b"]'), { kind: 'healthcheck', test: ['CMD', 'a', 'b'] });
    assert.deepEqual(parse('HEALTHCHECK --interval=0s --retries=0 CMD x'), { kind: 'healthcheck', test: ['CMD-SHELL', 'x'], retries: 0 });
  });
  it('NONE ignores flags', () => {
    assert.deepEqual(parse('HEALTHCHECK --foo=1 none'), { kind: 'healthcheck', test: ['NONE'] });
  });
  it('errors', () => {
    fails('HEALTHCHECK', 'HEALTHCHECK requires at least one argument');
    fails('HEALTHCHECK NONE x', 'HEALTHCHECK NONE takes no arguments');
    fails('HEALTHCHECK CMD', 'Missing command after HEALTHCHECK CMD');
    fails('HEALTHCHECK FOO x', 'Unknown type "FOO" in HEALTHCHECK (try CMD)');
    fails('HEALTHCHECK --interval=1ns CMD x', 'Interval "interval" cannot be less than 1ms');
    fails('HEALTHCHECK --timeout=-1s CMD x', 'Interval "timeout" cannot be less than 1ms');
    fails('HEALTHCHECK --interval=abc CMD x', 'time: invalid duration "abc"');
    fails('HEALTHCHECK --interval=1 CMD x', 'time: missing unit in duration "1"');
    fails('HEALTHCHECK --interval=1x CMD x', 'time: unknown unit "x" in duration "1x"');
    fails('HEALTHCHECK --retries=-1 CMD x', '--retries cannot be negative (-1)');
    fails('HEALTHCHECK --retries=x CMD x', 'strconv.ParseInt: parsing "x": invalid syntax');
    fails('HEALTHCHECK --retries=9999999999 CMD x', 'strconv.ParseInt: parsing "9999999999": value out of range');
    fails('HEALTHCHECK --foo=1 CMD x', 'Unknown flag: foo');
  });
});

describe('parseGoDuration (time.ParseDuration)', () => {
  const ok: Array<[string, bigint]> = [
    ['0', 0n], ['5s', 5000000000n], ['+5s', 5000000000n], ['-5s', -5000000000n], ['1.5h', 5400000000000n],
    ['1h2m3.5s', 3723500000000n], ['.5s', 500000000n], ['1.s', 1000000000n], ['10ns', 10n], ['1us', 1000n],
    ['1µs', 1000n], ['1μs', 1000n], ['3ms', 3000000n], ['9223372036854775807ns', 9223372036854775807n],
    ['0.100000000000000000000h', 360000000000n], ['-9223372036854775808ns', -9223372036854775808n],
  ];
  for (const [s, ns] of ok) it(`${s} = ${ns}ns`, () => assert.equal(parseGoDuration(s), ns));
  const bad: Array<[string, string]> = [
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1constructor', 'time: unknown unit "constructor" in duration "1constructor"'],
    ['1é', 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"'],
  ];
  for (const [s, message] of bad) it(`${JSON.stringify(s)} fails`, () => assert.throws(() => parseGoDuration(s), { message }));
});

describe('parseInstruction: ONBUILD and unknown instructions', () => {
  it('keeps the trigger expression', () => {
    assert.deepEqual(parse('ONBUILD RUN echo hi'), { kind: 'onbuild', expression: 'RUN echo hi' });
    assert.deepEqual(parse('onbuild add . /app'), { kind: 'onbuild', expression: 'add . /app' });
  });
  it('rejects forbidden triggers', () => {
    fails('ONBUILD', 'ONBUILD requires at least one argument');
    fails('ONBUILD ONBUILD RUN x', 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
    fails('ONBUILD from x', 'FROM isn\'t allowed as an ONBUILD trigger');
    fails('ONBUILD MAINTAINER me', 'MAINTAINER isn\'t allowed as an ONBUILD trigger');
  });
  it('names unknown instructions in upper case', () => {
    fails('FRM a', 'unknown instruction: FRM');
    fails('copyy a b', 'unknown instruction: COPYY');
  });
});

describe('parseStages', () => {
  it('splits meta args and stages', () => {
    const { metaArgs, stages } = parseStages(parseDockerfile('ARG V=1\nFROM a:$V AS one\nRUN x\nFROM --platform=p one\nCOPY --from=one /a /b\n').nodes);
    assert.deepEqual(metaArgs.map((a) => a.args), [[{ key: 'V', value: '1' }]]);
    assert.deepEqual(stages.map((s) => [s.name, s.image, s.platform, s.line, s.original, s.instructions.map((i) => i.kind)]), [
      ['one', 'a:$V', undefined, 2, 'FROM a:$V AS one', ['run']],
      [undefined, 'one', 'p', 4, 'FROM --platform=p one', ['copy']],
    ]);
  });
  it('rejects instructions before the first FROM', () => {
    throwsInvalid(() => parseStages(parseDockerfile('ARG a\nRUN x\nFROM a').nodes), 'no build stage in current context');
  });
  it('rejects a stage name used twice', () => {
    throwsInvalid(() => parseStages(parseDockerfile('FROM a AS x\nFROM b AS X').nodes), 'x stage name already used');
    throwsInvalid(() => parseStages(parseDockerfile('FROM busybox\nRUN true\nFOO bar').nodes), 'dockerfile parse error line 3: unknown instruction: FOO');
  });
  it('reports errors in Docker\'s order: parser errors first, then instructions in order', () => {
    throwsInvalid(() => parseDockerfile('FRM a\nENV x'), 'failed to parse Dockerfile: ENV must have two arguments');
    throwsInvalid(() => parseStages(parseDockerfile('FROM a\nCOPY x\nFRM y').nodes), /^dockerfile parse error line 2: COPY requires/);
  });
});

describe('expandInstruction', () => {
  const vars: Record<string, string> = { A: 'x', PORTS: '80 443/udp', U: 'me', DIR: '/w', P: '0755', S: 'stage' };
  const env: EnvLookup = (n) => vars[n];
  const lex = new ShellLex('\\');
  const expand = (line: string) => {
    const { line: _l, original: _o, ...rest } = expandInstruction(parseInstruction(parseDockerfile(line).nodes[0]!), lex, env);
    return rest;
  };
  it('ENV, LABEL and ARG keys and values', () => {
    assert.deepEqual(expand('ENV K_$A="a $A" L=${A}y'), { kind: 'env', pairs: [{ key: 'K_x', value: 'a x' }, { key: 'L', value: 'xy' }] });
    assert.deepEqual(expand("LABEL l='$A'"), { kind: 'label', pairs: [{ key: 'l', value: '$A' }] });
    assert.deepEqual(expand('ARG a=$A b'), { kind: 'arg', args: [{ key: 'a', value: 'x' }, { key: 'b' }] });
  });
  it('EXPOSE splits into words; WORKDIR, USER, VOLUME, STOPSIGNAL are single words', () => {
    assert.deepEqual(expand('EXPOSE $PORTS'), { kind: 'expose', ports: ['80', '443/udp'] });
    assert.deepEqual(expand('WORKDIR $DIR/$A'), { kind: 'workdir', path: '/w/x' });
    assert.deepEqual(expand('USER ${U}:$U'), { kind: 'user', user: 'me:me' });
    assert.deepEqual(expand('VOLUME ["$DIR", "/$A"]'), { kind: 'volume', volumes: ['/w', '/x'] });
    assert.deepEqual(expand('STOPSIGNAL SIG$A'), { kind: 'stopsignal', signal: 'SIGx' });
  });
  it('COPY/ADD sources, destination and flags', () => {
    assert.deepEqual(expand('COPY --from=$S --chown=$U --chmod=$P $A ${A}y $DIR/'), {
      kind: 'copy', sources: ['x', 'xy'], dest: '/w/', from: 'stage', chown: 'me', chmod: '0755',
      link: false, keepGitDir: false, parents: false, excludes: [], heredocs: [], json: false,
    });
    // Shell-form words keep their quotes until expansion, which needs them balanced.
    throwsInvalid(() => expand('COPY $A "b c" $DIR/'), 'failed to process "\\"b": unexpected end of statement while looking for matching double-quote');
  });
  it('COPY/ADD values and expandable heredocs', () => {
    const copy = expandInstruction(
      parseInstruction(parseDockerfile("COPY --chown=$U <<EOF <<'RAW' $DIR/\necho \"$A\" \\$A\nEOF\n$A\nRAW\n").nodes[0]!), lex, env,
    );
    assert.ok(copy.kind === 'copy');
    assert.deepEqual([copy.chown, copy.dest], ['me', '/w/']);
    assert.deepEqual(copy.heredocs.map((h) => h.content), ['echo "x" $A\n', '$A\n']);
  });
  it('leaves RUN, CMD, ENTRYPOINT, HEALTHCHECK, ONBUILD and MAINTAINER alone', () => {
    for (const line of ['RUN echo $A', 'CMD echo $A', 'ENTRYPOINT ["$A"]', 'HEALTHCHECK CMD $A', 'ONBUILD RUN $A', 'MAINTAINER $A']) {
      const ins = parseInstruction(parseDockerfile(line).nodes[0]!);
      assert.equal(expandInstruction(ins, lex, env), ins);
    }
  });
  it('FROM image and platform', () => {
    const from = parseInstruction(parseDockerfile('FROM --platform=$A img:${A:-latest} AS b').nodes[0]!);
    assert.ok(from.kind === 'from');
    assert.deepEqual(expandFrom(from, lex, env), { ...from, image: 'img:x', platform: 'x' });
  });
});
