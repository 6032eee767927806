// The entry point of the `berth` bundle. Everything runs from here on demand:
// module top levels only define things, so a client command starts fast.
import { argvOf, main } from './run.ts';

// `berth images | head -1`: a reader that went away is not an error of berth.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(argvOf(process.argv));
