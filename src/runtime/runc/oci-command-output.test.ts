import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LaunchError } from '../launch/launch-error.ts';
import {
  codeOfRuntimeMessage,
  parseListOutput,
  parsePsOutput,
  parseStateOutput,
  runtimeErrorMessage,
  startErrorOf,
} from './oci-command-output.ts';

describe('an OCI runtime command, read back', () => {
  it('finds the last error among JSON log lines, logfmt lines and plain text', () => {
    const json = [
      '{"level":"warning","msg":"something minor","time":"2026-01-01T00:00:00Z"}',
      '{"level":"error","msg":"exec failed: unable to start container process: exec: \\"nope\\": executable file not found in $PATH","time":"2026-01-01T00:00:00Z"}',
      '{"level":"info","msg":"after","time":"2026-01-01T00:00:00Z"}',
      '',
    ].join('\n');
    assert.equal(
      runtimeErrorMessage(json),
      'exec failed: unable to start container process: exec: "nope": executable file not found in $PATH',
    );
    assert.equal(
      runtimeErrorMessage('time="2026-11-29T02:31:29Z" level=error msg="container does not exist"\n'),
      'container does not exist',
    );
    assert.equal(runtimeErrorMessage('time="x" level=error msg="a \\"quoted\\" word"'), 'a "quoted" word');
    assert.equal(runtimeErrorMessage('plain failure\n'), 'plain failure');
    assert.equal(runtimeErrorMessage(''), undefined);
  });

  it('gives the failures the codes berth’s own runtime uses', () => {
    assert.equal(codeOfRuntimeMessage('container does not exist'), 'NotFound');
    assert.equal(codeOfRuntimeMessage('container not running'), 'FailedPrecondition');
    assert.equal(
      codeOfRuntimeMessage('cannot delete container x that is not stopped: running'),
      'FailedPrecondition',
    );
    assert.equal(codeOfRuntimeMessage('container with id exists: x'), 'Conflict');
    assert.equal(codeOfRuntimeMessage('container "x" already exists'), 'Conflict');
    assert.equal(codeOfRuntimeMessage('mysterious'), 'Internal');
  });

  it('reports a program that cannot be run as the launcher does: step exec, ENOENT or EACCES', () => {
    const missing = startErrorOf(
      'runc',
      'runc run failed: unable to start container process: exec: "nope": executable file not found in $PATH',
    );
    assert.ok(missing instanceof LaunchError);
    assert.equal(missing.step, 'exec');
    assert.equal(missing.errno, 'ENOENT');
    assert.match(missing.message, /^OCI runtime runc failed: .*executable file not found/);
    const absent = startErrorOf('runc', 'exec: "/x": stat /x: no such file or directory');
    assert.equal((absent as LaunchError).errno, 'ENOENT');
    const denied = startErrorOf(
      'runc',
      'unable to start container process: exec: "/etc/passwd": permission denied',
    );
    assert.equal((denied as LaunchError).errno, 'EACCES');
    const other = startErrorOf('runc', 'unable to apply cgroup configuration: no such cgroup');
    assert.equal(other instanceof LaunchError, false);
    assert.equal(other.code, 'Internal');
  });

  it('parses state, list and ps documents, and refuses what runc would not print', () => {
    const state = parseStateOutput(
      '{"ociVersion":"1.0.2-dev","id":"c1","pid":42,"status":"running","bundle":"/b","rootfs":"/b/rootfs","created":"2026-01-01T00:00:00Z","owner":""}',
    );
    assert.deepEqual(state, {
      ociVersion: '1.0.2-dev',
      id: 'c1',
      status: 'running',
      pid: 42,
      bundle: '/b',
      rootfs: '/b/rootfs',
      created: '2026-01-01T00:00:00Z',
      owner: '',
    });
    assert.deepEqual(parseListOutput('null\n'), []);
    assert.deepEqual(
      parseListOutput('[{"id":"a","status":"stopped","pid":0},{"id":"b","status":"paused","pid":7}]').map(
        (s) => [s.id, s.status, s.pid],
      ),
      [
        ['a', 'stopped', 0],
        ['b', 'paused', 7],
      ],
    );
    assert.deepEqual(parsePsOutput('[12,13]\n'), [12, 13]);
    assert.deepEqual(parsePsOutput('null'), []);
    assert.throws(() => parseStateOutput('not json'), /state is not what runc prints/);
    assert.throws(() => parseStateOutput('{"pid":1}'), /state is not what runc prints/);
    assert.throws(() => parsePsOutput('["x"]'), /ps is not what runc prints/);
    assert.throws(() => parseListOutput('{}'), /list is not what runc prints/);
  });
});
