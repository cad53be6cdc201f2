/**
 * The blameless-language rules against their labelled corpus: precision, recall, and per rule the blameful
 * sentences it caught, the blameless ones it flagged (false positives) and the blameful ones expected of it that it
 * missed (false negatives); then the time to check a 20 KB section (the target: under 20 ms; the style guide keeps
 * speed out of the tests). `npx tsx scripts/blame-report.ts [--verbose]` (docs/postmortems.md "Blameless language").
 */
import { checkBlame } from '../src/postmortems/blame/index.js';
import { BLAME_CORPUS, evaluate } from '../src/postmortems/blame/evaluate.js';

const verbose = process.argv.includes('--verbose');
const e = evaluate((text, names) => checkBlame(text, names ? { names } : {}));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

console.log(
  `Corpus: ${BLAME_CORPUS.blameful.length} blameful, ${BLAME_CORPUS.blameless.length} blameless sentences ` +
    '(src/postmortems/blame/corpus.json)',
);
console.log(
  `Precision ${pct(e.precision)} (${e.truePositives} of ${e.truePositives + e.falsePositives} flagged sentences are ` +
    `blameful)  Recall ${pct(e.recall)} (${e.truePositives} of ${e.truePositives + e.falseNegatives} blameful ` +
    'sentences flagged)',
);
console.log('');
console.log('rule                       hits  false+  false-');
for (const [id, r] of [...e.perRule].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(
    `${id.padEnd(26)} ${String(r.hits).padStart(4)}  ${String(r.falsePositives).padStart(6)}  ${String(r.falseNegatives).padStart(6)}`,
  );
}
if (e.missed.length) {
  console.log('\nFalse negatives (blameful, nothing found):');
  for (const m of e.missed) console.log(`  - ${m.text}${m.rule ? `  [expected ${m.rule}]` : ''}`);
}
if (e.wrong.length) {
  console.log('\nFalse positives (blameless, flagged):');
  for (const w of e.wrong) {
    console.log(`  - ${w.item.text}`);
    for (const f of w.findings) console.log(`      ${f.ruleId}: "${f.excerpt}"`);
  }
}
if (verbose) {
  console.log('\nEvery blameful sentence:');
  for (const item of BLAME_CORPUS.blameful) {
    const f = checkBlame(item.text, item.names ? { names: item.names } : {});
    console.log(`  - ${item.text}\n      ${f.map((x) => `${x.ruleId}: "${x.excerpt}"`).join('; ') || '(none)'}`);
  }
}

// Speed: a 20 KB section made of the corpus (half of it blameful, far denser than real prose), CPU time per check.
const sentences = [...BLAME_CORPUS.blameful, ...BLAME_CORPUS.blameless].map((i) => i.text);
let text = '';
for (let i = 0; text.length < 20_000; i++) text += sentences[i % sentences.length]! + (i % 5 === 4 ? '\n\n' : ' ');
for (let i = 0; i < 10; i++) checkBlame(text); // warm up
const cpu: number[] = [];
let count = 0;
for (let i = 0; i < 30; i++) {
  const c0 = process.cpuUsage();
  count = checkBlame(text, { names: ['Alice Smith', 'Dave Jones'] }).length;
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
cpu.sort((a, b) => a - b);
console.log(
  `\nSpeed: ${text.length} characters, ${count} findings: median ${cpu[15]!.toFixed(1)} ms of CPU per check ` +
    `(fastest ${cpu[0]!.toFixed(1)}, slowest ${cpu[29]!.toFixed(1)})`,
);
