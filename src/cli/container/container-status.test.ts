import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerStateString, containerStatusText } from './container-status.ts';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const s = 1000;
const m = 60 * s;
const h = 60 * m;

describe('containerStatusText', () => {
  const cases: [Parameters<typeof containerStatusText>[0], string, string][] = [
    [{ running: false }, 'Created', 'created'],
    [{ running: true, startedAt: NOW - 5 * s }, 'Up 5 seconds', 'running'],
    [{ running: true, startedAt: NOW - 500 }, 'Up Less than a second', 'running'],
    [{ running: true, startedAt: NOW - 70 * m }, 'Up About an hour', 'running'],
    [{ running: true, startedAt: NOW - 2 * m, paused: true }, 'Up 2 minutes (Paused)', 'paused'],
    [{ running: true, startedAt: NOW - 90 * m, health: 'healthy' }, 'Up 2 hours (healthy)', 'running'],
    [
      { running: true, startedAt: NOW - 3 * s, health: 'starting' },
      'Up 3 seconds (health: starting)',
      'running',
    ],
    [{ running: true, startedAt: NOW - h, health: 'unhealthy' }, 'Up About an hour (unhealthy)', 'running'],
    [
      { running: true, restarting: true, startedAt: NOW - m, finishedAt: NOW - 10 * s, exitCode: 1 },
      'Restarting (1) 10 seconds ago',
      'restarting',
    ],
    [
      { running: false, startedAt: NOW - m, finishedAt: NOW - 3 * s, exitCode: 0 },
      'Exited (0) 3 seconds ago',
      'exited',
    ],
    [
      { running: false, startedAt: NOW - 3 * h, finishedAt: NOW - 2 * h, exitCode: 137 },
      'Exited (137) 2 hours ago',
      'exited',
    ],
    [
      { running: false, startedAt: NOW - m, finishedAt: NOW - m, removing: true },
      'Removal In Progress',
      'removing',
    ],
    [{ running: false, startedAt: NOW - m, dead: true }, 'Dead', 'dead'],
  ];
  for (const [facts, status, state] of cases) {
    it(`says ${status}`, () => {
      assert.equal(containerStatusText(facts, NOW), status);
      assert.equal(containerStateString(facts), state);
    });
  }
  it('takes Dates too', () => {
    assert.equal(
      containerStatusText({ running: true, startedAt: new Date(NOW - 61 * s) }, new Date(NOW)),
      'Up About a minute',
    );
  });
});
