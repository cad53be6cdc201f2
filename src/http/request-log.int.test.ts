import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../config/index.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../db/testing/index.js';
import { startMuster, type Muster } from '../server.js';
import { createLogger } from '../shared/logger.js';

/** Issue 10, defect 8: paths that carry a secret reach the request log redacted. */
for (const engine of ENGINES) {
  describe(`request log [${engine}]`, () => {
    let tdb: TestDatabase;
    let muster: Muster;
    let out = '';
    before(async () => {
      tdb = await createTestDatabase(engine);
      const config = loadConfig({
        env: {},
        overrides: {
          host: '127.0.0.1',
          port: 0,
          dataDir: tdb.dataDir,
          databaseUrl: tdb.databaseUrl,
          logLevel: 'info',
          adminEmail: 'admin@example.test',
          adminPassword: 'correct horse battery staple',
        },
      });
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          out += chunk.toString();
          cb();
        },
      });
      muster = await startMuster(config, { log: createLogger({ level: 'info', destination: sink }) });
    });
    after(async () => {
      await muster.stop();
      await tdb.drop();
    });

    it('logs one-click action links, feed tokens and intake keys redacted', async () => {
      const secrets = ['SECRETACTIONTOKEN1', 'SECRETFEEDTOKEN2', 'SECRETINTAKEKEY3', 'SECRETCONFIRM4'];
      const paths = [
        `/a/${secrets[0]}`,
        `/api/users/usr_x/feed.ics?token=${secrets[1]}`,
        `/integrations/alertmanager/${secrets[2]}`,
        `/status/subscribers/sub_x/confirm?token=${secrets[3]}`,
      ];
      for (const p of paths) {
        const r = await fetch(muster.url + p, { method: p.startsWith('/integrations') ? 'POST' : 'GET' });
        await r.arrayBuffer();
      }
      // The response line is written when the response finishes: wait for all four.
      for (let i = 0; i < 50 && (out.match(/"msg":"request"/g) ?? []).length < paths.length; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const lines = out.split('\n').filter((l) => l.includes('"msg":"request"'));
      assert.equal(lines.length, paths.length, out);
      for (const s of secrets) assert.ok(!out.includes(s), `${s} reached the log`);
      assert.ok(lines.some((l) => l.includes('"url":"/a/[redacted]"')));
      assert.ok(lines.some((l) => l.includes('feed.ics?token=[redacted]')));
      assert.ok(lines.some((l) => l.includes('/integrations/alertmanager/[redacted]')));
    });
  });
}
