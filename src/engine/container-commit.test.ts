import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commitConfig } from './container-commit.ts';

const container = {
  Hostname: 'abc',
  Image: 'busybox',
  User: 'nobody',
  Env: ['PATH=/bin', 'A=1'],
  Cmd: ['sh', '-c', 'echo hi'],
  WorkingDir: '/srv',
  Labels: { team: 'x' },
  ExposedPorts: { '80/tcp': {} },
  Tty: true,
};

describe('the config of a commit', () => {
  it("is the container's, in the image config's fields only", () => {
    assert.deepEqual(commitConfig(container, undefined, []), {
      User: 'nobody',
      ExposedPorts: { '80/tcp': {} },
      Env: ['PATH=/bin', 'A=1'],
      Cmd: ['sh', '-c', 'echo hi'],
      WorkingDir: '/srv',
      Labels: { team: 'x' },
    });
  });

  it('applies the changes in order; ENTRYPOINT clears CMD unless a CMD came first', () => {
    const a = commitConfig(container, undefined, ['ENV A=2 B=3', 'ENTRYPOINT ["/app"]', 'LABEL v=1']);
    assert.deepEqual(a.Env, ['PATH=/bin', 'A=2', 'B=3']);
    assert.deepEqual(a.Entrypoint, ['/app']);
    assert.equal(a.Cmd, undefined);
    assert.deepEqual(a.Labels, { team: 'x', v: '1' });
    const b = commitConfig(container, undefined, ['CMD ["--flag"]', 'ENTRYPOINT /app']);
    assert.deepEqual(b.Cmd, ['--flag']);
    assert.deepEqual(b.Entrypoint, ['/bin/sh', '-c', '/app']);
  });

  it("takes a given config, the container's filling its gaps", () => {
    const c = commitConfig(container, { Cmd: ['other'], Env: ['B=2'], Labels: { own: 'y' } }, ['USER root']);
    assert.deepEqual(c.Cmd, ['other']);
    assert.deepEqual(c.Env, ['B=2', 'PATH=/bin', 'A=1']);
    assert.deepEqual(c.Labels, { team: 'x', own: 'y' });
    assert.equal(c.User, 'root');
    assert.equal(c.WorkingDir, '/srv');
    assert.deepEqual(c.ExposedPorts, { '80/tcp': {} });
  });

  it('refuses a bad change line', () => {
    assert.throws(() => commitConfig(container, undefined, ['RUN rm -rf /']), /not a valid change command/);
  });
});
