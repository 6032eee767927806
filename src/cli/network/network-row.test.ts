import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatList } from '../output/format.ts';
import { goTimeString, NETWORK_HEADERS, NETWORK_TABLE, type NetworkJson, networkRow } from './network-row.ts';

const ID = '7b369448dccbf865d397c8d2be0cda7cf7edc6b0945f77d2529912ae917a0185';

const net = (over: Partial<NetworkJson> = {}): NetworkJson => ({
  Name: 'bridge',
  Id: ID,
  Created: '2024-05-01T10:11:12.500000000Z',
  Scope: 'local',
  Driver: 'bridge',
  EnableIPv6: false,
  Internal: false,
  Labels: {},
  ...over,
});

describe('networkRow', () => {
  it("gives Docker's fields: a 12-character ID, booleans and labels as text", () => {
    assert.deepEqual(networkRow(net({ Labels: { z: '1', a: 'b' }, Internal: true })), {
      CreatedAt: '2024-05-01 10:11:12.5 +0000 UTC',
      Driver: 'bridge',
      ID: '7b369448dccb',
      IPv6: 'false',
      Internal: 'true',
      Labels: 'a=b,z=1',
      Name: 'bridge',
      Scope: 'local',
    });
    assert.equal(networkRow(net(), { noTrunc: true }).ID, ID);
  });

  it('renders the default table with the NETWORK ID column', () => {
    const rows = [net(), net({ Name: 'none', Driver: 'null', Id: 'c288470c46f6c8949c5f7e55' })].map((n) =>
      networkRow(n),
    );
    assert.equal(
      formatList(rows, { defaultTable: NETWORK_TABLE, headers: NETWORK_HEADERS }),
      'NETWORK ID     NAME      DRIVER    SCOPE\n' +
        '7b369448dccb   bridge    bridge    local\n' +
        'c288470c46f6   none      null      local\n',
    );
    assert.equal(
      formatList(rows, {
        format: 'table {{.Name}}\t{{.Internal}}\t{{.CreatedAt}}',
        headers: NETWORK_HEADERS,
        defaultTable: '',
      }).split('\n')[0],
      'NAME      INTERNAL   CREATED AT',
    );
  });

  it('prints JSON rows with the keys in Docker’s (sorted) order', () => {
    assert.equal(
      formatList([networkRow(net())], { format: 'json', defaultTable: NETWORK_TABLE }),
      `{"CreatedAt":"2024-05-01 10:11:12.5 +0000 UTC","Driver":"bridge","ID":"7b369448dccb","IPv6":"false","Internal":"false","Labels":"","Name":"bridge","Scope":"local"}\n`,
    );
  });
});

describe('goTimeString', () => {
  it("prints an RFC 3339 time as Go's time.String does", () => {
    assert.equal(goTimeString('2024-05-01T10:11:12Z'), '2024-05-01 10:11:12 +0000 UTC');
    assert.equal(goTimeString('2024-05-01T10:11:12.123456789Z'), '2024-05-01 10:11:12.123456789 +0000 UTC');
    assert.equal(goTimeString('2024-05-01T10:11:12.120Z'), '2024-05-01 10:11:12.12 +0000 UTC');
    assert.equal(goTimeString(''), '');
    assert.equal(goTimeString('yesterday'), 'yesterday');
  });

  it('names a zone offset by the local zone only when it is the local offset', () => {
    const instant = '2024-05-01T10:11:12+05:45';
    const local = -new Date(instant).getTimezoneOffset();
    const text = goTimeString(instant);
    assert.match(text, /^2024-05-01 10:11:12 \+0545 /);
    if (local !== 345) assert.equal(text, '2024-05-01 10:11:12 +0545 +0545');
  });
});
