// Expected messages and help texts are the real docker CLI's (v28.2.2: cobra + spf13/pflag), e.g.
// `docker ps -z`, `docker ps --help`; parsing rules follow pflag's flag.go.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FlagError,
  type FlagSpec,
  checkArgs,
  defineFlags,
  flagErrorText,
  flagUsages,
  parseFlags,
  renderHelp,
} from '../../src/cli/flags.js';

const FORMAT_USAGE = `Format output using a custom template:
'table':            Print output in table format with column headers (default)
'table TEMPLATE':   Print output in table format using the given Go template
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates`;

const psFlags = defineFlags({
  all: { type: 'bool', short: 'a', usage: 'Show all containers (default shows just running)' },
  filter: { type: 'stringArray', short: 'f', typeName: 'filter', usage: 'Filter output based on conditions provided' },
  format: { type: 'string', usage: FORMAT_USAGE },
  last: { type: 'int', short: 'n', default: -1, usage: 'Show n last created containers (includes all states)' },
  latest: { type: 'bool', short: 'l', usage: 'Show the latest created container (includes all states)' },
  'no-trunc': { type: 'bool', usage: "Don't truncate output" },
  quiet: { type: 'bool', short: 'q', usage: 'Only display container IDs' },
  size: { type: 'bool', short: 's', usage: 'Display total file sizes' },
});

const runFlags = defineFlags({
  detach: { type: 'bool', short: 'd', usage: 'Run container in background and print container ID' },
  env: { type: 'stringArray', short: 'e', typeName: 'list', usage: 'Set environment variables' },
  interactive: { type: 'bool', short: 'i', usage: 'Keep STDIN open even if not attached' },
  tty: { type: 'bool', short: 't', usage: 'Allocate a pseudo-TTY' },
  name: { type: 'string', usage: 'Assign a name to the container' },
  publish: { type: 'stringArray', short: 'p', typeName: 'list', usage: "Publish a container's port(s) to the host" },
  rm: { type: 'bool', usage: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  'cap-add': { type: 'stringSlice', usage: 'Add Linux capabilities' },
  'stop-timeout': { type: 'int', usage: 'Timeout (in seconds) to stop a container' },
  cpus: { type: 'float', usage: 'Number of CPUs' },
  'health-interval': { type: 'duration', usage: 'Time between running the check (ms|s|m|h) (default 0s)' },
  'blkio-weight': { type: 'uint', usage: 'Block IO (relative weight)' },
});

function flagError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FlagError, `expected FlagError, got ${e}`);
    return e.message;
  }
  assert.fail('expected a FlagError');
}

