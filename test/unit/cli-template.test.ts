// Expected outputs were produced by the real docker CLI (v28.2.2, Go 1.24) running the same
// templates over the same data through `docker context inspect --format` and
// `docker context ls --format` (whose data are Go maps), and from Go's text/template and fmt docs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FormatError,
  TemplateExecError,
  TemplateParseError,
  compileTemplate,
  goJson,
  goStruct,
  preFormat,
  renderFormatted,
  sprint,
  sprintf,
} from '../../src/cli/template/index.js';

const D = {
  Str: 'hello',
  Int: 42,
  Float: 3.5,
  Neg: -2,
  True: true,
  False: false,
  Nil: null,
  Empty: '',
  List: ['a', 'b', 'c'],
  Nums: [3, 1, 2],
  EmptyList: [],
  Map: { b: '2', a: '1', c: { x: 1 } },
  EmptyMap: {},
  Html: '<a&b>',
  Mixed: [1, 'x', null, true, { k: 'v' }, [1, 2]],
  Unicode: 'héllo wörld ✓',
  Zero: 0,
  Tiny: 0.000001,
  Huge: 1e21,
  Objs: [
    { Name: 'n1', V: 1 },
    { Name: 'n2', V: 2 },
  ],
  Ctl: 'a\b\f\u0001\u2028\u007f\t"\\z',
};

function run(src: string, data: unknown = D): string {
  return compileTemplate(src).execute(data);
}

function parseError(src: string): string {
  try {
    compileTemplate(src);
  } catch (e) {
    assert.ok(e instanceof TemplateParseError, `expected TemplateParseError, got ${e}`);
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(src)} not to parse`);
}

function execError(src: string, data: unknown = D): string {
  const t = compileTemplate(src);
  try {
    t.execute(data);
  } catch (e) {
    assert.ok(e instanceof TemplateExecError, `expected TemplateExecError, got ${e}`);
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(src)} to fail`);
}

describe('template: fields and printing', () => {
  it('prints fields, dot and variables', () => {
    assert.equal(run('{{.Str}} {{.Int}} {{.Float}} {{.Neg}} {{.True}} {{.False}} [{{.Empty}}]'), 'hello 42 3.5 -2 true false []');
    assert.equal(run('{{.}}', 'plain'), 'plain');
    assert.equal(run('{{$x := .Str}}{{$x}} {{$x = "changed"}}{{$x}}'), 'hello changed');
    assert.equal(run('{{with .Map}}{{$.Str}}{{end}}'), 'hello');
  });

  it('prints slices as [a b c] and objects as map[k:v] with sorted keys', () => {
    assert.equal(
      run('{{.List}} {{.Nums}} {{.EmptyList}} {{.Map}} {{.EmptyMap}} {{.Objs}}'),
      '[a b c] [3 1 2] [] map[a:1 b:2 c:map[x:1]] map[] [map[Name:n1 V:1] map[Name:n2 V:2]]',
    );
    assert.equal(run('{{.Mixed}}'), '[1 x <nil> true map[k:v] [1 2]]');
  });

  it('prints <no value> for a missing key, also through a chain of missing keys', () => {
    assert.equal(run('{{.Missing}} {{.Missing.Sub}} {{.Map.nope}}'), '<no value> <no value> <no value>');
  });

  it('prints <nil> for null', () => {
    assert.equal(run('{{.Nil}}'), '<nil>');
    assert.equal(run('{{print .Missing}}'), '<nil>');
  });

  it('prints floats as Go %v does', () => {
    assert.equal(run('{{.Tiny}} {{.Huge}} {{.Float}}'), '1e-06 1e+21 3.5');
    assert.equal(run('{{1.5}} {{1e3}} {{-2}} {{0x1F}} {{0b101}} {{0o17}} {{017}} {{1_000}}'), '1.5 1000 -2 31 5 15 15 1000');
  });

  it('prints character constants as their code point and unquotes strings', () => {
    assert.equal(run("{{'a'}} {{'\\n'}} {{\"\\u00e9\\t\\x41\"}} {{`raw\\n`}}"), '97 10 é\tA raw\\n');
  });

  it('calls function-valued fields as methods, with arguments', () => {
    const row = { Name: 'web', Label: (k: string) => ({ app: 'shop' } as Record<string, string>)[k] ?? '', Upper() { return this.Name.toUpperCase(); } };
    assert.equal(run('{{.Label "app"}}|{{.Label "x"}}|{{.Upper}}', row), 'shop||WEB');
  });

  it('reads getters of object literals and class instances', () => {
    class Row {
      constructor(private readonly id: string) {}
      get ID() {
        return this.id.slice(0, 4);
      }
    }
    assert.equal(run('{{.ID}}', new Row('abcdef')), 'abcd');
    assert.equal(execError('{{.Nope}}', new Row('x')), 'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type Row');
    assert.equal(run('{{if .}}struct is true{{end}}', new Row('x')), 'struct is true');
    assert.equal(run('{{.ID}}', { get ID() { return 'lazy'; } }), 'lazy');
  });

  it('does not expose Object.prototype members as fields', () => {
    assert.equal(run('{{.toString}}|{{.constructor}}', {}), '<no value>|<no value>');
  });
});

