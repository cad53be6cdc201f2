import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentConfigError } from './model.js';
import { buildArgv, parseAgentConfig } from './model.js';

const config = parseAgentConfig(`
commands:
  restart:
    run: ["/usr/bin/systemctl", "restart", "app@{0}.service"]
    dryRun: ["/usr/bin/systemctl", "status", "app@{0}.service"]
  grep:
    run: ["/usr/bin/grep", "{0}", "/var/log/app.log"]
  apply:
    run: ["/usr/bin/kubectl", "apply", "-f", "{0}.yaml"]
env:
  PATH: /usr/bin
`);

describe('agent config and argv', () => {
  it('fills placeholders inside one argv element, literally', () => {
    const cmd = config.commands.get('restart')!;
    assert.deepEqual(buildArgv(cmd, ['; rm -rf /'], false), {
      argv: ['/usr/bin/systemctl', 'restart', 'app@; rm -rf /.service'],
    });
    assert.deepEqual(buildArgv(cmd, ['x'], true), { argv: ['/usr/bin/systemctl', 'status', 'app@x.service'] });
  });

  it('refuses the wrong count, line breaks and option-like whole arguments', () => {
    const grep = config.commands.get('grep')!;
    assert.match((buildArgv(grep, [], false) as { refused: string }).refused, /takes 1 argument, the run sent 0/);
    assert.match((buildArgv(grep, ['a\nb'], false) as { refused: string }).refused, /line break/);
    assert.match((buildArgv(grep, ['-f/etc/shadow'], false) as { refused: string }).refused, /starts with "-"/);
    assert.match((buildArgv(grep, ['x'], true) as { refused: string }).refused, /no dry run/);
  });

  it('refuses an argument that makes an element start with "-" where the placeholder begins it', () => {
    const apply = config.commands.get('apply')!;
    assert.deepEqual(buildArgv(apply, ['deploy/web'], false), {
      argv: ['/usr/bin/kubectl', 'apply', '-f', 'deploy/web.yaml'],
    });
    assert.match(
      (buildArgv(apply, ['--kubeconfig=/tmp/evil'], false) as { refused: string }).refused,
      /could pass an option/,
    );
  });

  it('lists every problem of a config, and refuses a placeholder as the program', () => {
    assert.throws(
      () =>
        parseAgentConfig(
          'commands:\n  Bad Name:\n    run: ["x"]\n  ok:\n    run: ["{0}"]\n    shell: true\nextra: 1\n',
        ),
      (e: AgentConfigError) =>
        e.problems.some((p) => /unknown key "extra"/.test(p)) &&
        e.problems.some((p) => /Bad Name/.test(p)) &&
        e.problems.some((p) => /unknown key "shell"/.test(p)) &&
        e.problems.some((p) => /program .* must be written out/.test(p)),
    );
  });
});
