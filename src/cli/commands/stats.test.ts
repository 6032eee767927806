import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockIo, cpuPercent, memoryUsed, statsRow } from './stats.ts';

describe('stats columns, as the docker CLI computes them', () => {
  it('CPU % is the container share of the machine time between the samples, times the CPUs', () => {
    const doc = {
      cpu_stats: { cpu_usage: { total_usage: 300 }, system_cpu_usage: 2000, online_cpus: 4 },
      precpu_stats: { cpu_usage: { total_usage: 100 }, system_cpu_usage: 1000 },
    };
    assert.equal(cpuPercent(doc), 80);
    assert.equal(cpuPercent({ cpu_stats: doc.cpu_stats }), 60, 'no pre sample: from zero');
    assert.equal(cpuPercent({}), 0);
    const noOnline = {
      cpu_stats: { cpu_usage: { total_usage: 300, percpu_usage: [1, 2] }, system_cpu_usage: 2000 },
      precpu_stats: { cpu_usage: { total_usage: 100 }, system_cpu_usage: 1000 },
    };
    assert.equal(cpuPercent(noOnline), 40, 'the per-CPU list counts the CPUs when online_cpus is missing');
  });

  it('memory leaves out the inactive page cache (v1 total_inactive_file, v2 inactive_file)', () => {
    assert.equal(memoryUsed({ usage: 1000, stats: { total_inactive_file: 300 } }), 700);
    assert.equal(memoryUsed({ usage: 1000, stats: { inactive_file: 200 } }), 800);
    assert.equal(memoryUsed({ usage: 1000, stats: { inactive_file: 2000 } }), 1000);
    assert.equal(memoryUsed({}), 0);
  });

  it('block I/O adds up reads and writes over devices, whatever the case of the op', () => {
    const doc = {
      blkio_stats: {
        io_service_bytes_recursive: [
          { op: 'Read', value: 10 },
          { op: 'read', value: 5 },
          { op: 'Write', value: 7 },
          { op: 'Total', value: 22 },
        ],
      },
    };
    assert.deepEqual(blockIo(doc), { read: 15, write: 7 });
  });

  it('renders a row with Docker units', () => {
    const row = statsRow(
      'web',
      {
        name: '/web',
        id: 'b'.repeat(64),
        pids_stats: { current: 3 },
        memory_stats: { usage: 2 * 1024 * 1024, limit: 8 * 1024 * 1024, stats: {} },
        networks: { eth0: { rx_bytes: 1500, tx_bytes: 0 } },
      },
      false,
    );
    assert.deepEqual(row, {
      BlockIO: '0B / 0B',
      CPUPerc: '0.00%',
      Container: 'web',
      ID: 'bbbbbbbbbbbb',
      MemPerc: '25.00%',
      MemUsage: '2MiB / 8MiB',
      Name: 'web',
      NetIO: '1.5kB / 0B',
      PIDs: '3',
    });
    assert.equal(statsRow('x', {}, true).Name, '--');
  });
});
