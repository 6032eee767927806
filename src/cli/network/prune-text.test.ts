import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deletedNetworksText } from './prune-text.ts';

describe('deletedNetworksText', () => {
  it('lists the names under a heading and ends with a blank line; nothing when none went', () => {
    assert.equal(deletedNetworksText({ NetworksDeleted: ['a', 'b'] }), 'Deleted Networks:\na\nb\n\n');
    assert.equal(deletedNetworksText({ NetworksDeleted: [] }), '');
    assert.equal(deletedNetworksText({ NetworksDeleted: null }), '');
  });
});
