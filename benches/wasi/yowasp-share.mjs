// Writes the file tree that a YoWASP package embeds in its resources module (its `share`
// directory: Yosys's techmap and cell libraries; the largest files are URLs of files beside it)
// to a directory, so that a plain WASI runtime can
// preopen it:  node yowasp-share.mjs path/to/resources-yosys.js OUT_DIR
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [, , resources, out] = process.argv;
const { filesystem } = await import(pathToFileURL(resolve(resources)).href);
function write(dir, tree) {
  mkdirSync(dir, { recursive: true });
  for (const [name, value] of Object.entries(tree)) {
    if (typeof value === 'string' || value instanceof Uint8Array) writeFileSync(join(dir, name), value);
    // Large files stay beside the module, referred to by URL.
    else if (value instanceof URL) copyFileSync(fileURLToPath(value), join(dir, name));
    else if (value && typeof value === 'object') write(join(dir, name), value);
  }
}
write(out, filesystem);
