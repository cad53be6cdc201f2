/**
 * The optional TLS listener: with `tlsCertFile` and `tlsKeyFile` (MUSTER_TLS_CERT_FILE, MUSTER_TLS_KEY_FILE) Muster
 * serves https itself, for clients that speak nothing else (the official PagerDuty JavaScript client) where no
 * reverse proxy terminates TLS (docs/operations.md, "TLS"). The files are PEM, read once at start.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Config } from '../config/index.js';
import { ConfigError } from '../config/index.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** The certificate and key to serve, or null for plain http; a file that cannot be read or used is a ConfigError. */
export function readTlsFiles(config: Pick<Config, 'tlsCertFile' | 'tlsKeyFile'>): TlsFiles | null {
  if (!config.tlsCertFile || !config.tlsKeyFile) return null;
  const read = (path: string, setting: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new ConfigError([
        `${setting}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      ]);
    }
  };
  const files = {
    cert: read(config.tlsCertFile, 'tlsCertFile (MUSTER_TLS_CERT_FILE)'),
    key: read(config.tlsKeyFile, 'tlsKeyFile (MUSTER_TLS_KEY_FILE)'),
  };
  try {
    createSecureContext(files); // a key that does not match the certificate, or a file that is not PEM
  } catch (e) {
    throw new ConfigError([`tlsCertFile/tlsKeyFile: ${(e as Error).message}`]);
  }
  return files;
}
