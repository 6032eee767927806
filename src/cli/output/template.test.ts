import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printValue, renderTemplate, Template } from './template.ts';

const DATA = {
  ID: 'sha256:abc',
  Name: 'busybox',
  Size: 4261234,
  Config: { Env: ['A=1', 'B=2'], Labels: { 'org.one': 'x', 'com.two': 'y' }, User: '' },
  Tags: ['busybox:latest', 'busybox:1.36'],
  Nothing: null,
  Running: true,
};

const r = (t: string, d: unknown = DATA) => renderTemplate(t, d);

describe('Template: fields and values', () => {
  it('prints fields and nested fields', () => {
    assert.equal(r('{{.Name}} {{.Config.User}}|{{.Size}} {{.Running}}'), 'busybox |4261234 true');
    assert.equal(r('{{.}}', 'plain'), 'plain');
  });

  it('prints lists and maps as Go does', () => {
    assert.equal(r('{{.Tags}}'), '[busybox:latest busybox:1.36]');
    assert.equal(r('{{.Config.Labels}}'), 'map[com.two:y org.one:x]');
    assert.equal(r('{{.Nothing}}'), '<nil>');
    assert.equal(r('{{.Missing}} {{.Missing.Deeper}}'), '<no value> <no value>');
  });

  it('refuses a field of a string', () => {
    assert.throws(() => r('{{.Name.First}}'), /can't evaluate field First in type string/);
  });

  it('prints JSON with json', () => {
    assert.equal(r('{{json .Config.Env}}'), '["A=1","B=2"]');
    assert.equal(r('{{json .}}', { a: '<&>' }), '{"a":"<&>"}');
    assert.equal(r('{{.Config | json}}'), JSON.stringify(DATA.Config));
  });
});

describe('Template: functions and pipelines', () => {
  it('has the string functions', () => {
    assert.equal(r('{{upper .Name}} {{lower "ABC"}} {{title "hello world"}}'), 'BUSYBOX abc Hello World');
    assert.equal(r('{{join .Tags ", "}}'), 'busybox:latest, busybox:1.36');
    assert.equal(r('{{len .Tags}} {{len .Name}}'), '2 7');
    assert.equal(r('{{index .Config.Labels "org.one"}} {{index .Tags 1}}'), 'x busybox:1.36');
    assert.equal(r('{{truncate .ID 6}}'), 'sha256');
    assert.equal(r('{{split "a:b" ":"}}'), '[a b]');
    assert.equal(r('{{printf "%s=%d" .Name .Size}}'), 'busybox=4261234');
    assert.equal(r('{{printf "%-8s|" .Name}}'), 'busybox |');
    assert.equal(r('{{.Name | upper | printf "<%s>"}}'), '<BUSYBOX>');
    assert.equal(r('{{println .Name}}'), 'busybox\n');
  });

  it('reads fields of a parenthesised pipeline written right after its ")"', () => {
    const ports = { Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] } };
    assert.equal(r('{{(index (index .Ports "80/tcp") 0).HostPort}}', ports), '8080');
    assert.equal(r('{{(index .Ports "80/tcp" | len)}}', ports), '1');
    assert.equal(r('{{(.Config).User}}|{{(.Config.Labels).Missing}}'), '|<no value>');
    // With a space the field is a separate argument, as in Go.
    assert.throws(() => r('{{(.Config) .User}}'), /can't give argument to non-function/);
    assert.throws(() => r('{{(.Name).First}}'), /can't evaluate field First in type string/);
  });

  it('compares and combines', () => {
    assert.equal(r('{{eq .Name "busybox"}} {{ne .Size 1}} {{lt 1 2}} {{ge 2 3}}'), 'true true true false');
    assert.equal(
      r('{{and .Running .Name}} {{or .Config.User "none"}} {{not .Running}}'),
      'busybox none false',
    );
  });

  it('refuses an unknown function', () => {
    assert.throws(() => r('{{frob .Name}}'), /function "frob" not defined/);
  });
});

describe('Template: control structures', () => {
  it('branches with if / else if / else', () => {
    const t = new Template('{{if .Running}}up{{else if .Name}}named{{else}}down{{end}}');
    assert.equal(t.execute({ Running: true }), 'up');
    assert.equal(t.execute({ Running: false, Name: 'x' }), 'named');
    assert.equal(t.execute({}), 'down');
  });

  it('ranges over lists and maps (sorted keys), with variables and else', () => {
    assert.equal(r('{{range .Tags}}[{{.}}]{{end}}'), '[busybox:latest][busybox:1.36]');
    assert.equal(r('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}'), 'com.two=y;org.one=x;');
    assert.equal(r('{{range $i, $t := .Tags}}{{$i}}:{{$t}} {{end}}'), '0:busybox:latest 1:busybox:1.36 ');
    assert.equal(r('{{range .Nothing}}x{{else}}empty{{end}}'), 'empty');
    assert.equal(r('{{range .Tags}}{{$.Name}} {{end}}'), 'busybox busybox ');
  });

  it('moves dot with with', () => {
    assert.equal(r('{{with .Config}}{{.User}}|{{len .Env}}{{end}}'), '|2');
    assert.equal(r('{{with .Missing}}x{{else}}none{{end}}'), 'none');
  });

  it('trims around {{- and -}} and skips comments', () => {
    assert.equal(r('a  {{- .Name -}}  b'), 'abusyboxb');
    assert.equal(r('{{range .Tags -}}\n  {{.}}\n{{- end}}'), 'busybox:latestbusybox:1.36');
    assert.equal(r('x{{/* note */}}y'), 'xy');
  });

  it('assigns variables', () => {
    assert.equal(r('{{$n := .Name}}{{$n}}-{{$n}}'), 'busybox-busybox');
  });
});

describe('Template: parse errors', () => {
  it('says what is wrong', () => {
    assert.throws(() => new Template('{{.Name'), /template parsing error: unclosed action/);
    assert.throws(() => new Template('{{if .A}}x'), /template parsing error: missing \{\{end\}\}/);
    assert.throws(() => new Template('{{end}}'), /template parsing error: unexpected \{\{end\}\}/);
    assert.throws(() => new Template('{{"open}}'), /unterminated quoted string/);
    assert.throws(() => new Template('{{}}'), /missing value/);
  });
});

describe('printValue', () => {
  it('formats nested data', () => {
    assert.equal(printValue({ b: [1, 2], a: { c: null } }), 'map[a:map[c:<nil>] b:[1 2]]');
  });
});
