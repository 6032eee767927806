import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlagError, parseCommandArgs } from './args.ts';

const SPECS = {
  all: { type: 'boolean', short: 'a', help: '' },
  quiet: { type: 'boolean', short: 'q', help: '' },
  format: { type: 'string', short: 'f', help: '' },
  filter: { type: 'string', multiple: true, help: '' },
  tail: { type: 'int', short: 'n', help: '' },
} as const;

const parse = (args: string[], stop = false) =>
  parseCommandArgs(args, SPECS, { stopAtFirstPositional: stop });

describe('parseCommandArgs', () => {
  it('reads short groups, long flags and positionals in any order', () => {
    const r = parse(['-aq', 'busybox', '--format', '{{.ID}}']);
    assert.deepEqual(r.options, { all: true, quiet: true, format: '{{.ID}}' });
    assert.deepEqual(r.positionals, ['busybox']);
  });

  it('takes values inline: --flag=value, -fvalue, -f=value, and a value at the end of a group', () => {
    assert.equal(parse(['--format=json']).options.format, 'json');
    assert.equal(parse(['-fjson']).options.format, 'json');
    assert.equal(parse(['-f=json']).options.format, 'json');
    assert.deepEqual(parse(['-af', 'json']).options, { all: true, format: 'json' });
  });

  it('reads -b=false for a boolean short flag, as pflag does', () => {
    assert.deepEqual(parse(['-a=false', '-q=true']).options, { all: false, quiet: true });
  });

  it('collects repeated options', () => {
    assert.deepEqual(parse(['--filter', 'a=1', '--filter=b=2']).options.filter, ['a=1', 'b=2']);
  });

  it('reads booleans given as =false and =true, as Go does', () => {
    assert.equal(parse(['--all=false']).options.all, false);
    assert.equal(parse(['--all=True']).options.all, true);
    assert.throws(() => parse(['--all=maybe']), /invalid argument "maybe" for "-a, --all" flag/);
  });

  it('converts integers and refuses what is not one', () => {
    assert.equal(parse(['-n', '20']).options.tail, 20);
    assert.equal(parse(['--tail=-1']).options.tail, -1);
    assert.throws(
      () => parse(['--tail', 'ten']),
      /invalid argument "ten" for "-n, --tail" flag: not an integer/,
    );
  });

  it('treats everything after -- as positional', () => {
    const r = parse(['-a', '--', '-q', '--format']);
    assert.deepEqual(r.options, { all: true });
    assert.deepEqual(r.positionals, ['-q', '--format']);
  });

  it('stops at the first positional when asked (run IMAGE CMD ARGS)', () => {
    const r = parse(['-a', 'busybox', 'ls', '-q', '--format', 'x'], true);
    assert.deepEqual(r.options, { all: true });
    assert.deepEqual(r.positionals, ['busybox', 'ls', '-q', '--format', 'x']);
    const v = parse(['-f', 'json', 'img', '-a'], true);
    assert.deepEqual(v.options, { format: 'json' });
    assert.deepEqual(v.positionals, ['img', '-a']);
    const d = parse(['-q', '--', 'img', '-a'], true);
    assert.deepEqual(d.positionals, ['img', '-a']);
  });

  it('words errors as Docker does', () => {
    const err = (args: string[]) => {
      try {
        parse(args);
      } catch (e) {
        assert.ok(e instanceof FlagError);
        return e.message;
      }
      assert.fail(`no error for ${args.join(' ')}`);
    };
    assert.equal(err(['--bogus']), 'unknown flag: --bogus');
    assert.equal(err(['-aZ']), "unknown shorthand flag: 'Z' in -aZ");
    assert.equal(err(['--format']), 'flag needs an argument: --format');
    assert.equal(err(['-f']), 'flag needs an argument: -f');
  });

  it('gives no value for an option not given', () => {
    assert.deepEqual(parse([]).options, {});
    assert.deepEqual(parse([]).positionals, []);
  });
});