describe('template: actions', () => {
  it('ranges over slices, with index and element variables', () => {
    assert.equal(run('{{range .List}}[{{.}}]{{end}}'), '[a][b][c]');
    assert.equal(run('{{range $i, $e := .List}}{{$i}}={{$e}},{{end}}'), '0=a,1=b,2=c,');
    assert.equal(run('{{range $e := .List}}{{$e}}{{end}}'), 'abc');
  });

  it('ranges over a map in sorted key order', () => {
    assert.equal(run('{{range $k, $v := .Map}}{{$k}}={{$v}};{{end}}'), 'a=1;b=2;c=map[x:1];');
    assert.equal(run('{{range .}}{{.}} {{end}}', { zeta: 1, alpha: 2, mid: 3 }), '2 3 1 ');
  });

  it('runs the else branch for empty or missing collections', () => {
    assert.equal(run('{{range .EmptyList}}x{{else}}empty{{end}}'), 'empty');
    assert.equal(run('{{range .EmptyMap}}x{{else}}emptymap{{end}}'), 'emptymap');
    assert.equal(run('{{range .Missing}}x{{else}}missing{{end}}'), 'missing');
    assert.equal(run('{{range 0}}x{{else}}zero{{end}}'), 'zero');
  });

  it('ranges over an integer', () => {
    assert.equal(run('{{range 3}}{{.}}{{end}} {{range $i := 2}}{{$i}}{{end}}'), '012 01');
  });

  it('supports break and continue', () => {
    assert.equal(run('{{range .List}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}'), 'a');
    assert.equal(run('{{range .List}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}'), 'ac');
  });

  it('evaluates if / else if / else with Go truthiness', () => {
    assert.equal(
      run('{{if .Str}}y{{else}}n{{end}}{{if .Empty}}y{{else}}n{{end}}{{if .Missing}}y{{else}}n{{end}}{{if .EmptyList}}y{{else}}n{{end}}{{if .EmptyMap}}y{{else}}n{{end}}{{if .Zero}}y{{else}}n{{end}}{{if .Nil}}y{{else}}n{{end}}'),
      'ynnnnnn',
    );
    assert.equal(run('{{if eq .Str "x"}}a{{else if eq .Str "hello"}}b{{else}}c{{end}}'), 'b');
  });

  it('with sets dot, and supports else and else with', () => {
    assert.equal(run('{{with .Str}}<{{.}}>{{end}} {{with .Empty}}<{{.}}>{{else}}none{{end}}'), '<hello> none');
    assert.equal(run('{{with .Missing}}a{{else with .Str}}b{{.}}{{end}}'), 'bhello');
  });

  it('scopes variables to their control structure', () => {
    assert.equal(run('{{ $x := 5 }}{{ if true }}{{ $x = 6 }}{{ end }}{{ $x }}'), '6');
    assert.equal(run('{{ $x := 5 }}{{ if true }}{{ $x := 6 }}{{ end }}{{ $x }}'), '5');
    assert.equal(parseError('{{with $x := .Str}}{{$x}}{{end}}{{$x}}'), 'template: :1: undefined variable "$x"');
  });

  it('pipes the previous value as the last argument', () => {
    assert.equal(run('{{.Str | printf "%s!"}} {{.Str | printf "%s-%s" "pre"}} {{"lit" | upper}}'), 'hello! pre-hello LIT');
    assert.equal(run('{{.Str | printf "%s" | printf "%q"}} {{ .Str | printf "%s" | len }}'), '"hello" 5');
    assert.equal(run('{{(index .Objs 0).Name}} {{(.Map).a}}'), 'n1 1');
  });

  it('trims whitespace around trim markers and drops comments', () => {
    assert.equal(run('{{ .Str -}}   |   {{- .Str }}'), 'hello|hello');
    assert.equal(run('a {{/* comment */}} b {{- /* trimmed */ -}} c'), 'a  bc');
    assert.equal(run('{{23 -}} < {{- 45}}'), '23<45');
    assert.equal(run('{{ -3 }} {{-3}} {{ 3 -}} x'), '-3 -3 3x');
    assert.equal(run('a\n  {{- .Str}}\n  {{.Str -}}\n  b'), 'ahello\n  hellob');
  });

  it('allows newlines inside actions', () => {
    assert.equal(run('{{.Str\n|\nprintf "%s"\n}}'), 'hello');
  });

  it('supports define, template and block', () => {
    assert.equal(run('{{define "x"}}[{{.}}]{{end}}{{template "x" .Str}}{{template "x" "lit"}}'), '[hello][lit]');
    assert.equal(run('{{block "b" .Str}}<{{.}}>{{end}}'), '<hello>');
  });
});

