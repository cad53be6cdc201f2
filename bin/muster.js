#!/usr/bin/env node
// The `muster` command: runs the compiled CLI (npm run build makes dist/).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('muster is not built yet: run `npm run build` first (or `npm start`).\n');
  process.exit(1);
}
await import(main);