describe('parseFlags: syntax', () => {
  it('infers value types from the spec', () => {
    const r = parseFlags(psFlags, ['-a', '-f', 'x=y', '-n', '2', '--format', 'json']);
    const all: boolean = r.flags.all;
    const filter: string[] = r.flags.filter;
    const last: number = r.flags.last;
    const format: string = r.flags.format;
    assert.deepEqual([all, filter, last, format], [true, ['x=y'], 2, 'json']);
    const inline = parseFlags({ rm: { type: 'bool', usage: '' }, name: { type: 'string', usage: '' } }, ['--rm']);
    const rm: boolean = inline.flags.rm;
    const name: string = inline.flags.name;
    assert.deepEqual([rm, name], [true, '']);
  });

  it('returns typed defaults when nothing is given', () => {
    const r = parseFlags(psFlags, []);
    assert.deepEqual(r.flags, { all: false, filter: [], format: '', last: -1, latest: false, 'no-trunc': false, quiet: false, size: false });
    assert.deepEqual(r.args, []);
    assert.equal(r.changed.size, 0);
    assert.equal(r.help, false);
  });

  it('parses long flags with = or a separate value, and bools with or without =value', () => {
    const r = parseFlags(psFlags, ['--all=false', '--last', '3', '--format={{.ID}}', '--no-trunc', '--size=true']);
    assert.equal(r.flags.all, false);
    assert.equal(r.flags.last, 3);
    assert.equal(r.flags.format, '{{.ID}}');
    assert.equal(r.flags['no-trunc'], true);
    assert.equal(r.flags.size, true);
    assert.deepEqual([...r.changed].sort(), ['all', 'format', 'last', 'no-trunc', 'size']);
  });

  it('combines short bools (-it) and takes a short flag value attached, after =, or next', () => {
    const r = parseFlags(runFlags, ['-it', '-p80:80', '-p=443:443', '-p', '8080:80', '-eA=1', '-e=B=2', '-e', 'C=3', 'busybox']);
    assert.equal(r.flags.interactive, true);
    assert.equal(r.flags.tty, true);
    assert.deepEqual(r.flags.publish, ['80:80', '443:443', '8080:80']);
    assert.deepEqual(r.flags.env, ['A=1', 'B=2', 'C=3']);
    assert.deepEqual(r.args, ['busybox']);
  });

  it('a short flag group can end with a flag that takes the next argument (-ite X)', () => {
    const r = parseFlags(runFlags, ['-ite', 'X=1', 'img']);
    assert.deepEqual(r.flags.env, ['X=1']);
    assert.deepEqual(r.args, ['img']);
  });

  it('-e= keeps "=" as the value (pflag needs more than one character after =)', () => {
    assert.deepEqual(parseFlags(runFlags, ['-e=']).flags.env, ['=']);
  });

  it('allows flags after positionals by default (interspersed)', () => {
    const r = parseFlags(psFlags, ['x', '-a', 'y', '--last', '2']);
    assert.deepEqual(r.args, ['x', 'y']);
    assert.equal(r.flags.all, true);
    assert.equal(r.flags.last, 2);
  });

  it('stops at the first positional when not interspersed, so run passes -la to the container', () => {
    const r = parseFlags(runFlags, ['--rm', 'busybox', 'ls', '-la', '--name', 'x'], { interspersed: false });
    assert.equal(r.flags.rm, true);
    assert.equal(r.flags.name, '');
    assert.deepEqual(r.args, ['busybox', 'ls', '-la', '--name', 'x']);
  });

  it('-- ends the flags and is not an argument; argsLenAtDash records where it was', () => {
    const r = parseFlags(psFlags, ['a', '--', '-q', '--all']);
    assert.deepEqual(r.args, ['a', '-q', '--all']);
    assert.equal(r.flags.quiet, false);
    assert.equal(r.argsLenAtDash, 1);
  });

  it('a lone "-" and an empty string are positionals', () => {
    assert.deepEqual(parseFlags(psFlags, ['-', '']).args, ['-', '']);
  });

  it('repeats stringArray values and comma-splits stringSlice values (CSV quoting)', () => {
    const r = parseFlags(runFlags, ['--env', 'A=1,B=2', '--cap-add', 'NET_ADMIN,SYS_TIME', '--cap-add=MKNOD', '--cap-add', '"A,B",C']);
    assert.deepEqual(r.flags.env, ['A=1,B=2']);
    assert.deepEqual(r.flags['cap-add'], ['NET_ADMIN', 'SYS_TIME', 'MKNOD', 'A,B', 'C']);
  });

  it('replaces a repeatable default on first use', () => {
    const spec = defineFlags({ label: { type: 'stringArray', default: ['x'], usage: 'l' } });
    assert.deepEqual(parseFlags(spec, []).flags.label, ['x']);
    assert.deepEqual(parseFlags(spec, ['--label', 'a', '--label', 'b']).flags.label, ['a', 'b']);
  });

  it('parses ints with Go base prefixes, uints, floats and durations', () => {
    const r = parseFlags(runFlags, ['--stop-timeout', '0x10', '--cpus', '1.5', '--health-interval', '1m30s', '--blkio-weight', '500']);
    assert.equal(r.flags['stop-timeout'], 16);
    assert.equal(r.flags.cpus, 1.5);
    assert.equal(r.flags['health-interval'], 90e9);
    assert.equal(r.flags['blkio-weight'], 500);
    assert.equal(parseFlags(psFlags, ['-n', '-5']).flags.last, -5);
    assert.equal(parseFlags(psFlags, ['-n=010']).flags.last, 8);
  });

  it('reports --help and -h (with docker\'s deprecation notice for -h)', () => {
    assert.equal(parseFlags(psFlags, ['--help']).help, true);
    const r = parseFlags(psFlags, ['-h']);
    assert.equal(r.help, true);
    assert.deepEqual(r.warnings, ['Flag shorthand -h has been deprecated, use --help']);
    assert.equal('help' in r.flags, false);
  });

  it('warns when a deprecated flag is used', () => {
    const spec = defineFlags({ old: { type: 'bool', deprecated: 'use --new', usage: 'x' } });
    assert.deepEqual(parseFlags(spec, ['--old']).warnings, ['Flag --old has been deprecated, use --new']);
  });

  it('runs validators on each value and reports their errors as invalid arguments', () => {
    const spec = defineFlags({
      filter: {
        type: 'stringArray',
        short: 'f',
        typeName: 'filter',
        usage: 'Filter',
        validate: (v) => {
          if (!v.includes('=')) throw new Error('bad format of filter (expected name=value)');
        },
      },
    });
    assert.deepEqual(parseFlags(spec, ['-f', 'a=b']).flags.filter, ['a=b']);
    assert.equal(flagError(() => parseFlags(spec, ['-fa'])), 'invalid argument "a" for "-f, --filter" flag: bad format of filter (expected name=value)');
  });
});