describe('template: functions', () => {
  it('compares with eq ne lt le gt ge', () => {
    assert.equal(run('{{eq .Str "hello"}} {{eq .Str "x" "hello"}} {{ne .Str "x"}} {{lt .Str "z"}} {{le "a" "a"}} {{gt "b" "a"}} {{ge "a" "b"}}'), 'true true true true true true false');
    assert.equal(run('{{eq .Missing "x"}} {{eq .True true}} {{eq .Int 42}} {{lt .Float 4}}'), 'false true true true');
  });

  it('and / or return the deciding operand; not negates', () => {
    assert.equal(run('{{and .Str .Int}} {{and .Empty .Int}}| {{or .Empty .Str}} {{or .Empty .Zero}} {{not .Str}} {{not .Empty}}'), '42 | hello 0 false true');
    assert.equal(run('{{and 1 0 2}} {{or 0 "" 3}}'), '0 3');
  });

  it('len counts bytes of strings, elements and keys', () => {
    assert.equal(run('{{len .Str}} {{len .List}} {{len .Map}} {{len .Unicode}} {{len .EmptyMap}}'), '5 3 3 17 0');
  });

  it('index reads slices and maps, nested', () => {
    assert.equal(run('{{index .List 1}} {{index .Map "a"}} {{index .Map "c" "x"}} {{index .Objs 1 "Name"}}'), 'b 1 1 n2');
    assert.equal(run('{{index .Str 1}}'), '101');
  });

  it('index of a missing key in a string map is ""', () => {
    assert.equal(run('[{{index .Labels "nope"}}]', { Labels: { a: 'b' } }), '[]');
    assert.equal(run('[{{index .Labels "nope"}}]', { Labels: null }), '[]');
    assert.equal(run('[{{index .Labels "com.example.x"}}]', { Labels: { 'com.example.x': 'y' } }), '[y]');
  });

  it('slice cuts strings and slices', () => {
    assert.equal(run('{{slice .Str 1 3}} {{slice .List 1}} {{slice .List 0 2}} {{slice .Str}}'), 'el [b c] [a b] hello');
  });

  it('json encodes compactly in key order without HTML escaping (docker SetEscapeHTML(false))', () => {
    assert.equal(run('{{json .Html}} {{json .List}} {{json .Unicode}}'), '"<a&b>" ["a","b","c"] "héllo wörld ✓"');
    assert.equal(run('{{json .}}', { Z: 1, A: { y: [1, 'x', null, true] }, B: 'b' }), '{"Z":1,"A":{"y":[1,"x",null,true]},"B":"b"}');
    assert.equal(run('{{json .Nil}} {{json .Missing}} {{json .Tiny}} {{json .Huge}} {{json .Float}}'), 'null null 0.000001 1e+21 3.5');
    assert.equal(run('{{json .Ctl}}'), '"a\\b\\f\\u0001\\u2028\u007f\\t\\"\\\\z"');
  });

  it('join, split, lower, upper, title', () => {
    assert.equal(run('{{join .List ", "}}'), 'a, b, c');
    assert.equal(run('{{split "a,b,c" ","}} {{split "abc" ""}} {{lower "HeLLo"}} {{upper "héllo ß"}}'), '[a b c] [a b c] hello HÉLLO ß');
    assert.equal(run('{{title "hello wORLD foo_bar x-y éa 1a"}}'), 'Hello WORLD Foo_bar X-Y Éa 1a');
  });

  it('pad and truncate as docker defines them', () => {
    assert.equal(run('{{pad .Str 2 3}}|{{pad "" 2 3}}|{{truncate .Str 3}} {{truncate .Str 30}}'), '  hello   ||hel hello');
  });

  it('print, println, printf', () => {
    assert.equal(run('{{print "a" "b" 1 2 .True "c"}}|{{println "x" 1}}|'), 'ab1 2 truec|x 1\n|');
    assert.equal(run('{{printf "%-10s|%10s|%.2s" .Str .Str .Str}}'), 'hello     |     hello|he');
  });

  it('html, js and urlquery escape', () => {
    assert.equal(
      run(`{{html "<a href='x'>&</a>"}} {{js "it's <b> \\"q\\" = \\\\"}} {{urlquery "a b&c=d/é"}}`),
      `&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt; it\\'s \\u003Cb\\u003E \\"q\\" \\u003D \\\\ a+b%26c%3Dd%2F%C3%A9`,
    );
    assert.equal(run('{{html .Missing}} {{urlquery 1 2}}'), '&lt;no value&gt; 1+2');
  });

  it('accepts extra functions', () => {
    const t = compileTemplate('{{shout .}}', { funcs: { shout: (s: string) => s.toUpperCase() + '!' } });
    assert.equal(t.execute('hey'), 'HEY!');
  });
});

