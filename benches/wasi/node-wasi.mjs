// Runs a WASI preview 1 command under node's own WASI (node:wasi), as `wasmo run` runs it:
//   node node-wasi.mjs FILE.wasm ROOT ARGS...   (ROOT preopened as the guest's `/`)
// The exit status is the program's.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [, , file, root, ...args] = process.argv;
const wasi = new WASI({
  version: 'preview1',
  args: [file, ...args],
  env: {},
  preopens: { '/': root },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
