import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNoRestart, parseRestartPolicy } from './restart-policy.ts';

describe('parseRestartPolicy', () => {
  it('reads the policies', () => {
    assert.deepEqual(parseRestartPolicy('no'), { Name: 'no', MaximumRetryCount: 0 });
    assert.deepEqual(parseRestartPolicy('always'), { Name: 'always', MaximumRetryCount: 0 });
    assert.deepEqual(parseRestartPolicy('unless-stopped'), { Name: 'unless-stopped', MaximumRetryCount: 0 });
    assert.deepEqual(parseRestartPolicy('on-failure'), { Name: 'on-failure', MaximumRetryCount: 0 });
    assert.deepEqual(parseRestartPolicy('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
    assert.deepEqual(parseRestartPolicy(''), { Name: '', MaximumRetryCount: 0 });
  });
  const invalid: [string, string][] = [
    ['always:3', "invalid restart policy: maximum retry count can only be used with 'on-failure'"],
    [
      'no:-1',
      "invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative",
    ],
    ['on-failure:-1', 'invalid restart policy: maximum retry count cannot be negative'],
    ['on-failure:x', 'invalid restart policy format: maximum retry count must be an integer'],
    [':3', 'invalid restart policy format: no policy provided before colon'],
    [
      'sometimes',
      "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
    ],
  ];
  for (const [text, message] of invalid) {
    it(`refuses ${text}`, () => assert.throws(() => parseRestartPolicy(text), { message }));
  }
  it('knows which policies never restart', () => {
    assert.equal(isNoRestart({ Name: 'no' }), true);
    assert.equal(isNoRestart({ Name: '' }), true);
    assert.equal(isNoRestart({ Name: 'always' }), false);
  });
});