describe('template: printf verbs (Go fmt)', () => {
  const cases: [string, unknown[], string][] = [
    ['%-10s|', ['abc'], 'abc       |'],
    ['%05s|%-5s|%5.1s|%x|% x|%X', ['ab', 'ab', 'xyz', 'hi', 'hi', 'hi'], '000ab|ab   |    x|6869|68 69|6869'],
    ['%d %5d %-5d| %05d %+d %x %o %b %c %q %U', [42, 42, 42, -42, 42, 255, 8, 5, 65, 65, 65], '42    42 42   | -0042 +42 ff 10 101 A \'A\' U+0041'],
    ['%6.2f|%e|%g|%.3g|%G|%E', [3.14159, 1234.5678, 0.00001234, 1234567.5, 1e21, 1.5], '  3.14|1.234568e+03|1.234e-05|1.23e+06|1E+21|1.500000E+00'],
    ['%v|%.2v|%10.3v|', [3.5, 3.14159, 2.71828], '3.5|3.1|      2.72|'],
    ['%08.3f|%-8.2f|%+.1e', [3.14159, 2.5, 12345.678], '0003.142|2.50    |+1.2e+04'],
    ['%.0f %.0f %.0f %.1f', [0.5, 1.5, 2.5, 0.25], '0 2 2 0.2'],
    ['%[2]s %[1]s', ['a', 'b'], 'b a'],
    ['%*d|%-*d|%.*f', [5, 1, 4, 2, 2, 3.14159], '    1|2   |3.14'],
    ['%05d|%-05d|%+05d|%.3d|%5.3d|%.0d|', [42, 42, 42, 7, 7, 0], '00042|42   |+0042|007|  007||'],
    ['%c|%U|%#U|%q', [9731, 9731, 9731, 9731], "☃|U+2603|U+2603 '☃'|'☃'"],
    ['%t %t', [true, 'x'], 'true %!t(string=x)'],
    ['%s %d', [42, 'hello'], '%!s(int=42) %!d(string=hello)'],
    ['%d', [], '%!d(MISSING)'],
    ['%d', [1, 2], '1%!(EXTRA int=2)'],
    ['%z', [1], '%!z(int=1)'],
    ['%!', [], '%!!(MISSING)'],
    ['%', [], '%!(NOVERB)'],
    ['%d%%', [50], '50%'],
    ['%s', [null], '%!s(<nil>)'],
    ['%v', [null], '<nil>'],
    ['%T %T %T %T %T %T', ['s', 1, 1.5, true, { a: 1 }, null], 'string int float64 bool map[string]interface {} <nil>'],
    ['%s|%v|%d', [{ b: '2', a: '1', c: { x: 1 } }, { a: 1 }, { a: 'x' }], 'map[a:1 b:2 c:map[x:%!s(int=1)]]|map[a:1]|map[%!d(string=a):%!d(string=x)]'],
    ['%q', [['a', 'b']], '["a" "b"]'],
    ['%q', ['tab\there\nnl "q" \\ é \u0001 \u2028'], '"tab\\there\\nnl \\"q\\" \\\\ é \\x01 \\u2028"'],
    ['%+q', ['é'], '"\\u00e9"'],
    ['%#q %#q', ['back`tick', 'plain'], '"back`tick" `plain`'],
    ['%x|%X|%.2x|%x', [-0.1, -0.1, 3.14159, 1e-310], '-0x1.999999999999ap-04|-0X1.999999999999AP-04|0x1.92p+01|0x1.2688b70e62bp-1030'],
    ['%10.4v|%-10.3q|', ['abcdefg', 'abcdefg'], '      abcd|"abc"     |'],
  ];
  for (const [format, args, want] of cases) {
    it(`printf ${JSON.stringify(format)}`, () => assert.equal(sprintf(format, args), want));
  }

  it('Sprint adds spaces only between non-string operands', () => {
    assert.equal(sprint([1, 2, 'a', 3, 'b', 'c']), '1 2a3bc');
  });
});

