import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './index.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('has working defaults: embedded database in ./muster-data on 127.0.0.1:8080', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8080);
    assert.equal(c.dataDir, './muster-data');
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.publicUrl, 'http://127.0.0.1:8080');
    assert.equal(c.jobs.enabled, true);
  });

  it('reads environment variables, converting types', () => {
    const c = loadConfig({
      env: {
        MUSTER_PORT: '9000',
        DATABASE_URL: 'postgres://u@h/db',
        MUSTER_JOBS_CONCURRENCY: '3',
        MUSTER_TRUST_PROXY: 'true',
      },
    });
    assert.equal(c.port, 9000);
    assert.equal(c.databaseUrl, 'postgres://u@h/db');
    assert.equal(c.jobs.concurrency, 3);
    assert.equal(c.trustProxy, true);
  });

  it('lists every problem at once, naming the variable', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: { MUSTER_PORT: 'eighty', DATABASE_URL: 'mysql://x', MUSTER_JOBS_CONCURRENCY: '0', MUSTER_BOGUS: '1' },
      }),
    );
    assert.ok(
      problems.some((p) => p.startsWith('port (MUSTER_PORT)')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('databaseUrl')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('jobs.concurrency (MUSTER_JOBS_CONCURRENCY)')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('MUSTER_BOGUS: unknown setting')),
      problems.join('\n'),
    );
  });

  it("accepts the test suite's diagnostic switches in the environment, as no setting", () => {
    const config = loadConfig({ env: { MUSTER_CHECK_PREPARED: '1' } });
    assert.equal(typeof config.port, 'number');
    assert.throws(
      () => loadConfig({ env: { MUSTER_CHECK_PREPAREDX: '1' } }),
      /MUSTER_CHECK_PREPAREDX: unknown setting/,
    );
  });

  it('reads a YAML file under the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-config-'));
    const file = join(dir, 'muster.yml');
    writeFileSync(file, 'port: 7000\npublicUrl: https://muster.example.com/\njobs:\n  concurrency: 4\n');
    const c = loadConfig({ env: { MUSTER_CONFIG: file, MUSTER_PORT: '7001' } });
    assert.equal(c.port, 7001, 'the environment wins over the file');
    assert.equal(c.jobs.concurrency, 4);
    assert.equal(c.publicUrl, 'https://muster.example.com', 'trailing slash trimmed');
  });

  it('rejects unknown keys and unreadable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'muster-config-'));
    const file = join(dir, 'muster.yml');
    writeFileSync(file, 'prot: 7000\n');
    assert.ok(problemsOf(() => loadConfig({ env: {}, file })).some((p) => p.includes('prot')));
    assert.ok(
      problemsOf(() => loadConfig({ env: {}, file: join(dir, 'missing.yml') })).some((p) => p.includes('missing.yml')),
    );
  });

  it('has no default secrets: a short admin password, or one without an email, is refused', () => {
    assert.ok(
      problemsOf(() => loadConfig({ env: { MUSTER_ADMIN_EMAIL: 'a@b.c', MUSTER_ADMIN_PASSWORD: 'short' } })).length > 0,
    );
    assert.ok(problemsOf(() => loadConfig({ env: { MUSTER_ADMIN_PASSWORD: 'long enough password' } })).length > 0);
    assert.equal(loadConfig({ env: {} }).metricsToken, undefined);
  });
});
