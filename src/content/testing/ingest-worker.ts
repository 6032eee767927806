// A child process for the content store's multi-process tests, run as
// `node --import tsx ingest-worker.ts <mode> ...`:
//
//   same-blob <root> <seed> <size>   ingest under a ref of its own, write the first chunk,
//                                    print "ready", wait for "go" on stdin, write the rest,
//                                    commit, print the BlobInfo as JSON
//   crash <root> <ref> <seed> <size> <chunks>
//                                    write the first <chunks> chunks of the content to the
//                                    ingest <ref>, print "written", then SIGKILL itself
//                                    (a crash: no close, no abort, the lock stays behind)
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { FsContentStore } from '../fs-content-store.ts';
import { pseudoRandomChunks, pseudoRandomDigest } from './pseudo-random.ts';

const [mode, root, ...args] = process.argv.slice(2);
const store = await FsContentStore.open({ root });

if (mode === 'same-blob') {
  const [seed, sizeArg] = args;
  const size = Number(sizeArg);
  const chunks = pseudoRandomChunks(seed, size);
  const ingest = await store.ingest(`same-blob-${process.pid}`);
  await ingest.write(Buffer.from(chunks.next().value ?? []));
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line === 'go') break;
  lines.close();
  await ingest.write(Readable.from(chunks));
  const info = await ingest.commit({ digest: pseudoRandomDigest(seed, size), size });
  process.stdout.write(`${JSON.stringify(info)}\n`);
} else if (mode === 'crash') {
  const [ref, seed, sizeArg, chunksArg] = args;
  const chunks = pseudoRandomChunks(seed, Number(sizeArg));
  const ingest = await store.ingest(ref);
  for (let i = 0; i < Number(chunksArg); i++) await ingest.write(chunks.next().value as Buffer);
  process.stdout.write('written\n', () => process.kill(process.pid, 'SIGKILL'));
} else {
  process.stderr.write(`ingest-worker: unknown mode ${mode}\n`);
  process.exit(2);
}