describe('template: parse errors (Go text)', () => {
  const cases: [string, string][] = [
    ['{{.Name}', "template: :1: bad character U+007D '}'"],
    ['{{.Name', 'template: :1: unclosed action'],
    ['{{if .Name}}x', 'template: :1: unexpected EOF'],
    ['{{end}}', 'template: :1: unexpected {{end}}'],
    ['{{else}}', 'template: :1: unexpected {{else}}'],
    ['{{nope .Name}}', 'template: :1: function "nope" not defined'],
    ['{{| .Name}}', 'template: :1: unexpected "|" in command'],
    ['{{}}', 'template: :1: missing value for command'],
    ['{{$x}}', 'template: :1: undefined variable "$x"'],
    ['{{"abc}}', 'template: :1: unterminated quoted string'],
    ['{{(.Name}}', 'template: :1: unclosed left paren'],
    ['{{.Name)}}', 'template: :1: unexpected right paren'],
    ['{{1x}}', 'template: :1: bad number syntax: "1x"'],
    ['{{.Name | 3}}', 'template: :1: non executable command in pipeline stage 2'],
    ['{{break}}', 'template: :1: {{break}} outside {{range}}'],
    ['a\n{{.Name}\n}}', "template: :2: bad character U+007D '}'"],
    ['x\n{{if .Str}}\ny', 'template: :3: unexpected EOF'],
    ['{{/* x', 'template: :1: unclosed comment'],
    ['{{/* x */ }}', 'template: :1: comment ends before closing delimiter'],
    ['{{.Str.}}', 'template: :1: unexpected <.> in operand'],
    ['{{.Str,}}', 'template: :1: unexpected "," in operand'],
    ['{{range $i, $e, $f := .List}}{{end}}', 'template: :1: too many declarations in range'],
    ['{{$a, $b := .List}}', 'template: :1: too many declarations in command'],
    ["{{'ab'}}", 'template: :1: malformed character constant: \'ab\''],
    ['{{"\\q"}}', 'template: :1: invalid syntax'],
    ['{{99999999999999999999}}', 'template: :1: integer overflow: "99999999999999999999"'],
    ['{{define "a"}}x{{end}}{{define "a"}}y{{end}}', 'template: :1: template: multiple definition of template "a"'],
  ];
  for (const [src, want] of cases) {
    it(`rejects ${JSON.stringify(src)}`, () => assert.equal(parseError(src), want));
  }

  it('accepts an empty command after a pipe, as Go does', () => {
    assert.equal(run('{{.Str | }}'), 'hello');
  });
});

