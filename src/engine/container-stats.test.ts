import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerRecord } from './container-record.ts';
import {
  parseBlkioV1,
  parseIoStat,
  parseProcStat,
  type StatsSample,
  statsDocument,
} from './container-stats.ts';

describe('stats parsers', () => {
  it('sums the first seven fields of /proc/stat in nanoseconds and counts the CPUs', () => {
    const text =
      'cpu  100 2 30 400 5 6 7 8 0 0\ncpu0 50 1 15 200 2 3 3 4 0 0\ncpu1 50 1 15 200 3 3 4 4 0 0\nintr 1\n';
    assert.deepEqual(parseProcStat(text), { systemCpuNanos: 550 * 10_000_000, onlineCpus: 2 });
  });

  it('reads v1 blkio lines without the total, and v2 io.stat as read and write', () => {
    assert.deepEqual(parseBlkioV1('8:0 Read 4096\n8:0 Write 512\nTotal 4608\n'), [
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 512 },
    ]);
    assert.deepEqual(parseIoStat('253:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n'), [
      { major: 253, minor: 0, op: 'read', value: 10 },
      { major: 253, minor: 0, op: 'write', value: 20 },
    ]);
  });
});

describe('statsDocument', () => {
  const record = { id: 'a'.repeat(64), name: 'web' } as ContainerRecord;
  const sample = (usage: number): StatsSample => ({
    read: '2025-01-01T00:00:01Z',
    cgroup: {
      memory: {
        usage: 4096,
        limit: Number.POSITIVE_INFINITY,
        oomKills: 0,
        stat: { total_inactive_file: 1024 },
      },
      pids: { current: 2, limit: Number.POSITIVE_INFINITY },
      cpu: { usageNanos: usage, userNanos: 10, systemNanos: 20, throttledPeriods: 0, throttledNanos: 0 },
    },
    percpu: [usage],
    periods: 0,
    serviceBytes: [],
    systemCpuNanos: 1e9,
    onlineCpus: 2,
  });

  it("is Docker's shape: an unlimited container is limited by the machine, no networks", () => {
    const doc = statsDocument(record, sample(500), sample(100));
    assert.equal(doc.name, '/web');
    assert.equal(doc.id, record.id);
    assert.equal(doc.read, '2025-01-01T00:00:01Z');
    assert.deepEqual(doc.pids_stats, { current: 2 });
    assert.equal(doc.memory_stats.usage, 4096);
    assert.ok((doc.memory_stats.limit ?? 0) > 0 && Number.isFinite(doc.memory_stats.limit));
    assert.deepEqual(doc.cpu_stats.cpu_usage, {
      total_usage: 500,
      percpu_usage: [500],
      usage_in_kernelmode: 20,
      usage_in_usermode: 10,
    });
    assert.equal(doc.precpu_stats.cpu_usage.total_usage, 100);
    assert.equal(doc.cpu_stats.online_cpus, 2);
    assert.ok(!('networks' in doc));
  });

  it('reads as zeros for a container that is not running', () => {
    const doc = statsDocument(record);
    assert.equal(doc.read, '0001-01-01T00:00:00Z');
    assert.deepEqual(doc.memory_stats, {});
    assert.deepEqual(doc.pids_stats, {});
    assert.equal(doc.cpu_stats.cpu_usage.total_usage, 0);
    assert.equal(doc.blkio_stats.io_service_bytes_recursive, null);
  });
});
