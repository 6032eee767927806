import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidMountMode, parseTmpfsFlags, parseVolumeFlags, validateBindSpec } from './volume-spec.ts';

describe('parseVolumeFlags', () => {
  it('sends specs with a source as binds, absolute from cwd, and anonymous ones as volumes', () => {
    assert.deepEqual(
      parseVolumeFlags(
        ['./rel:/x', 'v1:/y:ro,nocopy', '/h:/z:rshared,Z', '/anon', '/h:/z:rshared,Z'],
        '/work',
      ),
      {
        binds: ['/work/rel:/x', 'v1:/y:ro,nocopy', '/h:/z:rshared,Z'],
        volumes: { '/anon': {} },
      },
    );
  });
  // The CLI's own checks (Docker 28).
  const cliErrors: [string, string][] = [
    ['', 'invalid empty volume spec'],
    ['/a::/b', 'invalid spec: /a::/b: empty section between colons'],
    [':/b', 'invalid spec: :/b: empty section between colons'],
    ['/a:', 'invalid spec: /a:: empty section between colons'],
  ];
  for (const [spec, message] of cliErrors) {
    it(`refuses ${JSON.stringify(spec)} as the CLI does`, () =>
      assert.throws(() => parseVolumeFlags([spec], '/'), { message }));
  }
  // The daemon's checks (moby's volume parser), made before any request.
  const daemonErrors: [string, string][] = [
    ['a:b:c:d', "invalid volume specification: 'a:b:c:d'"],
    ['/a:/b:zz', 'invalid mode: zz'],
    ['/a:/b:ro,rw', 'invalid mode: ro,rw'],
    ['/a:/b:z,Z', 'invalid mode: z,Z'],
    ['/path:/path:ro,rshared,rslave', 'invalid mode: ro,rshared,rslave'],
    ['/path:rw', "invalid volume specification: '/path:rw'"],
    ['/path:shared', "invalid volume specification: '/path:shared'"],
    [
      '/a:/',
      "invalid volume specification: '/a:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'",
    ],
    [
      '/a:rel',
      "invalid volume specification: '/a:rel': invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute",
    ],
    [
      '/a:/b:nocopy',
      'invalid volume specification: \'/a:/b:nocopy\': invalid mount config for type "bind": field VolumeOptions must not be specified',
    ],
    [
      'v:/b:shared',
      'invalid volume specification: \'v:/b:shared\': invalid mount config for type "volume": field BindOptions must not be specified',
    ],
    [
      'v:/b:ro-non-recursive',
      'mount mode "ro-non-recursive" requires a bind mount: invalid volume specification: \'v:/b:ro-non-recursive\'',
    ],
    [
      'relative',
      "invalid volume specification: 'relative': invalid mount config for type \"volume\": invalid mount path: 'relative' mount path must be absolute",
    ],
  ];
  for (const [spec, message] of daemonErrors) {
    it(`refuses ${JSON.stringify(spec)} as the daemon does`, () =>
      assert.throws(() => parseVolumeFlags([spec], '/'), { message }));
  }
  it('accepts what the daemon accepts', () => {
    for (const spec of [
      '/home:/home',
      '/with space',
      'relative:/absolute-path',
      'hostPath:/containerPath:ro',
      '/hostPath:/containerPath:ro,Z,rprivate',
      '/tmp:/tmp5:ro-non-recursive',
      '/tmp:/tmp6:ro-force-recursive,rprivate',
      'name:/named:ro,nocopy,cached',
    ]) {
      assert.doesNotThrow(() => validateBindSpec(spec), spec);
    }
  });
  it('knows the mode words', () => {
    assert.equal(isValidMountMode(''), true);
    assert.equal(isValidMountMode('ro,z,rshared,nocopy,delegated'), true);
    assert.equal(isValidMountMode('rw,ro'), false);
    assert.equal(isValidMountMode('sw'), false);
  });
});

describe('parseTmpfsFlags', () => {
  it('maps paths to their options', () => {
    assert.deepEqual(parseTmpfsFlags(['/run:size=64m,mode=1777', '/a:rw:x', '/x']), {
      '/run': 'size=64m,mode=1777',
      '/a': 'rw:x',
      '/x': '',
    });
  });
  it("refuses a relative path or '/'", () => {
    assert.throws(() => parseTmpfsFlags(['run']), {
      message: "invalid mount path: 'run' mount path must be absolute",
    });
    assert.throws(() => parseTmpfsFlags(['/']), {
      message: "invalid specification: destination can't be '/'",
    });
  });
});