describe('template: execution errors (Go text)', () => {
  const cases: [string, string][] = [
    ['{{ .Str "x" }}', 'template: :1:3: executing "" at <.Str>: Str is not a method but has arguments'],
    ['{{range .Str}}{{end}}', 'template: :1:8: executing "" at <.Str>: range can\'t iterate over hello'],
    ['{{index .Str 99}}', 'template: :1:2: executing "" at <index .Str 99>: error calling index: index out of range: 99'],
    ['{{index .List 3}}', 'template: :1:2: executing "" at <index .List 3>: error calling index: reflect: slice index out of range'],
    ['{{index .Map 1}}', 'template: :1:2: executing "" at <index .Map 1>: error calling index: value has type int; should be string'],
    ['{{len 3}}', 'template: :1:2: executing "" at <len 3>: error calling len: len of type int'],
    ['{{join .Str ","}}', 'template: :1:7: executing "" at <.Str>: wrong type for value; expected []string; got string'],
    ['{{upper 3}}', 'template: :1:8: executing "" at <3>: expected string; found 3'],
    ['{{truncate .Str "3"}}', 'template: :1:16: executing "" at <"3">: expected integer; found "3"'],
    ['{{printf}}', 'template: :1:2: executing "" at <printf>: wrong number of args for printf: want at least 1 got 0'],
    ['{{$x := 1}}{{$x.Foo}}', 'template: :1:15: executing "" at <$x.Foo>: can\'t evaluate field Foo in type int'],
    ['{{.Str.Foo}}', 'template: :1:6: executing "" at <.Str.Foo>: can\'t evaluate field Foo in type interface {}'],
    ['{{.Nil.Sub}}', 'template: :1:6: executing "" at <.Nil.Sub>: nil pointer evaluating interface {}.Sub'],
    ['{{len .Missing}}', 'template: :1:2: executing "" at <len .Missing>: error calling len: reflect: call of reflect.Value.Type on zero Value'],
    ['{{eq .Str}}', 'template: :1:2: executing "" at <eq .Str>: error calling eq: missing argument for comparison'],
    ['{{lt .Str 1}}', 'template: :1:2: executing "" at <lt .Str 1>: error calling lt: incompatible types for comparison'],
    ['{{lt .Map 1}}', 'template: :1:2: executing "" at <lt .Map 1>: error calling lt: invalid type for comparison'],
    ['{{eq .List .List}}', 'template: :1:2: executing "" at <eq .List .List>: error calling eq: non-comparable type [a b c]: []string'],
    ['{{nil}}', 'template: :1:2: executing "" at <nil>: nil is not a command'],
    ['{{template "nope"}}', 'template: :1:11: executing "" at <{{template "nope"}}>: template "nope" not defined'],
    ['{{range $i, $e := 3}}{{end}}', 'template: :1:18: executing "" at <3>: can\'t use 3 to iterate over more than one variable'],
    ['{{pad .Str -1 0}}', 'template: :1:2: executing "" at <pad .Str -1 0>: error calling pad: strings: negative Repeat count'],
    ['line1\n{{.Nope.X.Y}}{{.Str.X}}', 'template: :2:19: executing "" at <.Str.X>: can\'t evaluate field X in type interface {}'],
  ];
  for (const [src, want] of cases) {
    it(`fails on ${JSON.stringify(src)}`, () => assert.equal(execError(src), want));
  }

  it('keeps the output written before the error', () => {
    const t = compileTemplate('ok {{.Str}} {{len 3}} never');
    assert.throws(
      () => t.execute(D),
      (e: unknown) => e instanceof TemplateExecError && e.output === 'ok hello ',
    );
  });

  it('a goStruct reports missing fields as Go does for structs', () => {
    const row = goStruct('formatter.ContainerContext', { ID: 'abc', Names: 'web' });
    assert.equal(run('{{.ID}} {{.}}', row), 'abc {abc web}');
    assert.equal(
      execError('{{.Nope}}', row),
      'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type formatter.ContainerContext',
    );
    assert.equal(sprintf('%+v', [row]), '{ID:abc Names:web}');
  });
});

