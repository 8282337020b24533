// The Dockerfile acceptance corpus: each case is a build context, a Dockerfile, extra CLI
// arguments and what Docker's legacy builder (DOCKER_BUILDKIT=0, dockerd 20.10) makes of it.
// Every expectation with `dockerLegacy` unset was observed on a real dockerd by
// scripts/verify-build-corpus.mjs; cases marked `dockerLegacy: false` (heredocs, --chmod) are
// BuildKit features the legacy builder rejects, recorded with BuildKit's semantics and skipped
// by the verifier. The runner at the bottom is shared by the verifier and build.test.ts so that
// both check a case the same way.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, chmodSync, chownSync, symlinkSync, lchownSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import tar from 'tar-stream';

// ---------------------------------------------------------------------------------------------
// The shape of a case

/** A context file: text, or text with a mode/owner, a symlink, or a tar archive built from entries. */
export type FileSpec =
  | string
  | { content: string; mode?: number; uid?: number; gid?: number }
  | { symlink: string }
  | { tar: Record<string, string | { content: string; mode?: number; uid?: number; gid?: number }>; gzip?: boolean };

/** What a path in the built image must be. A string is the exact content of a regular file. */
export type FileExpect =
  | string
  | { absent: true }
  | { type?: 'file' | 'dir' | 'symlink'; content?: string; size?: number; mode?: number; uid?: number; gid?: number; link?: string };

export const absent = { absent: true } as const;

export interface ImageConfigExpect {
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object> | null;
  Labels?: Record<string, string> | null;
  Volumes?: Record<string, object> | null;
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number } | null;
  StopSignal?: string;
  OnBuild?: string[] | null;
  Shell?: string[] | null;
}

export interface BuildCase {
  name: string;
  /** Context files, relative to the context directory (`../x` lands beside it). */
  files?: Record<string, FileSpec>;
  dockerfile: string;
  /** Where the Dockerfile is written relative to the context (passed with -f); default `Dockerfile`. */
  dockerfilePath?: string;
  /**
   * `stdin-dockerfile`: `docker build - < Dockerfile` (no context); `stdin-tar`: the context as a
   * tar on stdin; `stdin-dockerfile-with-dir`: `docker build -f - DIR < Dockerfile`.
   */
  context?: 'dir' | 'stdin-dockerfile' | 'stdin-tar' | 'stdin-dockerfile-with-dir';
  /** Extra CLI arguments (--build-arg, --target, --label, -q, -t …). `{{HTTP}}` is the test's URL server. */
  args?: string[];
  /** Cases whose images this one builds FROM (built first). */
  after?: string[];
  /** false: a BuildKit feature the legacy builder rejects; berth follows BuildKit, the verifier skips it. */
  dockerLegacy?: boolean;
  expect: {
    /** Exact values of these keys of the image's Config (null: absent or null). */
    config?: ImageConfigExpect;
    /** Top-level image fields (Author from MAINTAINER, Os, Architecture). */
    image?: { Author?: string; Os?: string; Architecture?: string };
    files?: Record<string, FileExpect>;
    /** created_by of the last entries of the image's history, oldest first. */
    history?: string[];
    /** Total number of RootFS.Layers of the image (busybox contributes 1, scratch 0). */
    layers?: number;
    /** Tags the build must have made (besides the default corpus/<name>). */
    tags?: string[];
    /** The build's stdout, all of it (after `{{ID}}` is replaced by the image id) or parts. */
    stdout?: string;
    stdoutIncludes?: string[];
    stdoutExcludes?: string[];
    /** Regular expressions (multiline) the build's stdout must match. */
    stdoutMatches?: string[];
    /** `docker run --rm ARGS IMAGE CMD` prints exactly this. */
    run?: { args?: string[]; cmd?: string[]; stdout: string }[];
    error?: {
      exitCode: number;
      /** Substrings of stderr (and stdout: the step output). */
      includes: string[];
      /** A failed RUN leaves its container behind (legacy builder without --force-rm). */
      leavesContainer?: boolean;
    };
  };
}

const df = (...lines: string[]) => lines.join('\n') + '\n';
export const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const nop = (s: string) => `/bin/sh -c #(nop) ${s}`;

// ---------------------------------------------------------------------------------------------
// The corpus

