import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPsArgs, parsePsOutput } from './container-top.ts';

const PS_EF = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init splash
root         812     790  0 10:01 ?        00:00:00 sleep 1000
root         900     812  0 10:02 ?        00:00:00 sh -c   echo  spaced
root         950       1  0 10:02 ?        00:00:00 other
`;

describe('parsePsOutput', () => {
  it("keeps the container's rows; the last column takes the rest of the line", () => {
    assert.deepEqual(parsePsOutput(PS_EF, [812, 900]), {
      Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      Processes: [
        ['root', '812', '790', '0', '10:01', '?', '00:00:00', 'sleep 1000'],
        ['root', '900', '812', '0', '10:02', '?', '00:00:00', 'sh -c echo spaced'],
      ],
    });
  });

  it('keeps thread rows (PID "-") under a process of the container only', () => {
    const out = `PID TID CMD
812 - sleep
- 812 -
950 - other
- 950 -
`;
    assert.deepEqual(parsePsOutput(out, [812]).Processes, [
      ['812', '-', 'sleep'],
      ['-', '812', '-'],
    ]);
  });

  it('needs a PID column', () => {
    assert.throws(() => parsePsOutput('USER COMMAND\nroot x\n', [1]), /Couldn't find PID field in ps output/);
  });
});

describe('checkPsArgs', () => {
  it('refuses renaming another column to PID', () => {
    assert.throws(() => checkPsArgs('-o user=PID'), { message: 'specifying "user=PID" is not allowed' });
    checkPsArgs('-o pid=PID,comm');
    checkPsArgs('aux');
  });
});
