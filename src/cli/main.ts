#!/usr/bin/env node
// The `muster` command. The commands and the modules that register them are in src/cli/commands.ts (add new ones
// there); each command's module is imported only when that command runs, so start-up stays short.
import { main } from './commands.js';

await main(process.argv);
