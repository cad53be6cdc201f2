import type { Command } from 'commander';
import type { MusterClient } from './client.js';
import { registerPeopleLedgerCommands } from './people-ledger.js';

interface Deps {
  client: () => MusterClient;
  json: () => boolean;
}

/** Placeholder: the commands land with their issue. */
export function registerPeopleCommands(program: Command, deps: Deps): void {
  void program;
  void deps;
  registerPeopleLedgerCommands(
    program.commands.find((c) => c.name() === 'people') ?? program.command('people').description('people health'),
    deps,
  );
}