describe('renderFormatted (docker formatter)', () => {
  // Rows and outputs from `docker context ls --format ...` with two contexts.
  const rows = [
    { Current: true, Description: 'Current DOCKER_HOST based configuration', DockerEndpoint: 'unix:///var/run/docker.sock', Error: '', Name: 'default' },
    { Current: false, Description: 'desc', DockerEndpoint: 'unix:///tmp/x.sock', Error: '', Name: 'oracle' },
  ];
  const headers = { Name: 'NAME', Description: 'DESCRIPTION', DockerEndpoint: 'DOCKER ENDPOINT', Error: 'ERROR' };
  const defaultTableFormat = 'table {{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}';
  const render = (f: string) => renderFormatted(f, rows, headers, { defaultTableFormat });

  it('renders a table with a header row and aligned columns; unknown header fields print <no value>', () => {
    assert.equal(
      render('table {{.Name}}\\t{{.Current}}\\t{{.Description}}'),
      'NAME      <no value>   DESCRIPTION\n' +
        'default   true         Current DOCKER_HOST based configuration\n' +
        'oracle    false        desc\n',
    );
  });

  it('renders the default table for a bare "table", padding empty last cells', () => {
    assert.equal(
      render('table'),
      'NAME        DESCRIPTION                               DOCKER ENDPOINT               ERROR\n' +
        'default *   Current DOCKER_HOST based configuration   unix:///var/run/docker.sock   \n' +
        'oracle      desc                                      unix:///tmp/x.sock            \n',
    );
  });

  it('keeps header names intact through docker header functions, but pads them', () => {
    assert.equal(
      render('table {{upper .Name}}\\t{{json .Description}}\\t{{pad .Name 1 1}}|'),
      'NAME      DESCRIPTION                                  NAME |\n' +
        'DEFAULT   "Current DOCKER_HOST based configuration"    default |\n' +
        'ORACLE    "desc"                                       oracle |\n',
    );
  });

  it('renders a plain template once per row, without alignment', () => {
    assert.equal(render('{{.Name}}\\t{{.Description}}'), 'default\tCurrent DOCKER_HOST based configuration\noracle\tdesc\n');
  });

  it('renders json as one object per line', () => {
    assert.equal(
      render('json'),
      '{"Current":true,"Description":"Current DOCKER_HOST based configuration","DockerEndpoint":"unix:///var/run/docker.sock","Error":"","Name":"default"}\n' +
        '{"Current":false,"Description":"desc","DockerEndpoint":"unix:///tmp/x.sock","Error":"","Name":"oracle"}\n',
    );
  });

  it('turns a literal \\n into a newline, and keeps single-column lines unaligned', () => {
    assert.equal(render('table {{.Name}}\\n{{.Description}}'), 'NAME\nDESCRIPTION\ndefault\nCurrent DOCKER_HOST based configuration\noracle\ndesc\n');
    assert.equal(render('table {{.Name}}:{{printf "%-20s" .DockerEndpoint}}|'), 'NAME:DOCKER ENDPOINT     |\ndefault:unix:///var/run/docker.sock|\noracle:unix:///tmp/x.sock  |\n');
  });

  it('only treats a leading "table" as a table format', () => {
    assert.equal(render('   table {{.Name}}  '), 'table default\ntable oracle\n');
    assert.equal(preFormat('table {{.A}}\\t{{.B}}  '), '{{.A}}\t{{.B}}');
    assert.equal(preFormat('json'), '{{json .}}');
  });

  it('renders a table of the brief example: repository and tag', () => {
    const images = [
      { Repository: 'busybox', Tag: 'latest' },
      { Repository: 'registry.example.com/team/app', Tag: 'v1.2.3' },
    ];
    assert.equal(
      renderFormatted('table {{.Repository}}\t{{.Tag}}', images, { Repository: 'REPOSITORY', Tag: 'TAG' }),
      'REPOSITORY                      TAG\nbusybox                         latest\nregistry.example.com/team/app   v1.2.3\n',
    );
  });

  it('prints only the header for no rows', () => {
    assert.equal(renderFormatted('table {{.Repository}}\t{{.Tag}}', [], { Repository: 'REPOSITORY', Tag: 'TAG' }), 'REPOSITORY   TAG\n');
    assert.equal(renderFormatted('{{.Repository}}', [], {}), '');
  });

  it('reports parse and execution errors with docker\'s prefix', () => {
    assert.throws(() => render('{{.Name}'), (e: unknown) => e instanceof FormatError && e.message === "template parsing error: template: :1: bad character U+007D '}'");
    assert.throws(
      () => renderFormatted('{{.Name.X}}', [goStruct('formatter.x', { Name: 'a' })], {}),
      (e: unknown) => e instanceof FormatError && e.message === 'template parsing error: template: :1:7: executing "" at <.Name.X>: can\'t evaluate field X in type string',
    );
  });

  it('ignores header errors and keeps the partial header, as docker does', () => {
    const out = renderFormatted('table {{.Name}}\t{{.Label "x"}}', [{ Name: 'a', Label: () => 'l' }], { Name: 'NAME' });
    assert.equal(out, 'NAME      \na         l\n');
  });
});

