/** What every command module gets from main.ts: the API client, --json, and the global options. */
import type { MusterClient } from './client.js';

export interface GlobalOpts {
  url?: string;
  token?: string;
  json?: boolean;
  config?: string;
}

export interface CliDeps {
  /** The API client for --url/--token (or MUSTER_URL/MUSTER_TOKEN, or what `muster login` stored). */
  client: () => MusterClient;
  json: () => boolean;
  globals: () => GlobalOpts;
}
