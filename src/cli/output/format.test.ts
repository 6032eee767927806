import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatList, formatOne } from './format.ts';

const ITEMS = [
  { Repository: 'busybox', Tag: 'latest', ID: '0123456789ab', Size: '4.26MB' },
  { Repository: 'registry.example/team/app', Tag: 'v1', ID: 'ba9876543210', Size: '12MB' },
];
const SPEC = {
  defaultTable: '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}',
  headers: { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', Size: 'SIZE' },
};

describe('formatList', () => {
  it('prints the default table with headers', () => {
    assert.equal(
      formatList(ITEMS, SPEC),
      'REPOSITORY                  TAG       IMAGE ID       SIZE\n' +
        'busybox                     latest    0123456789ab   4.26MB\n' +
        'registry.example/team/app   v1        ba9876543210   12MB\n',
    );
  });

  it('prints only the header for no items', () => {
    assert.equal(formatList([], SPEC), 'REPOSITORY   TAG       IMAGE ID   SIZE\n');
  });

  it('takes `table` with chosen columns, spelled with \\t, and heads unknown fields by name', () => {
    assert.equal(
      formatList(ITEMS, { ...SPEC, format: 'table {{.ID}}\\t{{.Repository}}\\t{{.Other}}' }),
      'IMAGE ID       REPOSITORY                  OTHER\n' +
        '0123456789ab   busybox                     <no value>\n' +
        'ba9876543210   registry.example/team/app   <no value>\n',
    );
  });

  it('prints one JSON object per line for json', () => {
    const out = formatList(ITEMS, { ...SPEC, format: 'json' });
    assert.deepEqual(
      out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
      ITEMS,
    );
  });

  it('applies a plain template to each item', () => {
    assert.equal(
      formatList(ITEMS, { ...SPEC, format: '{{.Repository}}:{{.Tag}}' }),
      'busybox:latest\nregistry.example/team/app:v1\n',
    );
  });
});

describe('formatOne', () => {
  it('formats one object', () => {
    assert.equal(formatOne({ A: { B: 1 } }, '{{.A.B}}'), '1\n');
    assert.equal(formatOne({ A: 1 }, 'json'), '{"A":1}\n');
  });
});