describe('parseFlags: errors (docker\'s exact text)', () => {
  const cases: [string[], string][] = [
    [['--foo'], 'unknown flag: --foo'],
    [['--foo=1'], 'unknown flag: --foo'],
    [['-z'], "unknown shorthand flag: 'z' in -z"],
    [['-az'], "unknown shorthand flag: 'z' in -z"],
    [['--last'], 'flag needs an argument: --last'],
    [['-n'], "flag needs an argument: 'n' in -n"],
    [['-qn'], "flag needs an argument: 'n' in -n"],
    [['-n', 'x'], 'invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax'],
    [['--last=x'], 'invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax'],
    [['-nq'], 'invalid argument "q" for "-n, --last" flag: strconv.ParseInt: parsing "q": invalid syntax'],
    [['--last=99999999999999999999'], 'invalid argument "99999999999999999999" for "-n, --last" flag: strconv.ParseInt: parsing "99999999999999999999": value out of range'],
    [['--all=maybe'], 'invalid argument "maybe" for "-a, --all" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
    [['---x'], 'bad flag syntax: ---x'],
    [['--=x'], 'bad flag syntax: --=x'],
    [['--filter'], 'flag needs an argument: --filter'],
  ];
  for (const [argv, want] of cases) {
    it(`${argv.join(' ')} -> ${want}`, () => assert.equal(flagError(() => parseFlags(psFlags, argv)), want));
  }

  it('names a flag without shorthand as --name', () => {
    assert.equal(flagError(() => parseFlags(runFlags, ['--rm=x'])), 'invalid argument "x" for "--rm" flag: strconv.ParseBool: parsing "x": invalid syntax');
    assert.equal(flagError(() => parseFlags(runFlags, ['--cpus', 'x'])), 'invalid argument "x" for "--cpus" flag: strconv.ParseFloat: parsing "x": invalid syntax');
    assert.equal(flagError(() => parseFlags(runFlags, ['--health-interval', 'x'])), 'invalid argument "x" for "--health-interval" flag: time: invalid duration "x"');
    assert.equal(flagError(() => parseFlags(runFlags, ['--blkio-weight', '-1'])), 'invalid argument "-1" for "--blkio-weight" flag: strconv.ParseUint: parsing "-1": invalid syntax');
    assert.equal(flagError(() => parseFlags(runFlags, ['--cap-add', 'a"b'])), 'invalid argument "a\\"b" for "--cap-add" flag: parse error on line 1, column 2: bare " in non-quoted-field');
  });

  it('FlagError carries docker\'s exit status and formats like FlagErrorFunc', () => {
    let err: FlagError | undefined;
    try {
      parseFlags(psFlags, ['--foo']);
    } catch (e) {
      err = e as FlagError;
    }
    assert.equal(err?.exitCode, 125);
    assert.equal(
      flagErrorText(err!, { path: 'docker ps', usage: '[OPTIONS]' }),
      "unknown flag: --foo\n\nUsage:  docker ps [OPTIONS]\n\nRun 'docker ps --help' for more information",
    );
  });
});

describe('help text (docker --help layout)', () => {
  it('renders docker ps --help', () => {
    assert.equal(
      renderHelp({
        path: 'docker ps',
        usage: '[OPTIONS]',
        short: 'List containers',
        aliases: ['docker container ls', 'docker container list', 'docker container ps', 'docker ps'],
        flags: psFlags,
      }),
      "Usage:  docker ps [OPTIONS]\n\nList containers\n\nAliases:\n  docker container ls, docker container list, docker container ps, docker ps\n\nOptions:\n  -a, --all             Show all containers (default shows just running)\n  -f, --filter filter   Filter output based on conditions provided\n      --format string   Format output using a custom template:\n                        'table':            Print output in table format\n                        with column headers (default)\n                        'table TEMPLATE':   Print output in table format\n                        using the given Go template\n                        'json':             Print in JSON format\n                        'TEMPLATE':         Print output using the given\n                        Go template.\n                        Refer to https://docs.docker.com/go/formatting/\n                        for more information about formatting output with\n                        templates\n  -n, --last int        Show n last created containers (includes all\n                        states) (default -1)\n  -l, --latest          Show the latest created container (includes all\n                        states)\n      --no-trunc        Don't truncate output\n  -q, --quiet           Only display container IDs\n  -s, --size            Display total file sizes\n",
    );
  });

  it('renders docker image ls --help', () => {
    const spec: FlagSpec = {
      all: { type: 'bool', short: 'a', usage: 'Show all images (default hides intermediate images)' },
      digests: { type: 'bool', usage: 'Show digests' },
      filter: { type: 'stringArray', short: 'f', typeName: 'filter', usage: 'Filter output based on conditions provided' },
      format: { type: 'string', usage: FORMAT_USAGE },
      'no-trunc': { type: 'bool', usage: "Don't truncate output" },
      quiet: { type: 'bool', short: 'q', usage: 'Only show image IDs' },
      tree: { type: 'bool', usage: 'List multi-platform images as a tree (EXPERIMENTAL)' },
    };
    assert.equal(
      renderHelp({
        path: 'docker image ls',
        usage: '[OPTIONS] [REPOSITORY[:TAG]]',
        short: 'List images',
        aliases: ['docker image ls', 'docker image list', 'docker images'],
        flags: spec,
      }),
      "Usage:  docker image ls [OPTIONS] [REPOSITORY[:TAG]]\n\nList images\n\nAliases:\n  docker image ls, docker image list, docker images\n\nOptions:\n  -a, --all             Show all images (default hides intermediate images)\n      --digests         Show digests\n  -f, --filter filter   Filter output based on conditions provided\n      --format string   Format output using a custom template:\n                        'table':            Print output in table format\n                        with column headers (default)\n                        'table TEMPLATE':   Print output in table format\n                        using the given Go template\n                        'json':             Print in JSON format\n                        'TEMPLATE':         Print output using the given\n                        Go template.\n                        Refer to https://docs.docker.com/go/formatting/\n                        for more information about formatting output with\n                        templates\n      --no-trunc        Don't truncate output\n  -q, --quiet           Only show image IDs\n      --tree            List multi-platform images as a tree (EXPERIMENTAL)\n",
    );
  });

  it('renders docker logs --help: quoted string defaults and wrapping', () => {
    const spec: FlagSpec = {
      details: { type: 'bool', usage: 'Show extra details provided to logs' },
      follow: { type: 'bool', short: 'f', usage: 'Follow log output' },
      since: { type: 'string', usage: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
      tail: { type: 'string', short: 'n', default: 'all', usage: 'Number of lines to show from the end of the logs' },
      timestamps: { type: 'bool', short: 't', usage: 'Show timestamps' },
      until: { type: 'string', usage: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    };
    assert.equal(
      renderHelp({ path: 'docker logs', usage: '[OPTIONS] CONTAINER', short: 'Fetch the logs of a container', aliases: ['docker container logs', 'docker logs'], flags: spec }),
      'Usage:  docker logs [OPTIONS] CONTAINER\n\nFetch the logs of a container\n\nAliases:\n  docker container logs, docker logs\n\nOptions:\n      --details        Show extra details provided to logs\n  -f, --follow         Follow log output\n      --since string   Show logs since timestamp (e.g.\n                       "2013-01-02T13:23:37Z") or relative (e.g. "42m"\n                       for 42 minutes)\n  -n, --tail string    Number of lines to show from the end of the logs\n                       (default "all")\n  -t, --timestamps     Show timestamps\n      --until string   Show logs before a timestamp (e.g.\n                       "2013-01-02T13:23:37Z") or relative (e.g. "42m"\n                       for 42 minutes)\n',
    );
  });

  it('renders docker exec --help: "list" value words', () => {
    const spec: FlagSpec = {
      detach: { type: 'bool', short: 'd', usage: 'Detached mode: run command in the background' },
      'detach-keys': { type: 'string', usage: 'Override the key sequence for detaching a container' },
      env: { type: 'stringArray', short: 'e', typeName: 'list', usage: 'Set environment variables' },
      'env-file': { type: 'stringArray', typeName: 'list', usage: 'Read in a file of environment variables' },
      interactive: { type: 'bool', short: 'i', usage: 'Keep STDIN open even if not attached' },
      privileged: { type: 'bool', usage: 'Give extended privileges to the command' },
      tty: { type: 'bool', short: 't', usage: 'Allocate a pseudo-TTY' },
      user: { type: 'string', short: 'u', usage: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
      workdir: { type: 'string', short: 'w', usage: 'Working directory inside the container' },
      'hidden-one': { type: 'bool', hidden: true, usage: 'not shown' },
    };
    assert.equal(
      renderHelp({ path: 'docker exec', usage: '[OPTIONS] CONTAINER COMMAND [ARG...]', short: 'Execute a command in a running container', aliases: ['docker container exec', 'docker exec'], flags: spec }),
      'Usage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nExecute a command in a running container\n\nAliases:\n  docker container exec, docker exec\n\nOptions:\n  -d, --detach               Detached mode: run command in the background\n      --detach-keys string   Override the key sequence for detaching a\n                             container\n  -e, --env list             Set environment variables\n      --env-file list        Read in a file of environment variables\n  -i, --interactive          Keep STDIN open even if not attached\n      --privileged           Give extended privileges to the command\n  -t, --tty                  Allocate a pseudo-TTY\n  -u, --user string          Username or UID (format:\n                             "<name|uid>[:<group|gid>]")\n  -w, --workdir string       Working directory inside the container\n',
    );
  });

  it('renders a command without aliases (docker container prune --help)', () => {
    const spec: FlagSpec = {
      filter: { type: 'stringArray', typeName: 'filter', usage: 'Provide filter values (e.g. "until=<timestamp>")' },
      force: { type: 'bool', short: 'f', usage: 'Do not prompt for confirmation' },
    };
    assert.equal(
      renderHelp({ path: 'docker container prune', usage: '[OPTIONS]', short: 'Remove all stopped containers', flags: spec }),
      'Usage:  docker container prune [OPTIONS]\n\nRemove all stopped containers\n\nOptions:\n      --filter filter   Provide filter values (e.g. "until=<timestamp>")\n  -f, --force           Do not prompt for confirmation\n',
    );
  });

  it('renders a management command (docker image --help)', () => {
    const subs = [
      ['build', 'Build an image from a Dockerfile'],
      ['history', 'Show the history of an image'],
      ['import', 'Import the contents from a tarball to create a filesystem image'],
      ['inspect', 'Display detailed information on one or more images'],
      ['load', 'Load an image from a tar archive or STDIN'],
      ['ls', 'List images'],
      ['prune', 'Remove unused images'],
      ['pull', 'Download an image from a registry'],
      ['push', 'Upload an image to a registry'],
      ['rm', 'Remove one or more images'],
      ['save', 'Save one or more images to a tar archive (streamed to STDOUT by default)'],
      ['tag', 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE'],
    ].reverse().map(([name, short]) => ({ name: name!, short: short! }));
    assert.equal(
      renderHelp({ path: 'docker image', short: 'Manage images', subcommands: subs }),
      "Usage:  docker image COMMAND\n\nManage images\n\nCommands:\n  build       Build an image from a Dockerfile\n  history     Show the history of an image\n  import      Import the contents from a tarball to create a filesystem image\n  inspect     Display detailed information on one or more images\n  load        Load an image from a tar archive or STDIN\n  ls          List images\n  prune       Remove unused images\n  pull        Download an image from a registry\n  push        Upload an image to a registry\n  rm          Remove one or more images\n  save        Save one or more images to a tar archive (streamed to STDOUT by default)\n  tag         Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE\n\nRun 'docker image COMMAND --help' for more information on a command.\n",
    );
  });

  it('renders the root command with common/management commands and global options', () => {
    const globals: FlagSpec = {
      config: { type: 'string', default: '/tmp/dcfg', usage: 'Location of client config files' },
      context: { type: 'string', short: 'c', usage: 'Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var and default context set with "docker context use")' },
      debug: { type: 'bool', short: 'D', usage: 'Enable debug mode' },
      host: { type: 'stringArray', short: 'H', typeName: 'list', usage: 'Daemon socket to connect to' },
      'log-level': { type: 'string', short: 'l', default: 'info', usage: 'Set the logging level ("debug", "info", "warn", "error", "fatal")' },
      version: { type: 'bool', short: 'v', usage: 'Print version information and quit' },
    };
    const out = renderHelp({
      path: 'docker',
      usage: '[OPTIONS] COMMAND',
      short: 'A self-sufficient runtime for containers',
      root: true,
      flags: globals,
      subcommands: [
        { name: 'run', short: 'Create and run a new container from an image', top: 1 },
        { name: 'exec', short: 'Execute a command in a running container', top: 2 },
        { name: 'ps', short: 'List containers', top: 3 },
        { name: 'builder', short: 'Manage builds', management: true },
        { name: 'commit', short: "Create a new image from a container's changes" },
        { name: 'attach', short: 'Attach local standard input, output, and error streams to a running container' },
        { name: 'hidden', short: 'secret', hidden: true },
      ],
      additionalHelp: 'For more help on how to use Docker, head to https://docs.docker.com/go/guides/',
    });
    assert.equal(
      out,
      "Usage:  docker [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers\n\nCommon Commands:\n  run         Create and run a new container from an image\n  exec        Execute a command in a running container\n  ps          List containers\n\nManagement Commands:\n  builder     Manage builds\n\nCommands:\n  attach      Attach local standard input, output, and error streams to a running container\n  commit      Create a new image from a container's changes\n\nGlobal Options:\n      --config string      Location of client config files (default\n                           \"/tmp/dcfg\")\n  -c, --context string     Name of the context to use to connect to the\n                           daemon (overrides DOCKER_HOST env var and\n                           default context set with \"docker context use\")\n  -D, --debug              Enable debug mode\n  -H, --host list          Daemon socket to connect to\n  -l, --log-level string   Set the logging level (\"debug\", \"info\",\n                           \"warn\", \"error\", \"fatal\") (default \"info\")\n  -v, --version            Print version information and quit\n\nRun 'docker COMMAND --help' for more information on a command.\n\nFor more help on how to use Docker, head to https://docs.docker.com/go/guides/\n",
    );
  });

  it('shows non-zero defaults as pflag does', () => {
    const spec: FlagSpec = {
      b: { type: 'bool', default: true, usage: 'b' },
      d: { type: 'duration', default: 30e9, usage: 'd' },
      f: { type: 'float', default: 0.5, usage: 'f' },
      l: { type: 'stringSlice', default: ['x', 'y'], usage: 'l' },
      m: { type: 'stringArray', typeName: 'map', defaultText: 'map[]', usage: 'm' },
      s: { type: 'string', typeName: 'bytes', default: '64m', usage: 's' },
      z: { type: 'int', default: 0, usage: 'z' },
      v: { type: 'string', usage: 'a `path` to use' },
    };
    assert.equal(
      flagUsages(spec),
      '      --b            b (default true)\n' +
        '      --d duration   d (default 30s)\n' +
        '      --f float      f (default 0.5)\n' +
        '      --l strings    l (default [x,y])\n' +
        '      --m map        m (default map[])\n' +
        '      --s bytes      s (default 64m)\n' +
        '      --v path       a path to use\n' +
        '      --z int        z\n',
    );
  });

  it('wraps to the given terminal width', () => {
    const spec: FlagSpec = { all: { type: 'bool', short: 'a', usage: 'Show all containers (default shows just running)' } };
    assert.equal(flagUsages(spec, 40), '  -a, --all   Show all containers\n              (default shows just\n              running)\n');
    // docker ps --help in a 60-column terminal (pflag keeps a word longer than the line whole,
    // and then the rest of that line).
    assert.equal(
      flagUsages({ all: spec.all!, format: { type: 'string', usage: FORMAT_USAGE } }, 59),
      '  -a, --all             Show all containers (default\n' +
        '                        shows just running)\n' +
        '      --format string   Format output using a custom\n' +
        '                        template:\n' +
        "                        'table':            Print\n" +
        '                        output in table format with\n' +
        '                        column headers (default)\n' +
        "                        'table TEMPLATE':   Print\n" +
        '                        output in table format using\n' +
        '                        the given Go template\n' +
        "                        'json':             Print in\n" +
        '                        JSON format\n' +
        "                        'TEMPLATE':         Print\n" +
        '                        output using the given Go\n' +
        '                        template.\n' +
        '                        Refer to\n' +
        '                        https://docs.docker.com/go/formatting/ for more information about formatting output with templates\n',
    );
    // Too narrow to wrap (docker ps --help at 40 columns): continuation lines indented by 16.
    assert.equal(
      flagUsages({ format: { type: 'string', usage: "Format:\n'table':   x" } }, 39),
      "      --format string   Format:\n                'table':   x\n",
    );
    assert.equal(flagUsages(spec, 0), '  -a, --all   Show all containers (default shows just running)\n');
  });
});

describe('checkArgs (docker/cli required.go texts)', () => {
  it('reports each rule as docker 28 prints it', () => {
    assert.equal(checkArgs({ path: 'docker ps', usage: '[OPTIONS]' }, [], {}), null);
    assert.equal(
      checkArgs({ path: 'docker ps', usage: '[OPTIONS]' }, ['x'], {}),
      "docker: 'docker ps' accepts no arguments\n\nUsage:  docker ps [OPTIONS]\n\nRun 'docker ps --help' for more information",
    );
    assert.equal(
      checkArgs({ path: 'docker rm', usage: '[OPTIONS] CONTAINER [CONTAINER...]' }, [], { min: 1 }),
      "docker: 'docker rm' requires at least 1 argument\n\nUsage:  docker rm [OPTIONS] CONTAINER [CONTAINER...]\n\nSee 'docker rm --help' for more information",
    );
    assert.equal(
      checkArgs({ path: 'docker rename', usage: 'CONTAINER NEW_NAME' }, ['a'], { exact: 2 }),
      "docker: 'docker rename' requires 2 arguments\n\nUsage:  docker rename CONTAINER NEW_NAME\n\nRun 'docker rename --help' for more information",
    );
    assert.equal(
      checkArgs({ path: 'docker port', usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]' }, ['a', 'b', 'c'], { min: 1, max: 2 }),
      "docker: 'docker port' requires at least 1 and at most 2 arguments\n\nUsage:  docker port CONTAINER [PRIVATE_PORT[/PROTO]]\n\nRun 'docker port --help' for more information",
    );
    assert.equal(
      checkArgs({ path: 'docker image ls', usage: '[OPTIONS] [REPOSITORY[:TAG]]' }, ['a', 'b'], { max: 1 }),
      "docker: 'docker image ls' requires at most 1 argument\n\nUsage:  docker image ls [OPTIONS] [REPOSITORY[:TAG]]\n\nSRun 'docker image ls --help' for more information",
    );
    assert.equal(checkArgs({ path: 'berth rename', usage: 'CONTAINER NEW_NAME' }, ['a', 'b'], { exact: 2 }), null);
  });

  it('uses the binary name from the path', () => {
    assert.match(checkArgs({ path: 'berth ps', usage: '[OPTIONS]' }, ['x'], {})!, /^berth: 'berth ps' accepts no arguments/);
  });
});
