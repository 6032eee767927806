import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageConfig } from '../oci/descriptor.ts';
import { encodeImageConfig, goTime } from './config-json.ts';

test('goTime trims the fraction as Go RFC3339Nano does', () => {
  assert.equal(goTime(new Date('2026-11-28T22:40:11.120Z')), '2026-11-28T22:40:11.12Z');
  assert.equal(goTime(new Date('2026-11-28T22:40:11.100Z')), '2026-11-28T22:40:11.1Z');
  assert.equal(goTime(new Date('2026-11-28T22:40:11.000Z')), '2026-11-28T22:40:11Z');
  assert.equal(goTime(new Date('2026-11-28T22:40:11.123Z')), '2026-11-28T22:40:11.123Z');
});

test('configs are written in the Go structs field order, empty fields left out', () => {
  const config = {
    history: [{ empty_layer: false, comment: 'c', created_by: '', created: 't' }],
    rootfs: { type: 'layers', diff_ids: [] },
    config: { Labels: { a: 'b' }, Cmd: ['sh'], Env: ['A=1'], User: '' },
    os: 'linux',
    architecture: 'amd64',
    created: 't',
  } as unknown as ImageConfig;
  assert.equal(
    encodeImageConfig(config).toString(),
    '{"created":"t","architecture":"amd64","os":"linux","config":{"Env":["A=1"],"Cmd":["sh"],"Labels":{"a":"b"}},' +
      '"rootfs":{"type":"layers","diff_ids":[]},"history":[{"created":"t","comment":"c"}]}',
  );
});