describe('goJson', () => {
  it('escapes HTML by default, like encoding/json', () => {
    assert.equal(goJson({ s: '<IN MEMORY>&' }), '{"s":"\\u003cIN MEMORY\\u003e\\u0026"}');
    assert.equal(goJson({ s: '<a>' }, { escapeHTML: false }), '{"s":"<a>"}');
  });

  it('indents like json.MarshalIndent with four spaces', () => {
    assert.equal(
      goJson([{ Name: 'default', Metadata: {}, List: [], Endpoints: { docker: { Host: 'unix:///x', SkipTLSVerify: false } } }], { indent: '    ' }),
      '[\n    {\n        "Name": "default",\n        "Metadata": {},\n        "List": [],\n        "Endpoints": {\n            "docker": {\n                "Host": "unix:///x",\n                "SkipTLSVerify": false\n            }\n        }\n    }\n]',
    );
  });

  it('omits undefined members, encodes bigint and Date', () => {
    assert.equal(goJson({ a: undefined, b: 10n, d: new Date(0) }), '{"b":10,"d":"1970-01-01T00:00:00.000Z"}');
  });

  it('replaces lone surrogates and escapes U+2028/U+2029', () => {
    assert.equal(goJson('\ud800x\u2029'), '"\\ufffdx\\u2029"');
  });
});
