/**
 * The kit's Markdown renderer (web/src/components/markdown.tsx), rendered to static HTML without a browser: numbered
 * steps split by a code block keep their numbers, as runbooks write them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Markdown } from '../web/src/components/markdown.js';

const html = (source: string) => renderToStaticMarkup(createElement(Markdown, { source, copyCode: true }));

test('numbered steps split by a code block go on from their own number', () => {
  const out = html(
    [
      '1. Look at the dashboard.',
      '2. Roll back:',
      '',
      '```sh',
      'kubectl rollout undo deploy/x',
      '```',
      '',
      '3. Check the pods.',
      '4. Tell the channel.',
    ].join('\n'),
  );
  assert.match(out, /<ol><li>Look at the dashboard\.<\/li><li>Roll back:<\/li><\/ol>/);
  assert.match(out, /<ol start="3"><li>Check the pods\.<\/li><li>Tell the channel\.<\/li><\/ol>/);
});

test('a list that starts at 1, and a bulleted list, carry no start', () => {
  const out = html('1. One\n2. Two\n\n- a\n- b');
  assert.doesNotMatch(out, /start=/);
  assert.match(out, /<ul><li>a<\/li><li>b<\/li><\/ul>/);
});