export const corpus: BuildCase[] = [
  {
    name: 'every-instruction',
    files: { 'a.txt': 'hello\n' },
    dockerfile: df(
      'FROM busybox',
      'ARG X=1',
      'ENV A=b C="d e"',
      'COPY a.txt /a.txt',
      'ADD a.txt /b/',
      'RUN echo hi > /hi',
      'CMD ["sh","-c","echo"]',
      'LABEL a=b',
      'EXPOSE 80',
      'WORKDIR /w',
      'USER 1000',
      'VOLUME /v',
      'HEALTHCHECK --interval=5s CMD true',
      'STOPSIGNAL SIGKILL',
      'ONBUILD RUN echo x',
      'SHELL ["/bin/sh","-xc"]',
      'ENTRYPOINT echo',
      'MAINTAINER me',
    ),
    expect: {
      config: {
        User: '1000', ExposedPorts: { '80/tcp': {} }, Env: [PATH_ENV, 'A=b', 'C=d e'],
        Entrypoint: ['/bin/sh', '-xc', 'echo'], Cmd: ['sh', '-c', 'echo'], Volumes: { '/v': {} }, WorkingDir: '/w',
        Labels: { a: 'b' }, StopSignal: 'SIGKILL', Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5_000_000_000 },
        OnBuild: ['RUN echo x'], Shell: ['/bin/sh', '-xc'],
      },
      image: { Author: 'me', Os: 'linux' },
      layers: 5,
      files: { '/a.txt': 'hello\n', '/b/a.txt': 'hello\n', '/hi': 'hi\n', '/w': { type: 'dir', mode: 0o755, uid: 0 } },
      history: [
        'CMD ["sh"]',
        nop(' ARG X=1'),
        nop(' ENV A=b C=d e'),
        nop('COPY file:00ec16333078d287782d462baefc8bb9eb0231dc3aefba3ca3e2f7e5cf0cadda in /a.txt '),
        nop('ADD file:00ec16333078d287782d462baefc8bb9eb0231dc3aefba3ca3e2f7e5cf0cadda in /b/ '),
        '|1 X=1 /bin/sh -c echo hi > /hi',
        nop(' CMD ["sh" "-c" "echo"]'),
        nop(' LABEL a=b'),
        nop(' EXPOSE 80'),
        nop('WORKDIR /w'),
        nop(' USER 1000'),
        nop(' VOLUME [/v]'),
        nop(' HEALTHCHECK &{["CMD-SHELL" "true"] "5s" "0s" "0s" \'\\x00\'}'),
        nop(' STOPSIGNAL SIGKILL'),
        nop(' ONBUILD RUN echo x'),
        '/bin/sh -xc #(nop)  SHELL [/bin/sh -xc]',
        '/bin/sh -xc #(nop)  ENTRYPOINT ["/bin/sh" "-xc" "echo"]',
        '/bin/sh -xc #(nop)  MAINTAINER me',
      ],
      stdoutIncludes: ['Step 1/18 : FROM busybox', 'Step 3/18 : ENV A=b C="d e"', 'Step 18/18 : MAINTAINER me', 'Successfully tagged corpus/every-instruction:latest'],
    },
  },
  {
    name: 'comments-case-continuations',
    dockerfile: df(
      '# a comment before FROM',
      'from busybox',
      '',
      '   # an indented comment',
      'Run echo one \\',
      '  # a comment inside a continuation is dropped',
      '  two > /cont',
      'rUN echo "a" \\   ',
      '\t&& echo b > /trailing-space && echo to-stderr >&2',
      'env A=1 \\',
      '    B=2',
      'LABEL x=1 \\',
      '',
      '      y=2',
      'cmd echo hi',
    ),
    expect: {
      config: { Env: [PATH_ENV, 'A=1', 'B=2'], Labels: { x: '1', y: '2' }, Cmd: ['/bin/sh', '-c', 'echo hi'] },
      layers: 3,
      files: { '/cont': 'one two\n', '/trailing-space': 'b\n' },
      // The docker CLI's history shows a tab as a space.
      history: ['/bin/sh -c echo one   two > /cont', '/bin/sh -c echo "a"  && echo b > /trailing-space && echo to-stderr >&2', nop(' ENV A=1 B=2'), nop(' LABEL x=1 y=2'), nop(' CMD ["/bin/sh" "-c" "echo hi"]')],
      stdoutIncludes: ['Step 1/6 : from busybox', 'Step 2/6 : Run echo one   two > /cont', 'Step 3/6 : rUN echo "a" \t&& echo b > /trailing-space && echo to-stderr >&2', 'Step 5/6 : LABEL x=1       y=2',
        '[WARNING]: Empty continuation line found in:\n    LABEL x=1       y=2\n'],
      // A RUN step: its container, its output (stderr in red; the two streams in either order),
      // the container removed, the new image.
      stdoutMatches: [
        '^Step 3/6 : rUN echo "a" \t&& echo b > /trailing-space && echo to-stderr >&2\n ---> Running in [0-9a-f]{12}\n(a\n\x1b\\[91mto-stderr\n\x1b\\[0m|\x1b\\[91mto-stderr\n\x1b\\[0ma\n)Removing intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\nStep 4/6 : ',
        // Parser warnings come first, in red; then FROM names the base image's short id.
        '^\x1b\\[91m\\[WARNING\\]: Empty continuation line found in:\n    LABEL x=1       y=2\n\\[WARNING\\]: Empty continuation lines will become errors in a future release.\n\x1b\\[0mStep 1/6 : from busybox\n ---> [0-9a-f]{12}\nStep 2/6 : ',
        '^Successfully built [0-9a-f]{12}\nSuccessfully tagged corpus/comments-case-continuations:latest\n$',
      ],
    },
  },
  {
    name: 'escape-directive-backtick',
    dockerfile: df(
      '#  Escape = `',
      'FROM busybox',
      'ENV P=C:\\dir\\sub Q=`$HOME `',
      '  R=a`',
      'b',
      'LABEL k=a` b',
      'RUN echo "$P" > /p && `',
      '    echo done > /done',
    ),
    expect: {
      config: { Env: [PATH_ENV, 'P=C:\\dir\\sub', 'Q=$HOME', 'R=ab'], Labels: { k: 'a b' } },
      files: { '/p': 'C:\\dir\\sub\n', '/done': 'done\n' },
    },
  },
  {
    name: 'directives-syntax-and-late-escape',
    dockerfile: df(
      '# syntax=docker/dockerfile:1',
      '# a comment ends the directives',
      '# escape=`',
      'FROM busybox',
      'ENV A=x`y B=1\\',
      ' C=2',
    ),
    expect: { config: { Env: [PATH_ENV, 'A=x`y', 'B=1', 'C=2'] } },
  },
  {
    name: 'variable-expansion',
    dockerfile: df(
      'FROM busybox',
      'ENV BASE=/opt NAME=app EMPTY=',
      'ENV DIR=${BASE}/$NAME',
      'ENV D1=${UNSET:-default} D2=${NAME:-default} P1=${NAME:+plus} P2=${UNSET:+plus} P3=${EMPTY:-e} P4=${EMPTY:+e} N=${UNSET:-${NAME}x}',
      'ENV ESC=\\$NAME ESC2=\\${NAME} SQ=\'$NAME\' DQ="$NAME" MIX=pre${NAME}post',
      'ENV A=1',
      'ENV A=2 B=$A',
      'WORKDIR $DIR',
      'LABEL dir=$DIR "name"="${NAME}"',
      'EXPOSE ${PORT:-8080}',
      'VOLUME $DIR/data',
      'STOPSIGNAL ${SIG:-SIGINT}',
      'RUN echo "$DIR $NAME $A $B" > run.txt',
      'USER ${NAME:+1000}',
      'CMD ["echo", "$NAME"]',
    ),
    expect: {
      config: {
        Env: [PATH_ENV, 'BASE=/opt', 'NAME=app', 'EMPTY=', 'DIR=/opt/app', 'D1=default', 'D2=app', 'P1=plus', 'P2=', 'P3=e', 'P4=', 'N=appx',
          'ESC=$NAME', 'ESC2=${NAME}', 'SQ=$NAME', 'DQ=app', 'MIX=preapppost', 'A=2', 'B=1'],
        WorkingDir: '/opt/app', Labels: { dir: '/opt/app', name: 'app' }, ExposedPorts: { '8080/tcp': {} }, Volumes: { '/opt/app/data': {} },
        StopSignal: 'SIGINT', User: '1000', Cmd: ['echo', '$NAME'],
      },
      files: { '/opt/app/run.txt': '/opt/app app 2 1\n' },
      run: [{ stdout: '$NAME\n' }],
    },
  },
  {
    name: 'arg-scoping',
    dockerfile: df(
      'ARG BASE=busybox',
      'ARG GLOBAL=g',
      'FROM ${BASE} AS first',
      'ARG GLOBAL',
      'ARG STAGE=s1',
      'RUN echo "$GLOBAL $STAGE" > /first',
      'FROM $BASE',
      'ARG STAGE',
      'ARG DEF=default',
      'ARG OVER=default',
      'ARG NOVAL',
      'ENV FROMARG=${DEF}-${OVER}-${NOVAL:-none}-${STAGE:-unset}-${BASE:-nobase}',
      'ARG E=fromarg',
      'ENV E=fromenv',
      'RUN echo "$E" > /e && echo "$OVER" > /over && echo "${GLOBAL:-noglobal}" > /global',
      'COPY --from=first /first /first',
    ),
    args: ['--build-arg', 'OVER=cli'],
    expect: {
      config: { Env: [PATH_ENV, 'FROMARG=default-cli-none-unset-nobase', 'E=fromenv'] },
      files: { '/first': 'g s1\n', '/e': 'fromenv\n', '/over': 'cli\n', '/global': 'noglobal\n' },
      // Only ARGs with a value that no ENV shadows prefix a RUN's history (E, NOVAL, STAGE do not).
      history: ['|2 DEF=default OVER=cli /bin/sh -c echo "$E" > /e && echo "$OVER" > /over && echo "${GLOBAL:-noglobal}" > /global',
        nop('COPY file:6b6f7d2571d827f91d2560ad0fb0e9bd94d4b987d46d50a4a7043089978645a4 in /first ')],
    },
  },
  {
    name: 'arg-in-from-overridden',
    dockerfile: df('ARG TAG=missing', 'FROM busybox:$TAG', 'ARG TAG', 'RUN echo $TAG > /tag'),
    args: ['--build-arg', 'TAG=latest'],
    expect: { files: { '/tag': 'latest\n' }, history: ['|1 TAG=latest /bin/sh -c echo $TAG > /tag'], stdoutIncludes: ['Step 2/4 : FROM busybox:$TAG'] },
  },
  {
    name: 'proxy-args-not-in-history',
    dockerfile: df(
      'FROM busybox',
      'ARG PLAIN=p',
      'RUN echo "$HTTP_PROXY|$http_proxy|$NO_PROXY|$PLAIN" > /proxy',
    ),
    args: ['--build-arg', 'HTTP_PROXY=http://proxy.invalid:3128', '--build-arg', 'NO_PROXY=localhost', '--build-arg', 'UNUSED=1'],
    expect: {
      config: { Env: [PATH_ENV] },
      files: { '/proxy': 'http://proxy.invalid:3128||localhost|p\n' },
      history: ['|1 PLAIN=p /bin/sh -c echo "$HTTP_PROXY|$http_proxy|$NO_PROXY|$PLAIN" > /proxy'],
      stdoutIncludes: ['[Warning] One or more build-args [UNUSED] were not consumed'],
    },
  },
  {
    name: 'from-scratch',
    files: { 'hello.txt': 'hello\n', 'dir/a': 'A\n', 'dir/sub/b': 'B\n' },
    dockerfile: df(
      'FROM scratch',
      'COPY hello.txt /',
      'COPY dir /dir',
      'ENV A=1',
      'CMD ["/nothing"]',
    ),
    expect: {
      // The legacy builder gives a scratch stage the default PATH.
      config: { Env: [PATH_ENV, 'A=1'], Cmd: ['/nothing'], Entrypoint: null },
      files: { '/hello.txt': 'hello\n', '/dir/a': 'A\n', '/dir/sub/b': 'B\n', '/bin': absent },
      layers: 2,
    },
  },
  {
    name: 'from-platform-stage-reference',
    dockerfile: df(
      'FROM --platform=linux/amd64 busybox AS base',
      'ENV STAGE=base',
      'FROM base AS mid',
      'RUN echo mid > /mid',
      'FROM mid',
      'ENV LAST=1',
    ),
    expect: {
      config: { Env: [PATH_ENV, 'STAGE=base', 'LAST=1'] },
      image: { Os: 'linux', Architecture: 'amd64' },
      files: { '/mid': 'mid\n' },
      layers: 2,
    },
  },
  {
    name: 'run-exec-form-and-shell',
    dockerfile: df(
      'FROM busybox',
      'ENV V=val',
      'RUN ["sh", "-c", "echo $V > /exec-sh"]',
      'RUN ["touch", "/exec-$V"]',
      'SHELL ["/bin/sh", "-e", "-c"]',
      'RUN echo shell > /shell',
      'CMD echo $V',
    ),
    expect: {
      config: { Shell: ['/bin/sh', '-e', '-c'], Cmd: ['/bin/sh', '-e', '-c', 'echo $V'] },
      files: { '/exec-sh': 'val\n', '/exec-$V': '', '/exec-val': absent, '/shell': 'shell\n' },
      history: ['sh -c echo $V > /exec-sh', 'touch /exec-$V', '/bin/sh -e -c #(nop)  SHELL [/bin/sh -e -c]', '/bin/sh -e -c echo shell > /shell', '/bin/sh -e -c #(nop)  CMD ["/bin/sh" "-e" "-c" "echo $V"]'],
      run: [{ stdout: 'val\n' }],
    },
  },
  {
    name: 'cmd-not-json-falls-back-to-shell',
    dockerfile: df(
      'FROM busybox',
      'ENTRYPOINT ["/bin/echo", "ep"]',
      "CMD ['not', 'json']",
    ),
    expect: {
      config: { Entrypoint: ['/bin/echo', 'ep'], Cmd: ['/bin/sh', '-c', "['not', 'json']"] },
      history: [nop(' ENTRYPOINT ["/bin/echo" "ep"]'), nop(' CMD ["/bin/sh" "-c" "[\'not\', \'json\']"]')],
      run: [{ stdout: "ep /bin/sh -c ['not', 'json']\n" }, { cmd: ['x', 'y'], stdout: 'ep x y\n' }],
    },
  },
  {
    name: 'entrypoint-resets-inherited-cmd',
    dockerfile: df('FROM busybox', 'ENTRYPOINT echo reset'),
    expect: {
      config: { Entrypoint: ['/bin/sh', '-c', 'echo reset'], Cmd: null },
      run: [{ stdout: 'reset\n' }],
    },
  },
  {
    name: 'env-syntaxes',
    dockerfile: df(
      'FROM busybox',
      'ENV OLD value with  spaces',
      'ENV K1=v1 K2="two words" K3=three\\ words K4=\'single $quoted\' K5="a\\"b"',
      'ENV PATH=/custom:$PATH',
      'ENV EMPTY=""',
      'RUN echo "$OLD|$K3|$K4|$K5" > /env-seen',
    ),
    expect: {
      config: { Env: ['PATH=/custom:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'OLD=value with  spaces', 'K1=v1', 'K2=two words', 'K3=three words', 'K4=single $quoted', 'K5=a"b', 'EMPTY='] },
      files: { '/env-seen': 'value with  spaces|three words|single $quoted|a"b\n' },
      history: [nop(' ENV OLD=value with  spaces'), nop(' ENV K1=v1 K2=two words K3=three words K4=single $quoted K5=a"b'), nop(' ENV PATH=/custom:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'), nop(' ENV EMPTY='), '/bin/sh -c echo "$OLD|$K3|$K4|$K5" > /env-seen'],
    },
  },
  {
    name: 'labels-and-cli-labels',
    dockerfile: df(
      'FROM busybox',
      'LABEL simple=1 "quoted key"="quoted value" multi="line \\',
      ' continued"',
      'LABEL override=file',
      'LABEL com.example.empty=""',
    ),
    args: ['--label', 'override=cli', '--label', 'extra=x'],
    expect: {
      config: { Labels: { simple: '1', 'quoted key': 'quoted value', multi: 'line  continued', override: 'cli', 'com.example.empty': '', extra: 'x' } },
      // Each --label is one more LABEL step at the end, in sorted order.
      history: [nop(' LABEL simple=1 quoted key=quoted value multi=line  continued'), nop(' LABEL override=file'), nop(' LABEL com.example.empty='), nop(' LABEL extra=x'), nop(' LABEL override=cli')],
      stdoutIncludes: ['Step 4/6 : LABEL com.example.empty=""', 'Step 5/6 : LABEL extra=x', 'Step 6/6 : LABEL override=cli'],
    },
  },
  {
    name: 'expose-forms',
    dockerfile: df('FROM busybox', 'EXPOSE 80 443/tcp 53/udp', 'EXPOSE 8000-8002 9000/UDP'),
    expect: {
      config: { ExposedPorts: { '80/tcp': {}, '443/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {}, '8002/tcp': {}, '9000/udp': {} } },
      history: [nop(' EXPOSE 443/tcp 53/udp 80'), nop(' EXPOSE 8000-8002 9000/UDP')],
    },
  },
  {
    name: 'workdir-relative',
    files: { 'f.txt': 'f\n' },
    dockerfile: df(
      'FROM busybox',
      'WORKDIR /a',
      'WORKDIR b',
      'WORKDIR c/',
      'RUN pwd > /pwd',
      'COPY f.txt .',
      'COPY f.txt rel/',
      'WORKDIR ../d',
    ),
    expect: {
      config: { WorkingDir: '/a/b/d' },
      layers: 8,
      files: { '/pwd': '/a/b/c\n', '/a/b/c/f.txt': 'f\n', '/a/b/c/rel/f.txt': 'f\n', '/a/b/d': { type: 'dir', mode: 0o755, uid: 0 } },
      history: [nop('WORKDIR /a'), nop('WORKDIR /a/b'), nop('WORKDIR /a/b/c'), '/bin/sh -c pwd > /pwd',
        nop('COPY file:c698d43595c166f34e1d394b4505ad586155ff208243c78f766955d389360252 in . '), nop('COPY file:c698d43595c166f34e1d394b4505ad586155ff208243c78f766955d389360252 in rel/ '), nop('WORKDIR /a/b/d')],
    },
  },
  {
    name: 'workdir-with-space',
    dockerfile: df('FROM busybox', 'WORKDIR /x y'),
    expect: { config: { WorkingDir: '/x y' }, layers: 2 },
  },
  {
    name: 'user-forms',
    files: { 'f.txt': 'f\n' },
    dockerfile: df(
      'FROM busybox',
      'USER user',
      'RUN id -u > /tmp/uid && touch /tmp/byuser',
      'USER 1000:100',
      'WORKDIR /made-by-workdir',
      'RUN id > /tmp/id',
      'COPY f.txt /copied',
      'USER nobody',
    ),
    expect: {
      config: { User: 'nobody', WorkingDir: '/made-by-workdir' },
      files: {
        '/tmp/uid': '1000\n', '/tmp/byuser': { uid: 1000, gid: 1000 }, '/tmp/id': 'uid=1000(user) gid=100(users) groups=100(users)\n',
        '/copied': { uid: 0, gid: 0, mode: 0o644 }, '/made-by-workdir': { type: 'dir', uid: 0, gid: 0 },
      },
      run: [{ cmd: ['id', '-u'], stdout: '65534\n' }],
    },
  },
  {
    name: 'volume-discards-later-writes',
    dockerfile: df(
      'FROM busybox',
      'RUN mkdir /vol && echo before > /vol/before',
      'VOLUME ["/vol", "/json2"]',
      'VOLUME /shell1 /shell2',
      'RUN echo after > /vol/after && echo x > /json2/x && echo outside > /outside',
    ),
    expect: {
      config: { Volumes: { '/vol': {}, '/json2': {}, '/shell1': {}, '/shell2': {} } },
      layers: 3,
      files: { '/vol/before': 'before\n', '/vol/after': absent, '/json2/x': absent, '/outside': 'outside\n' },
      history: ['/bin/sh -c mkdir /vol && echo before > /vol/before', nop(' VOLUME [/vol /json2]'), nop(' VOLUME [/shell1 /shell2]'), '/bin/sh -c echo after > /vol/after && echo x > /json2/x && echo outside > /outside'],
    },
  },
  {
    name: 'copy-directory-rules',
    files: {
      'dir/a.txt': 'a\n', 'dir/sub/b.txt': 'b\n', 'dir/link': { symlink: 'a.txt' }, 'one.txt': 'one\n', 'two.txt': 'two\n',
      'run.sh': { content: '#!/bin/sh\necho run\n', mode: 0o750 }, 'owned.txt': { content: 'owned\n', uid: 1234, gid: 4321 }, 'top-link': { symlink: 'one.txt' },
    },
    dockerfile: df(
      'FROM busybox',
      'COPY dir /contents/',
      'COPY dir /contents-noslash',
      'COPY one.txt /file-as-name',
      'COPY one.txt /newdir/',
      'COPY one.txt two.txt /multi/',
      'COPY one.txt /etc',
      'COPY dir/sub/ /sub-trailing',
      'COPY run.sh owned.txt /modes/',
      'COPY top-link /top-link',
    ),
    expect: {
      files: {
        '/contents/a.txt': 'a\n', '/contents/sub/b.txt': 'b\n', '/contents/dir': absent, '/contents/link': { type: 'symlink', link: 'a.txt' },
        '/contents-noslash/a.txt': 'a\n', '/contents-noslash/sub': { type: 'dir', mode: 0o755 },
        '/file-as-name': 'one\n', '/newdir/one.txt': 'one\n', '/multi/one.txt': 'one\n', '/multi/two.txt': 'two\n', '/etc/one.txt': 'one\n',
        '/sub-trailing/b.txt': 'b\n', '/modes/run.sh': { mode: 0o750, uid: 0, gid: 0 }, '/modes/owned.txt': { mode: 0o644, uid: 0, gid: 0 },
        '/top-link': { type: 'file', content: 'one\n' },
      },
      layers: 10,
      history: [
        nop('COPY dir:62fa672f047a395b1536dcbc6145d48e73f5c3d8eadb8ad193be3766622c5fc8 in /contents/ '),
        nop('COPY dir:62fa672f047a395b1536dcbc6145d48e73f5c3d8eadb8ad193be3766622c5fc8 in /contents-noslash '),
        nop('COPY file:8d80fc3c4ccf810fda018fb4f47ca7e4f202efd0ea4229a3c882d407f53d26aa in /file-as-name '),
        nop('COPY file:8d80fc3c4ccf810fda018fb4f47ca7e4f202efd0ea4229a3c882d407f53d26aa in /newdir/ '),
        nop('COPY multi:b4eeb9296c17d5b644e49461fcdf028fb61b7cbd7f45606cf4ff1520d21bbc23 in /multi/ '),
        nop('COPY file:8d80fc3c4ccf810fda018fb4f47ca7e4f202efd0ea4229a3c882d407f53d26aa in /etc '),
        nop('COPY dir:d22e29176a52e740f5bfd82e51c5218ea9a2926b07f1187690d6b9a52db249de in /sub-trailing '),
        nop('COPY multi:aacb1d48b03ab29056a71c3094e19d2a41e0ec201ac08a5520efcd62a6f2ad7b in /modes/ '),
        // A symlink named as the source is followed: the same hash as one.txt.
        nop('COPY file:8d80fc3c4ccf810fda018fb4f47ca7e4f202efd0ea4229a3c882d407f53d26aa in /top-link '),
      ],
    },
  },
  {
    name: 'copy-wildcards',
    files: { 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.md': 'c\n', 'd1/x': 'x\n', 'd2/y': 'y\n', 'sub/z.txt': 'z\n', 'sub/skip.md': 's\n', 'with space.txt': 'spaced\n' },
    dockerfile: df(
      'FROM busybox',
      'COPY *.txt /txt/',
      'COPY ?.md /md/',
      'COPY [ab].txt /class/',
      'COPY d* /dirs/',
      'COPY sub/*.txt /subtxt/',
      'COPY c.m? /single',
      'COPY ["with space.txt", "/dest dir/"]',
    ),
    expect: {
      files: {
        '/txt/a.txt': 'a\n', '/txt/b.txt': 'b\n', '/txt/c.md': absent, '/md/c.md': 'c\n', '/class/a.txt': 'a\n', '/class/b.txt': 'b\n',
        '/dirs/x': 'x\n', '/dirs/y': 'y\n', '/dirs/d1': absent, '/subtxt/z.txt': 'z\n', '/subtxt/skip.md': absent, '/single': 'c\n', '/dest dir/with space.txt': 'spaced\n',
      },
    },
  },
  {
    name: 'copy-chown',
    files: { 'f.txt': 'f\n', 'dir/g.txt': 'g\n' },
    dockerfile: df(
      'FROM busybox',
      'COPY --chown=1000:1000 f.txt /n/',
      'COPY --chown=user dir /byname/',
      'COPY --chown=user:staff f.txt /byname2/f',
      'COPY --chown=1234 f.txt /numeric',
      'ADD --chown=33:33 f.txt /add-chown',
    ),
    expect: {
      files: {
        '/n/f.txt': { uid: 1000, gid: 1000 }, '/n': { uid: 1000, gid: 1000 }, '/byname/g.txt': { uid: 1000, gid: 1000 }, '/byname': { uid: 1000, gid: 1000 },
        '/byname2/f': { uid: 1000, gid: 50 }, '/numeric': { uid: 1234, gid: 1234 }, '/add-chown': { uid: 33, gid: 33 },
      },
      history: [
        // No space between the --chown flag and the hash.
        nop('COPY --chown=1000:1000file:c698d43595c166f34e1d394b4505ad586155ff208243c78f766955d389360252 in /n/ '),
        nop('COPY --chown=userdir:72923ca2f75723dc86c53aeb6b6de2a1811dd21f190a89d7f1196dba307de645 in /byname/ '),
        nop('COPY --chown=user:stafffile:c698d43595c166f34e1d394b4505ad586155ff208243c78f766955d389360252 in /byname2/f '),
        nop('COPY --chown=1234file:c698d43595c166f34e1d394b4505ad586155ff208243c78f766955d389360252 in /numeric '),
        nop('ADD --chown=33:33file:c698d43595c166f34e1d394b4505ad586155ff208243c78f766955d389360252 in /add-chown '),
      ],
    },
  },
  {
    name: 'copy-chmod',
    dockerLegacy: false,
    files: { 'f.txt': 'f\n' },
    dockerfile: df('FROM busybox', 'COPY --chmod=755 f.txt /x', 'ADD --chmod=0640 f.txt /y', 'COPY --chown=1000:1000 --chmod=600 f.txt /z'),
    expect: { files: { '/x': { mode: 0o755, uid: 0 }, '/y': { mode: 0o640, uid: 0 }, '/z': { mode: 0o600, uid: 1000, gid: 1000 } } },
  },
  {
    name: 'copy-from-stage-index-image',
    dockerfile: df(
      'FROM busybox AS builder',
      'RUN echo built > /artifact && mkdir /outdir && echo o > /outdir/o',
      'FROM scratch AS second',
      'COPY --from=builder /artifact /art2',
      'FROM busybox',
      'COPY --from=builder /artifact /from-name',
      'COPY --from=0 /outdir /from-index/',
      'COPY --from=second /art2 /from-second',
      'COPY --from=busybox /bin/busybox /from-image',
    ),
    expect: {
      files: { '/from-name': 'built\n', '/from-index/o': 'o\n', '/from-second': 'built\n', '/from-image': { type: 'file', mode: 0o755 }, '/artifact': absent },
      layers: 5,
      history: [
        nop('COPY file:07d9b52d2ecb75a1078d64e6d35d8e4f1cdec4855184c899c4b1bde35676b809 in /from-name '),
        nop('COPY dir:0c9c850a44088b7b2dff8ab90dbdfc257c110ae35e90f4c60f6f1fb334eaf9fb in /from-index/ '),
        nop('COPY file:720f2414152778904917df0a3e68a584d255d97fb054ba5db63b37047026c86c in /from-second '),
        nop('COPY file:66622fc90963203af10fc3a97e5fe6b1fe276e60aba66707f20b436ae322b75c in /from-image '),
      ],
    },
  },
  {
    name: 'add-local-tar',
    files: {
      'arch.tar': { tar: { 't/a': 'A\n', 't/b/c': { content: 'C\n', mode: 0o600, uid: 1000, gid: 1000 } } },
      'arch.tar.gz': { tar: { 'g/a': 'GA\n' }, gzip: true },
      'plain.txt': 'plain\n',
      'notatar.tar': 'not a tar\n',
    },
    dockerfile: df('FROM busybox', 'ADD arch.tar /x/', 'ADD arch.tar.gz /y', 'ADD plain.txt /z/', 'ADD notatar.tar /w/', 'COPY arch.tar /copied/'),
    expect: {
      files: {
        '/x/t/a': 'A\n', '/x/t/b/c': { content: 'C\n', mode: 0o600, uid: 1000, gid: 1000 }, '/y/g/a': 'GA\n', '/z/plain.txt': 'plain\n',
        '/w/notatar.tar': 'not a tar\n', '/copied/arch.tar': { type: 'file' }, '/copied/t': absent,
      },
      history: [
        nop('ADD file:a9ff25a568ede2bfde7bd73a00995fe4411914b3c2984ac3e5d847fea7adca96 in /x/ '),
        nop('ADD file:494bb713d3317b43641589c1c3041981c46db8212bcc69d4ff88d14840721526 in /y '),
        nop('ADD file:612520db7c034891b73652fb505b005ed45e7e7e31dfc129fada410b4214884a in /z/ '),
        nop('ADD file:69e5b316eac76523bb1141a8b7c2c65ca5f475dcd67622d80a332243b981e173 in /w/ '),
        nop('COPY file:a9ff25a568ede2bfde7bd73a00995fe4411914b3c2984ac3e5d847fea7adca96 in /copied/ '),
      ],
    },
  },
  {
    name: 'add-url',
    dockerfile: df('FROM busybox', 'ADD {{HTTP}}/files/remote.txt /remote/', 'ADD {{HTTP}}/files/remote.txt /named.txt', 'ADD {{HTTP}}/files/data.tar /url-tar/'),
    expect: {
      files: { '/remote/remote.txt': { content: 'from the url server\n', mode: 0o600, uid: 0 }, '/named.txt': { content: 'from the url server\n', mode: 0o600 },
        '/url-tar/data.tar': { type: 'file', mode: 0o600 }, '/url-tar/inside': absent },
      // A URL's content hash has no `file:` prefix.
      history: [nop('ADD 6863c7660b2de8c8d31e11cb92321c02681e4282db306c57328c9613539b1326 in /remote/ '), nop('ADD 6863c7660b2de8c8d31e11cb92321c02681e4282db306c57328c9613539b1326 in /named.txt '),
        nop('ADD 7ffd099a82658c9345ca508628b2f6b501ba314afc8e8faf7778564edd04863b in /url-tar/ ')],
    },
  },
  {
    name: 'healthcheck-options-none-stopsignal',
    dockerfile: df(
      'FROM busybox AS hc',
      'HEALTHCHECK --interval=30s --timeout=3s --start-period=1m --retries=5 CMD ["true"]',
      'FROM hc AS none',
      'HEALTHCHECK NONE',
      'STOPSIGNAL 9',
      'FROM hc',
      'HEALTHCHECK --retries=2 CMD wget -q http://localhost/ || exit 1',
    ),
    expect: {
      // A commit merges an unset duration from the parent image's healthcheck.
      config: { Healthcheck: { Test: ['CMD-SHELL', 'wget -q http://localhost/ || exit 1'], Interval: 30_000_000_000, Timeout: 3_000_000_000, StartPeriod: 60_000_000_000, Retries: 2 } },
      history: [nop(' HEALTHCHECK &{["CMD" "true"] "30s" "3s" "1m0s" \'\\x05\'}'), nop(' HEALTHCHECK &{["CMD-SHELL" "wget -q http://localhost/ || exit 1"] "0s" "0s" "0s" \'\\x02\'}')],
    },
  },
  {
    name: 'healthcheck-none',
    dockerfile: df('FROM busybox AS hc', 'HEALTHCHECK --interval=30s --timeout=3s --start-period=1m --retries=5 CMD ["true"]', 'FROM hc', 'HEALTHCHECK NONE', 'STOPSIGNAL 9'),
    // NONE keeps the parent's durations and retries (the commit merges them in).
    expect: { config: { Healthcheck: { Test: ['NONE'], Interval: 30_000_000_000, Timeout: 3_000_000_000, StartPeriod: 60_000_000_000, Retries: 5 }, StopSignal: '9' } },
  },
  {
    name: 'onbuild-parent',
    files: { 'trigger.txt': 'from the parent context\n' },
    dockerfile: df(
      'FROM busybox',
      'ONBUILD ARG GREETING=hi',
      'ONBUILD RUN echo "$GREETING" > /greeting',
      'ONBUILD COPY trigger.txt /trigger.txt',
      'RUN echo parent > /parent',
    ),
    expect: {
      config: { OnBuild: ['ARG GREETING=hi', 'RUN echo "$GREETING" > /greeting', 'COPY trigger.txt /trigger.txt'] },
      files: { '/parent': 'parent\n', '/greeting': absent, '/trigger.txt': absent },
    },
  },
  {
    name: 'onbuild-child',
    after: ['onbuild-parent'],
    files: { 'trigger.txt': 'from the child context\n' },
    dockerfile: df('FROM corpus/onbuild-parent', 'RUN echo child > /child'),
    expect: {
      config: { OnBuild: null },
      files: { '/parent': 'parent\n', '/greeting': 'hi\n', '/trigger.txt': 'from the child context\n', '/child': 'child\n' },
      stdoutIncludes: ['# Executing 3 build triggers'],
      history: [nop(' ARG GREETING=hi'), '|1 GREETING=hi /bin/sh -c echo "$GREETING" > /greeting', nop('COPY file:e7fd354f4ad8294926c86b1ebfe62f2fe9fb1dd11465d1e747af9ddfdd20c616 in /trigger.txt '), '|1 GREETING=hi /bin/sh -c echo child > /child'],
    },
  },
  {
    name: 'onbuild-from-stage',
    // `as` in any case; stage names are case-insensitive.
    dockerfile: df('FROM busybox as Parent', 'ONBUILD RUN echo triggered > /t', 'FROM parent', 'RUN cat /t > /seen'),
    expect: { config: { OnBuild: null }, files: { '/t': 'triggered\n', '/seen': 'triggered\n' }, stdoutMatches: ['^Step 3/4 : FROM parent\n# Executing 1 build trigger\n ---> Running in [0-9a-f]{12}\n'] },
  },
  {
    name: 'dockerignore',
    files: {
      '.dockerignore': '# comment\n**/*.log\n!keep.log\nsecret/\n!secret/public.txt\nDockerfile\n.dockerignore\n*/temp?\n', 'secret/public.txt': 'public\n',
      'a.log': 'a', 'keep.log': 'keep\n', 'sub/b.log': 'b', 'sub/deep/c.log': 'c', 'sub/deep/keep.txt': 'k\n', 'secret/s.txt': 's', 'src/app.txt': 'app\n', 'src/temp1': 't', 'src/temp12': 'kept\n',
    },
    dockerfile: df('FROM busybox', 'COPY . /ctx/'),
    expect: {
      files: {
        '/ctx/keep.log': 'keep\n', '/ctx/a.log': absent, '/ctx/sub/b.log': absent, '/ctx/sub/deep/c.log': absent, '/ctx/sub/deep/keep.txt': 'k\n',
        '/ctx/secret/s.txt': absent, '/ctx/secret/public.txt': 'public\n', '/ctx/src/app.txt': 'app\n', '/ctx/src/temp1': absent, '/ctx/src/temp12': 'kept\n', '/ctx/Dockerfile': absent, '/ctx/.dockerignore': absent,
      },
    },
  },
  {
    name: 'multistage-target',
    dockerfile: df(
      'FROM busybox AS base',
      'RUN echo base > /base',
      'FROM base AS test',
      'RUN echo test > /test',
      'FROM base AS final',
      'RUN exit 1',
    ),
    args: ['--target', 'test'],
    expect: {
      files: { '/base': 'base\n', '/test': 'test\n' },
      // The Dockerfile is cut at the target stage: 4 steps, not 6.
      stdoutIncludes: ['Step 4/4 : RUN echo test > /test'],
      stdoutExcludes: ['RUN exit 1'],
    },
  },
  {
    name: 'quiet-tags-labels',
    dockerfile: df('FROM busybox', 'RUN echo quiet > /q'),
    args: ['-q', '-t', 'corpus/q1', '-t', 'corpus/q2:v2', '--label', 'cli=1'],
    expect: {
      stdout: '{{ID}}\n',
      tags: ['corpus/q1:latest', 'corpus/q2:v2', 'corpus/quiet-tags-labels:latest'],
      config: { Labels: { cli: '1' } },
      files: { '/q': 'quiet\n' },
    },
  },
  {
    name: 'stdin-dockerfile',
    context: 'stdin-dockerfile',
    dockerfile: df('FROM busybox', 'RUN echo stdin > /stdin', 'ENV S=1'),
    expect: { config: { Env: [PATH_ENV, 'S=1'] }, files: { '/stdin': 'stdin\n' }, stdoutIncludes: ['Sending build context to Docker daemon'] },
  },
  {
    name: 'stdin-tar-context',
    context: 'stdin-tar',
    files: { 'in-tar.txt': 'from the tar\n' },
    dockerfile: df('FROM busybox', 'COPY in-tar.txt /'),
    expect: { files: { '/in-tar.txt': 'from the tar\n' } },
  },
  {
    name: 'dockerfile-from-stdin-with-context',
    context: 'stdin-dockerfile-with-dir',
    files: { 'ctx.txt': 'ctx\n' },
    dockerfile: df('FROM busybox', 'COPY . /ctx/'),
    expect: { files: { '/ctx/ctx.txt': 'ctx\n' } },
  },
  {
    name: 'dockerfile-outside-context',
    dockerfilePath: '../elsewhere/Build.alt',
    files: { 'ctx.txt': 'ctx\n' },
    dockerfile: df('FROM busybox', 'COPY . /ctx/'),
    expect: { files: { '/ctx/ctx.txt': 'ctx\n', '/ctx/Build.alt': absent } },
  },
  {
    name: 'dockerfile-in-ignored-subdir',
    dockerfilePath: 'build/Custom.Dockerfile',
    files: { '.dockerignore': 'build/\n', 'app.txt': 'app\n', 'build/other.txt': 'other\n' },
    dockerfile: df('FROM busybox', 'COPY . /ctx/'),
    expect: { files: { '/ctx/app.txt': 'app\n', '/ctx/build': { type: 'dir' }, '/ctx/build/Custom.Dockerfile': absent, '/ctx/build/other.txt': absent, '/ctx/.dockerignore': 'build/\n' } },
  },
  {
    name: 'heredocs',
    dockerLegacy: false,
    dockerfile: df(
      '# syntax=docker/dockerfile:1',
      'FROM busybox',
      'ARG WHO=world',
      'RUN <<EOF',
      'echo "hello $WHO" > /h1',
      'echo second >> /h1',
      'EOF',
      'RUN <<-EOT',
      '\techo tabbed > /h2',
      '\tEOT',
      'COPY <<EOF /c1',
      'plain $WHO',
      'EOF',
      'COPY <<"EOF" /c2',
      'quoted $WHO',
      'EOF',
      'COPY <<A <<B /multi/',
      'a',
      'A',
      'b',
      'B',
      'RUN cat <<A > /r1 && cat <<B > /r2',
      'one',
      'A',
      'two',
      'B',
    ),
    expect: {
      files: {
        '/h1': 'hello world\nsecond\n', '/h2': 'tabbed\n', '/c1': { content: 'plain world\n', mode: 0o644, uid: 0 }, '/c2': 'quoted $WHO\n',
        '/multi/A': 'a\n', '/multi/B': 'b\n', '/r1': 'one\n', '/r2': 'two\n',
      },
    },
  },
  // ---- Dockerfiles that fail
  {
    name: 'error-unknown-instruction',
    dockerfile: df('FROM busybox', 'RUN true', 'FOO bar'),
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: dockerfile parse error line 3: unknown instruction: FOO'] } },
  },
  {
    name: 'error-no-from',
    dockerfile: df('ENV A=1', 'FROM busybox'),
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: no build stage in current context'] } },
  },
  {
    name: 'error-unterminated-variable',
    dockerfile: df('FROM busybox', 'ENV A=${B'),
    expect: { error: { exitCode: 1, includes: ['failed to process "${B": missing \':\' in substitution'] } },
  },
  {
    name: 'error-copy-missing-source',
    dockerfile: df('FROM busybox', 'COPY nope /x'),
    expect: { error: { exitCode: 1, includes: ['Step 2/2 : COPY nope /x', 'COPY failed: file not found in build context or excluded by .dockerignore: stat nope: file does not exist'] } },
  },
  {
    name: 'error-copy-multiple-sources-file-dest',
    files: { 'a': 'a', 'b': 'b' },
    dockerfile: df('FROM busybox', 'COPY a b /dest'),
    expect: { error: { exitCode: 1, includes: ['When using COPY with more than one source file, the destination must be a directory and end with a /'] } },
  },
  {
    name: 'error-copy-outside-context',
    dockerfile: df('FROM busybox', 'COPY ../x /'),
    expect: { error: { exitCode: 1, includes: ['COPY failed: forbidden path outside the build context: ../x ()'] } },
  },
  {
    name: 'error-run-fails',
    dockerfile: df('FROM busybox', 'RUN exit 3'),
    expect: { error: { exitCode: 3, includes: ['Step 2/2 : RUN exit 3', "The command '/bin/sh -c exit 3' returned a non-zero code: 3"], leavesContainer: true } },
  },
  {
    name: 'error-onbuild-onbuild',
    dockerfile: df('FROM busybox', 'ONBUILD ONBUILD RUN true'),
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: dockerfile parse error line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed'] } },
  },
  {
    name: 'error-unknown-flag',
    dockerfile: df('FROM busybox', 'COPY --nope=1 a /'),
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: dockerfile parse error line 2: Unknown flag: nope'] } },
  },
  {
    name: 'error-healthcheck-bad-duration',
    dockerfile: df('FROM busybox', '', 'HEALTHCHECK --interval=abc CMD true'),
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: dockerfile parse error line 3: time: invalid duration "abc"'] } },
  },
  {
    name: 'error-missing-arguments',
    dockerfile: df('FROM busybox', 'EXPOSE'),
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: dockerfile parse error line 2: EXPOSE requires at least one argument'] } },
  },
  {
    name: 'error-invalid-stopsignal',
    dockerfile: df('FROM busybox', 'STOPSIGNAL NOPE'),
    expect: { error: { exitCode: 1, includes: ['Step 2/2 : STOPSIGNAL NOPE', 'Invalid signal: NOPE'] } },
  },
  {
    name: 'error-line-counts-continuations',
    dockerfile: df('FROM busybox', 'RUN echo a \\', '  b', '# comment', '', 'COPY --bad=1 \\', '   x /'),
    // The line an instruction starts on, counting continuation, comment and blank lines.
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: dockerfile parse error line 6: Unknown flag: bad'] } },
  },
  {
    name: 'error-onbuild-from',
    dockerfile: df('FROM busybox', 'ONBUILD FROM busybox'),
    expect: { error: { exitCode: 1, includes: ["Error response from daemon: dockerfile parse error line 2: FROM isn't allowed as an ONBUILD trigger"] } },
  },
  {
    name: 'error-env-without-value',
    dockerfile: df('FROM busybox', 'ENV A'),
    // One of the few parse errors of dockerd 20.10 that names no line.
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: failed to parse Dockerfile: ENV must have two arguments'] } },
  },
  {
    name: 'error-add-one-argument',
    dockerfile: df('FROM busybox', 'ADD onlyone'),
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: dockerfile parse error line 2: ADD requires at least two arguments, but only one was provided. Destination could not be determined'] } },
  },
  {
    name: 'error-healthcheck-without-command',
    dockerfile: df('FROM busybox', 'HEALTHCHECK --retries=1'),
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: dockerfile parse error line 2: HEALTHCHECK requires at least one argument'] } },
  },
  {
    name: 'error-arg-bad-name',
    dockerfile: df('FROM busybox', 'ARG ="x"'),
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: dockerfile parse error line 2: ARG names can not be blank'] } },
  },
  {
    name: 'error-empty-from',
    dockerfile: df('FROM ${MISSING}'),
    expect: { error: { exitCode: 1, includes: ['base name (${MISSING}) should not be blank'] } },
  },
  {
    name: 'error-target-missing',
    dockerfile: df('FROM busybox AS a'),
    args: ['--target', 'nostage'],
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: failed to reach build target nostage in Dockerfile'] } },
  },
  {
    name: 'error-empty-dockerfile',
    dockerfile: '',
    expect: { error: { exitCode: 1, includes: ['Error response from daemon: the Dockerfile (Dockerfile) cannot be empty'] } },
  },
  {
    name: 'error-stdin-dockerfile-has-no-context',
    context: 'stdin-dockerfile',
    dockerfile: df('FROM busybox', 'COPY f.txt /'),
    expect: { error: { exitCode: 1, includes: ['Step 2/2 : COPY f.txt /', 'COPY failed: file not found in build context or excluded by .dockerignore: stat f.txt: file does not exist'] } },
  },
];

// ---------------------------------------------------------------------------------------------
// Running a case: shared by scripts/verify-build-corpus.mjs (against dockerd) and build.test.ts

export interface RunResult { code: number; stdout: string; stderr: string }
export type Cli = (args: string[], opts?: { input?: Buffer }) => Promise<RunResult>;

export interface Harness {
  /** The docker CLI's environment for the engine under test (DOCKER_HOST, DOCKER_BUILDKIT=0 …). */
  env: NodeJS.ProcessEnv;
  /** The CLI that runs `build` for this case (docker, or berth in the berth test). */
  builder?: Cli;
  /** A scratch directory the case's context is written under. */
  workDir: string;
  /** `{{NAME}}` substitutions in Dockerfiles, args and expectations (HTTP: the URL server). */
  vars: Record<string, string>;
}

export const tagOf = (c: BuildCase) => `corpus/${c.name}:latest`;

export function subst(s: string, vars: Record<string, string>): string {
  return s.replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m);
}

export async function tarOf(entries: Record<string, string | { content: string; mode?: number; uid?: number; gid?: number }>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<Buffer>((resolve, reject) => { pack.on('end', () => resolve(Buffer.concat(chunks))); pack.on('error', reject); });
  const mtime = new Date('2024-01-02T03:04:05Z');
  for (const [name, spec] of Object.entries(entries)) {
    const s = typeof spec === 'string' ? { content: spec } : spec;
    pack.entry({ name, mode: s.mode ?? 0o644, uid: s.uid ?? 0, gid: s.gid ?? 0, mtime, uname: '', gname: '' }, s.content);
  }
  pack.finalize();
  return done;
}

/** Writes the case's context under workDir/<name>/ctx; returns the `docker build` arguments and stdin. */
export async function materialize(c: BuildCase, h: Harness): Promise<{ args: string[]; input?: Buffer }> {
  const base = join(h.workDir, c.name);
  const ctx = join(base, 'ctx');
  mkdirSync(ctx, { recursive: true });
  for (const [rel, spec] of Object.entries(c.files ?? {})) {
    const p = join(ctx, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof spec === 'string') writeFileSync(p, spec);
    else if ('symlink' in spec) { symlinkSync(spec.symlink, p); lchownSync(p, 0, 0); }
    else if ('tar' in spec) { const t = await tarOf(spec.tar); writeFileSync(p, spec.gzip ? gzipSync(t) : t); }
    else {
      writeFileSync(p, spec.content);
      if (spec.mode !== undefined) chmodSync(p, spec.mode);
      if (spec.uid !== undefined || spec.gid !== undefined) chownSync(p, spec.uid ?? 0, spec.gid ?? 0);
    }
  }
  const dockerfile = subst(c.dockerfile, h.vars);
  const args = ['build', ...(c.args ?? []).map((a) => subst(a, h.vars)), '-t', tagOf(c)];
  if (c.context === 'stdin-dockerfile') return { args: [...args, '-'], input: Buffer.from(dockerfile) };
  if (c.context === 'stdin-dockerfile-with-dir') return { args: [...args, '-f', '-', ctx], input: Buffer.from(dockerfile) };
  const dfPath = join(ctx, c.dockerfilePath ?? 'Dockerfile');
  mkdirSync(dirname(dfPath), { recursive: true });
  writeFileSync(dfPath, dockerfile);
  if (c.context === 'stdin-tar') return { args: [...args, '-'], input: await spawnOut('tar', ['-C', ctx, '--sort=name', '-cf', '-', '.']) };
  return { args: [...args, ...(c.dockerfilePath ? ['-f', dfPath] : []), ctx] };
}

/** The docker CLI against the harness's engine. */
export function dockerCli(env: NodeJS.ProcessEnv): Cli {
  return (args, opts = {}) => new Promise((resolve, reject) => {
    const p = spawn('docker', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(opts.input);
  });
}

function spawnOut(cmd: string, args: string[], input?: Buffer, env?: NodeJS.ProcessEnv): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} ${args.join(' ')}: ${code} ${err}`))));
    p.stdin.end(input);
  });
}

/** What a case's build produced, as observed through the docker CLI. */
export interface Observed {
  build: RunResult;
  id?: string;
  config?: Record<string, unknown>;
  image?: Record<string, unknown>;
  layers?: number;
  history?: string[];
  files?: Record<string, FileExpect>;
  run?: string[];
  tags?: string[];
  imagesChanged?: boolean;
  containersLeft?: number;
}

interface FsEntry { type: 'file' | 'dir' | 'symlink' | 'other'; mode: number; uid: number; gid: number; content?: Buffer; size: number; link?: string }

async function readTar(buf: Buffer): Promise<{ header: tar.Header; data: Buffer }[]> {
  const out: { header: tar.Header; data: Buffer }[] = [];
  const ex = tar.extract();
  Readable.from([buf]).pipe(ex);
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({ header: entry.header, data: Buffer.concat(chunks) });
  }
  return out;
}

/** The image's filesystem from `docker save`: its layers applied in order, whiteouts honoured. */
export async function imageFilesystem(saved: Buffer): Promise<Map<string, FsEntry>> {
  const outer = new Map((await readTar(saved)).map((e) => [e.header.name.replace(/^\.\//, ''), e.data]));
  const manifest = JSON.parse(outer.get('manifest.json')!.toString('utf8')) as { Layers: string[] }[];
  const fs = new Map<string, FsEntry>();
  for (const layerPath of manifest[0].Layers) {
    let layer = outer.get(layerPath)!;
    if (layer[0] === 0x1f && layer[1] === 0x8b) layer = (await import('node:zlib')).gunzipSync(layer);
    for (const { header, data } of await readTar(layer)) {
      const name = '/' + header.name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
      const dir = name.slice(0, name.lastIndexOf('/')) || '/';
      const base = name.slice(name.lastIndexOf('/') + 1);
      if (base === '.wh..wh..opq') {
        for (const k of [...fs.keys()]) if (k.startsWith(dir === '/' ? '/' : dir + '/') && k !== dir) fs.delete(k);
        continue;
      }
      if (base.startsWith('.wh.')) {
        const gone = (dir === '/' ? '' : dir) + '/' + base.slice(4);
        for (const k of [...fs.keys()]) if (k === gone || k.startsWith(gone + '/')) fs.delete(k);
        continue;
      }
      const common = { mode: (header.mode ?? 0) & 0o7777, uid: header.uid ?? 0, gid: header.gid ?? 0 };
      if (header.type === 'directory') fs.set(name, { type: 'dir', ...common, size: 0 });
      else if (header.type === 'symlink') fs.set(name, { type: 'symlink', ...common, size: 0, link: header.linkname ?? '' });
      else if (header.type === 'link') {
        const target = fs.get('/' + (header.linkname ?? '').replace(/^\.?\/+/, ''));
        if (target) fs.set(name, { ...target });
      } else if (header.type === 'file' || header.type === 'contiguous-file') fs.set(name, { type: 'file', ...common, size: data.length, content: data });
      else fs.set(name, { type: 'other', ...common, size: 0 });
    }
  }
  return fs;
}

/** The observed value of a path, in the shape of its expectation. */
function observeFile(fs: Map<string, FsEntry>, path: string, want: FileExpect): FileExpect {
  const e = fs.get(path.replace(/\/+$/, '') || '/');
  if (!e) return absent;
  if (typeof want === 'string') return e.type === 'file' ? e.content!.toString('utf8') : { type: e.type === 'other' ? undefined : e.type };
  if ('absent' in want) return { type: e.type === 'other' ? undefined : e.type };
  const out: Exclude<FileExpect, string | { absent: true }> = {};
  if (want.type !== undefined) out.type = e.type === 'other' ? undefined : e.type;
  if (want.content !== undefined) out.content = e.content?.toString('utf8');
  if (want.size !== undefined) out.size = e.size;
  if (want.mode !== undefined) out.mode = e.mode;
  if (want.uid !== undefined) out.uid = e.uid;
  if (want.gid !== undefined) out.gid = e.gid;
  if (want.link !== undefined) out.link = e.link;
  return out;
}

/** Builds the case and observes everything its expectations name. */
export async function buildAndObserve(c: BuildCase, h: Harness): Promise<Observed> {
  const { args, input } = await materialize(c, h);
  const docker = dockerCli(h.env);
  const builder = h.builder ?? docker;
  const e = c.expect;
  if (e.error) {
    const before = await snapshot(docker);
    const build = await builder(args, { input });
    const afterSnap = await snapshot(docker);
    const left = afterSnap.containers.filter((x) => !before.containers.includes(x));
    for (const id of left) await docker(['rm', '-f', id]);
    return { build, imagesChanged: afterSnap.images.join() !== before.images.join(), containersLeft: left.length };
  }
  const build = await builder(args, { input });
  if (build.code !== 0) return { build };
  const tag = tagOf(c);
  const obs: Observed = { build };
  const inspect = await docker(['image', 'inspect', tag]);
  if (inspect.code !== 0) return obs;
  const img = JSON.parse(inspect.stdout)[0] as Record<string, unknown> & { Id: string; Config: Record<string, unknown>; RootFS: { Layers?: string[] }; RepoTags: string[] };
  obs.id = img.Id;
  obs.config = img.Config ?? {};
  obs.image = img;
  obs.layers = img.RootFS?.Layers?.length ?? 0;
  obs.tags = img.RepoTags;
  if (e.history) {
    const hist = await docker(['history', '--no-trunc', '--format', '{{json .CreatedBy}}', tag]);
    obs.history = hist.stdout.trim().split('\n').map((l) => JSON.parse(l) as string).reverse().slice(-e.history.length);
  }
  if (e.files) {
    const fs = await imageFilesystem(await spawnOut('docker', ['save', tag], undefined, h.env));
    obs.files = Object.fromEntries(Object.entries(e.files).map(([p, want]) => [p, observeFile(fs, p, want)]));
  }
  if (e.run) {
    obs.run = [];
    for (const r of e.run) obs.run.push((await docker(['run', '--rm', ...(r.args ?? []), tag, ...(r.cmd ?? [])])).stdout);
  }
  return obs;
}

async function snapshot(docker: Cli): Promise<{ images: string[]; containers: string[] }> {
  const images = (await docker(['images', '-q', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean).sort();
  const containers = (await docker(['ps', '-aq', '--no-trunc'])).stdout.trim().split('\n').filter(Boolean).sort();
  return { images, containers };
}

const norm = (v: unknown) => (v === undefined ? null : v);
/** JSON with object keys sorted: maps (Labels, ExposedPorts, Volumes) compare regardless of order. */
const canon = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) =>
  x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x);
/** JSON, with file modes in octal as the corpus writes them. */
export const show = (v: unknown) => (JSON.stringify(v) ?? 'undefined').replace(/"mode":(\d+)/g, (_m, n: string) => `"mode":0o${Number(n).toString(8)}`);

/**
 * Mismatches between a case's expectations and what was observed. `maskHashes` compares
 * COPY/ADD history entries with their content hash (`file:<sha256>`, `dir:…`, `multi:…`) elided.
 * `failedRunRemoved`: the engine removes the container of a failed RUN.
 */
export function compare(c: BuildCase, o: Observed, vars: Record<string, string>, opts: { maskHashes?: boolean; failedRunRemoved?: boolean } = {}): string[] {
  const e = c.expect;
  const out: string[] = [];
  const all = o.build.stdout + o.build.stderr;
  if (e.error) {
    if (o.build.code !== e.error.exitCode) out.push(`exit code ${o.build.code}, want ${e.error.exitCode}`);
    for (const s of e.error.includes) if (!all.includes(subst(s, vars))) out.push(`output lacks ${JSON.stringify(s)}`);
    if (o.imagesChanged) out.push('the failed build changed `docker images`');
    // berth keeps no container of a failed RUN (the classic builder leaves one for debugging).
    const wantLeft = e.error.leavesContainer && !opts.failedRunRemoved ? 1 : 0;
    if (o.containersLeft !== wantLeft) out.push(`left ${o.containersLeft} containers, want ${wantLeft}`);
    return out.length ? [...out, `stderr: ${o.build.stderr.trim()}`] : out;
  }
  if (o.build.code !== 0) return [`build failed (${o.build.code}): ${o.build.stderr.trim()} ${o.build.stdout.trim().split('\n').slice(-3).join(' | ')}`];
  if (!o.config) return ['no image'];
  const cfg = o.config;
  for (const [k, want] of Object.entries(e.config ?? {})) {
    if (canon(norm(cfg[k])) !== canon(norm(want))) out.push(`Config.${k} = ${show(norm(cfg[k]))}, want ${show(want)}`);
  }
  for (const [k, want] of Object.entries(e.image ?? {})) {
    if (o.image?.[k] !== want) out.push(`${k} = ${show(o.image?.[k])}, want ${show(want)}`);
  }
  if (e.layers !== undefined && o.layers !== e.layers) out.push(`${o.layers} layers, want ${e.layers}`);
  for (const t of e.tags ?? []) if (!o.tags?.includes(t)) out.push(`tag ${t} missing (have ${show(o.tags)})`);
  if (e.history) {
    const mask = (s: string) => (opts.maskHashes ? s.replace(/\b((?:file|dir|multi):)?[0-9a-f]{64}\b/g, '$1<hash>') : s);
    const want = e.history.map((s) => mask(subst(s, vars)));
    const got = (o.history ?? []).map(mask);
    if (JSON.stringify(got) !== JSON.stringify(want)) out.push(`history =\n    ${got.map((s) => JSON.stringify(s)).join(',\n    ')}\n  want\n    ${want.map((s) => JSON.stringify(s)).join(',\n    ')}`);
  }
  for (const [p, want] of Object.entries(e.files ?? {})) {
    const got = o.files?.[p];
    const w = typeof want === 'string' ? subst(want, vars) : want;
    if (canon(got) !== canon(w)) out.push(`file ${p} = ${show(got)}, want ${show(w)}`);
  }
  const stdout = o.build.stdout;
  if (e.stdout !== undefined && stdout !== subst(e.stdout, { ...vars, ID: o.id ?? '' })) out.push(`stdout = ${JSON.stringify(stdout)}, want ${JSON.stringify(e.stdout)}`);
  for (const s of e.stdoutIncludes ?? []) if (!stdout.includes(subst(s, vars))) out.push(`stdout lacks ${JSON.stringify(s)}`);
  for (const s of e.stdoutExcludes ?? []) if (stdout.includes(subst(s, vars))) out.push(`stdout has ${JSON.stringify(s)}`);
  for (const s of e.stdoutMatches ?? []) if (!new RegExp(s, 'm').test(stdout)) out.push(`stdout does not match /${s}/`);
  (e.run ?? []).forEach((r, i) => {
    if (o.run?.[i] !== r.stdout) out.push(`run ${show([...(r.args ?? []), '…', ...(r.cmd ?? [])])} printed ${JSON.stringify(o.run?.[i])}, want ${JSON.stringify(r.stdout)}`);
  });
  return out;
}

/** Runs cases with bounded concurrency, each after the cases it names in `after`. */
export function scheduleCases<T>(cases: BuildCase[], concurrency: number, run: (c: BuildCase) => Promise<T>): Map<string, Promise<T>> {
  const results = new Map<string, Promise<T>>();
  let active = 0;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    if (active >= concurrency) await new Promise<void>((r) => waiting.push(r));
    active++;
  };
  const release = () => { active--; waiting.shift()?.(); };
  for (const c of cases) {
    const deps = (c.after ?? []).map((n) => results.get(n)).filter((p): p is Promise<T> => !!p);
    const p = (async () => {
      await Promise.allSettled(deps);
      await slot();
      try { return await run(c); } finally { release(); }
    })();
    p.catch(() => { /* reported by whoever awaits it */ });
    results.set(c.name, p);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// The URL server ADD fetches from (http://127.0.0.1 only), served identically by both harnesses

export const HTTP_LAST_MODIFIED = 'Tue, 02 Jan 2024 03:04:05 GMT';
export async function httpFiles(): Promise<Record<string, Buffer>> {
  return {
    '/files/remote.txt': Buffer.from('from the url server\n'),
    '/files/data.tar': await tarOf({ inside: 'a tar fetched by URL is not extracted\n' }),
  };
}

/** Serves httpFiles on 127.0.0.1 with a fixed Last-Modified; `url` is what `{{HTTP}}` stands for. */
export async function serveHttpFiles(): Promise<{ url: string; close: () => void }> {
  const files = await httpFiles();
  const server = createServer((req, res) => {
    const f = files[req.url ?? ''];
    if (!f) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Last-Modified': HTTP_LAST_MODIFIED, 'Content-Length': f.length });
    res.end(f);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

// ---------------------------------------------------------------------------------------------
// The cache: a rebuild hits the cache for every step; one changed file invalidates exactly the
// steps from the instruction that copies it; --no-cache rebuilds all.

export const cacheScenario = {
  files: { 'early.txt': 'early\n', 'late.txt': 'late v1\n' },
  dockerfile: df(
    'FROM busybox',
    'ENV CACHE_SCENARIO=1',
    'COPY early.txt /early.txt',
    'RUN cat /early.txt > /copy-of-early',
    'LABEL stage=middle',
    'COPY late.txt /late.txt',
    'RUN cat /late.txt > /copy-of-late',
    'CMD ["cat", "/copy-of-late"]',
  ),
  /** Steps after FROM, and how many of them come before `COPY late.txt`. */
  steps: 7,
  beforeLateCopy: 4,
};

export const usingCache = (stdout: string) => (stdout.match(/^ ---> Using cache$/gm) ?? []).length;

/**
 * Builds the scenario through `docker build` and returns mismatches with the expected cache use.
 * `restart` (the engine stopped and started) runs between the first rebuild and the next one.
 * `afterBuilderPrune`: whether a rebuild after `docker builder prune -f` still uses the cache.
 * Docker's legacy builder keeps its cache as intermediate images, which `builder prune` does not
 * touch ("Total reclaimed space: 0B", every step still cached; only `docker rmi` of the image,
 * which deletes its untagged parents, drops it); berth's builder prune clears its build cache.
 */
export async function runCacheScenario(h: Harness, opts: { restart?: () => Promise<void>; afterBuilderPrune: 'cached' | 'uncached' }): Promise<string[]> {
  const docker = dockerCli(h.env);
  const ctx = join(h.workDir, 'cache-scenario');
  mkdirSync(ctx, { recursive: true });
  for (const [n, content] of Object.entries(cacheScenario.files)) writeFileSync(join(ctx, n), content);
  writeFileSync(join(ctx, 'Dockerfile'), cacheScenario.dockerfile);
  const out: string[] = [];
  const build = async (what: string, extra: string[] = []) => {
    const r = await docker(['build', ...extra, '-t', 'corpus/cache:latest', ctx]);
    if (r.code !== 0) throw new Error(`${what}: build failed: ${r.stderr}`);
    const id = (await docker(['image', 'inspect', '-f', '{{.Id}}', 'corpus/cache:latest'])).stdout.trim();
    return { cached: usingCache(r.stdout), id, stdout: r.stdout };
  };
  const expectCached = (what: string, got: { cached: number; stdout: string }, want: number) => {
    if (got.cached !== want) out.push(`${what}: ${got.cached} steps used the cache, want ${want}\n${got.stdout}`);
  };
  const { steps, beforeLateCopy } = cacheScenario;
  const first = await build('first build');
  expectCached('first build', first, 0);
  const again = await build('rebuild');
  expectCached('rebuild', again, steps);
  if (again.id !== first.id) out.push(`rebuild made ${again.id}, want ${first.id}`);
  if (opts.restart) {
    await opts.restart();
    const restarted = await build('rebuild after a restart');
    expectCached('rebuild after a restart', restarted, steps);
    if (restarted.id !== first.id) out.push(`rebuild after a restart made ${restarted.id}, want ${first.id}`);
  }
  writeFileSync(join(ctx, 'late.txt'), 'late v2\n');
  const changed = await build('late.txt changed');
  expectCached('late.txt changed', changed, beforeLateCopy);
  if (changed.id === first.id) out.push('late.txt changed: same image id');
  const ran = await docker(['run', '--rm', 'corpus/cache:latest']);
  if (ran.stdout !== 'late v2\n') out.push(`late.txt changed: the image prints ${JSON.stringify(ran.stdout)}`);
  writeFileSync(join(ctx, 'late.txt'), 'late v1\n');
  const restored = await build('late.txt restored');
  expectCached('late.txt restored', restored, steps);
  if (restored.id !== first.id) out.push(`late.txt restored made ${restored.id}, want ${first.id}`);
  const noCache = await build('--no-cache', ['--no-cache']);
  expectCached('--no-cache', noCache, 0);
  if (noCache.id === first.id) out.push('--no-cache: same image id');
  const pruned = await docker(['builder', 'prune', '-f']);
  if (pruned.code !== 0) out.push(`builder prune failed: ${pruned.stderr}`);
  const afterPrune = await build('after builder prune');
  expectCached(`after builder prune (${opts.afterBuilderPrune})`, afterPrune, opts.afterBuilderPrune === 'cached' ? steps : 0);
  return out;
}
