import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMANDS, buildProgram, commandWord, makeDeps } from './commands.js';

describe('the CLI command registry', () => {
  it('names each command as its module registers it, and misses none', async () => {
    const registered = new Map<string, { aliases: string[]; description: string }>();
    for (const entry of COMMANDS) {
      const program = buildProgram();
      for (const register of await Promise.all(entry.load())) register(program, makeDeps(program));
      const cmd = program.commands.find((c) => c.name() === entry.name);
      assert.ok(cmd, `loading the modules of "${entry.name}" registers it`);
      assert.deepEqual(cmd.aliases(), entry.aliases ?? [], `aliases of ${entry.name}`);
      assert.equal(cmd.description(), entry.description, `description of ${entry.name}`);
      for (const c of program.commands)
        registered.set(c.name(), { aliases: c.aliases(), description: c.description() });
    }
    // Every command some module registers has its own entry (else `muster that-command` would not find it).
    for (const [name, c] of registered) {
      const entry = COMMANDS.find((e) => e.name === name);
      assert.ok(entry, `"${name}" is registered by a module but not listed in COMMANDS`);
      assert.deepEqual(c.aliases, entry.aliases ?? [], `aliases of ${name}`);
    }
    const words = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
    assert.equal(new Set(words).size, words.length, 'no name or alias is listed twice');
  });

  it('finds the command word past global options and their values', () => {
    assert.equal(commandWord(['--url', 'http://x', '--json', 'alerts', 'list']), 'alerts');
    assert.equal(commandWord(['-c', 'team', 'serve']), 'serve');
    assert.equal(commandWord(['--token=mst_x', 'whoami']), 'whoami');
    assert.equal(commandWord(['help', 'team']), 'team');
    assert.equal(commandWord(['--help']), undefined);
    assert.equal(commandWord([]), undefined);
  });
});
