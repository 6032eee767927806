import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../util/errors.ts';
import {
  compileContainerFilters,
  type FilterableContainer,
  type FilterResolvers,
  matchContainerFilters,
  parseFiltersParam,
  psFiltersParam,
} from './ps-filters.ts';

describe('psFiltersParam', () => {
  it("builds the filters JSON as Docker's CLI sends it", () => {
    // `docker ps --filter 'Status = running' --filter status=exited --filter label=a=b` sends this.
    assert.equal(
      psFiltersParam(['Status = running', 'status=exited', 'label=a=b']),
      '{"label":{"a=b":true},"status":{"exited":true,"running":true}}',
    );
    assert.equal(psFiltersParam([]), undefined);
    assert.equal(psFiltersParam(['']), undefined);
  });
  it('refuses a filter without =', () => {
    assert.throws(() => psFiltersParam(['foo']), {
      message: 'invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)',
    });
  });
  it('reads both forms of the parameter back', () => {
    const f = parseFiltersParam('{"label":{"a=b":true,"off":false},"status":["running"]}');
    assert.deepEqual(
      [...f.entries()].map(([k, v]) => [k, [...v]]),
      [
        ['label', ['a=b']],
        ['status', ['running']],
      ],
    );
    assert.equal(parseFiltersParam(undefined).size, 0);
    assert.throws(
      () => parseFiltersParam('{bad'),
      (e: unknown) => isBerthError(e, 'InvalidArgument'),
    );
  });
});

const web: FilterableContainer = {
  Id: '4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2',
  Names: ['/web'],
  ImageID: 'sha256:child',
  Created: 300,
  State: 'running',
  Labels: { app: 'web', tier: 'front' },
  Mounts: [
    { Name: 'data', Source: '/var/lib/berth/volumes/data/_data', Destination: '/data' },
    { Source: '/host/conf', Destination: '/etc/conf' },
  ],
  NetworkSettings: { Networks: { mynet: { NetworkID: 'abc123' } } },
  Ports: [
    { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { PrivatePort: 443, Type: 'tcp' },
  ],
  Health: 'healthy',
  Started: true,
};
const done: FilterableContainer = {
  Id: 'b2c3d4e5f6a7',
  Names: ['/done'],
  ImageID: 'sha256:other',
  Created: 200,
  State: 'exited',
  ExitCode: 3,
  Started: true,
  NetworkSettings: null,
};
const fresh: FilterableContainer = {
  Id: 'c3c3c3',
  Names: ['/fresh'],
  ImageID: 'sha256:base',
  Created: 100,
  State: 'created',
};
const ALL = [web, done, fresh];

const resolvers: FilterResolvers = {
  resolveImage: (ref) =>
    ref === 'base' ? ['sha256:base', 'sha256:child'] : ref === 'other' ? ['sha256:other'] : undefined,
  resolveContainer: (ref) => ALL.find((c) => c.Names[0] === `/${ref}` || c.Id.startsWith(ref)),
};

function names(filters: Record<string, string[]>): string[] {
  const m = compileContainerFilters(
    new Map(Object.entries(filters).map(([k, v]) => [k, new Set(v)])),
    resolvers,
  );
  return ALL.filter((c) => m.match(c)).map((c) => c.Names[0]!.slice(1));
}

describe('matching containers', () => {
  const cases: [Record<string, string[]>, string[]][] = [
    [{}, ['web', 'done', 'fresh']],
    [{ id: ['4fa6'] }, ['web']],
    [{ id: ['c3c3c3'] }, ['fresh']],
    [{ name: ['web'] }, ['web']],
    [{ name: ['^/?d'] }, ['done']],
    [{ name: ['e'] }, ['web', 'done', 'fresh']],
    [{ label: ['app'] }, ['web']],
    [{ label: ['app=web', 'tier=front'] }, ['web']],
    [{ label: ['app=db'] }, []],
    [{ status: ['exited', 'created'] }, ['done', 'fresh']],
    [{ status: ['running'] }, ['web']],
    [{ exited: ['3'] }, ['done']],
    [{ exited: ['0'] }, []],
    [{ health: ['healthy'] }, ['web']],
    [{ health: ['none'] }, ['done', 'fresh']],
    [{ ancestor: ['base'] }, ['web', 'fresh']],
    [{ ancestor: ['nosuch'] }, []],
    [{ before: ['web'] }, ['done', 'fresh']],
    [{ since: ['fresh'] }, ['web', 'done']],
    [{ since: ['fresh'], before: ['web'] }, ['done']],
    [{ volume: ['data'] }, ['web']],
    [{ volume: ['/etc/conf'] }, ['web']],
    [{ volume: ['/host/conf'] }, ['web']],
    [{ volume: ['nosuch'] }, []],
    [{ network: ['mynet'] }, ['web']],
    [{ network: ['abc'] }, ['web']],
    [{ network: ['bridge'] }, []],
    [{ publish: ['80'] }, ['web']],
    [{ publish: ['443'] }, []],
    [{ expose: ['443/tcp'] }, ['web']],
    [{ expose: ['440-450'] }, ['web']],
    [{ 'is-task': ['false'] }, ['web', 'done', 'fresh']],
    [{ 'is-task': ['true'] }, []],
    [{ status: ['running'], label: ['app'] }, ['web']],
    [{ status: ['exited'], label: ['app'] }, []],
  ];
  for (const [filters, expected] of cases) {
    it(`${JSON.stringify(filters)} → ${expected.join(', ') || 'none'}`, () =>
      assert.deepEqual(names(filters), expected));
  }
  it('says whether the filters list stopped containers too', () => {
    assert.equal(
      compileContainerFilters(new Map([['status', new Set(['exited'])]]), resolvers).impliesAll,
      true,
    );
    assert.equal(compileContainerFilters(new Map([['label', new Set(['a'])]]), resolvers).impliesAll, false);
  });
  it('matches one container at a time too', () => {
    assert.equal(matchContainerFilters(new Map([['name', new Set(['web'])]]), web, resolvers), true);
    assert.equal(matchContainerFilters(new Map([['name', new Set(['web'])]]), done, resolvers), false);
  });
});

describe('bad filters', () => {
  // moby's messages.
  const cases: [Record<string, string[]>, string][] = [
    [{ bogus: ['1'] }, "invalid filter 'bogus'"],
    [{ status: ['sleeping'] }, "invalid filter 'status=sleeping'"],
    [{ health: ['sick'] }, 'unrecognized filter value for health: sick'],
    [{ 'is-task': ['maybe'] }, "invalid filter 'is-task=maybe'"],
    [{ exited: ['x'] }, 'strconv.Atoi: parsing "x": invalid syntax'],
    [{ publish: ['80:80'] }, "filter for 'publish' should not contain ':': 80:80"],
  ];
  for (const [filters, message] of cases) {
    it(`refuses ${JSON.stringify(filters)}`, () => {
      assert.throws(
        () => names(filters),
        (e: unknown) => isBerthError(e, 'InvalidArgument') && (e as Error).message === message,
      );
    });
  }
  it('says which container before/since does not find', () => {
    assert.throws(
      () => names({ before: ['nosuch'] }),
      (e: unknown) => isBerthError(e, 'NotFound') && (e as Error).message === 'No such container: nosuch',
    );
  });
});
