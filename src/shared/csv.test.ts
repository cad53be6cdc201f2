import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvDocument, csvField } from './csv.js';
import { compensationCsv, compensationRow, DEFAULT_RATES } from '../oncall/compensation.js';

describe('csv', () => {
  it('prefixes text that a spreadsheet would run as a formula', () => {
    const cases: [string, string][] = [
      ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
      ['+1+cmd|/C calc!A0', "'+1+cmd|/C calc!A0"],
      ['-2+3', "'-2+3"],
      ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
      ['\t=1+1', "'\t=1+1"],
      ['\r=1+1', `"'\r=1+1"`],
      ['plain', 'plain'],
      ['a=b', 'a=b'],
      ['a,b', '"a,b"'],
    ];
    for (const [input, want] of cases) assert.equal(csvField(input), want, JSON.stringify(input));
  });

  it('leaves numbers as numbers, negative ones included', () => {
    assert.equal(csvField(-3.5), '-3.5');
    assert.equal(csvField('-3.50'), '-3.50');
    assert.equal(csvField(0), '0');
    assert.equal(csvField(null), '');
  });

  it('guards every cell of a document with CRLF line ends', () => {
    assert.equal(csvDocument(['a', 'b'], [['=1', 2]]), "a,b\r\n'=1,2\r\n");
  });

  it('guards the compensation export (a person named like a formula)', () => {
    const report = { userId: 'usr_1', hours: { working: 1, offHours: 0, weekend: 0 }, pages: 0 };
    const row = compensationRow(
      report as unknown as Parameters<typeof compensationRow>[0],
      { name: '=cmd|" /C calc"!A0', email: '@evil.example' },
      DEFAULT_RATES,
    );
    const csv = compensationCsv([row], 'EUR');
    const line = csv.split('\r\n')[1]!;
    assert.ok(line.startsWith(`usr_1,"'=cmd|"" /C calc""!A0",'@evil.example,`), line);
  });
});
