import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageConfig } from '../oci/descriptor.ts';
import { mergedConfig, mergeEnv } from './merged-config.ts';

const image = (config: ImageConfig['config']): ImageConfig =>
  ({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config }) as ImageConfig;

describe('mergedConfig', () => {
  it('overrides the environment by name, keeping the image order', () => {
    assert.deepEqual(mergeEnv(['A=1', 'PATH=/bin', 'B=2'], ['B=3', 'C=4']), [
      'A=1',
      'PATH=/bin',
      'B=3',
      'C=4',
    ]);
  });

  it('takes the image command unless the request gives one or an entrypoint', () => {
    const img = image({ Cmd: ['sh'], Entrypoint: ['/init'], WorkingDir: '/w', Labels: { a: '1' } });
    assert.deepEqual(mergedConfig({ Image: 'x' }, img).Cmd, ['sh']);
    assert.deepEqual(mergedConfig({ Image: 'x', Cmd: ['ls'] }, img).Cmd, ['ls']);
    const ep = mergedConfig({ Image: 'x', Entrypoint: ['/other'] }, img);
    assert.deepEqual([ep.Entrypoint, ep.Cmd], [['/other'], []]);
    assert.equal(mergedConfig({ Image: 'x', Entrypoint: [''] }, img).Entrypoint, undefined);
    assert.deepEqual(mergedConfig({ Image: 'x', Labels: { b: '2' } }, img).Labels, { a: '1', b: '2' });
    assert.equal(mergedConfig({ Image: 'x' }, img).WorkingDir, '/w');
  });

  it('merges a health check field by field, as Docker does', () => {
    const img = image({ Healthcheck: { Test: ['CMD', 'true'], Interval: 30e9, Retries: 3 } });
    const merged = mergedConfig({ Image: 'x', Healthcheck: { Interval: 1e9 } }, img).Healthcheck;
    assert.deepEqual(merged, { Test: ['CMD', 'true'], Interval: 1e9, Retries: 3 });
    const off = mergedConfig({ Image: 'x', Healthcheck: { Test: ['NONE'] } }, img).Healthcheck;
    assert.deepEqual(off?.Test, ['NONE']);
  });
});
