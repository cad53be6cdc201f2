/**
 * A node:test reporter that adds up each test file's top-level durations and writes one line per file, slowest
 * first ("12.3\tpath"). scripts/test.ts prints the slowest files after a run so the suite's time stays visible.
 * Plain JavaScript: node loads reporters before tsx's hook is in place.
 * @param {AsyncIterable<{ type: string, data: { nesting: number, file?: string, details: { duration_ms: number } } }>} source
 */
export default async function* fileTimes(source) {
  /** @type {Map<string, number>} */
  const perFile = new Map();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { nesting, file, details } = event.data;
    if (nesting !== 0 || !file) continue;
    perFile.set(file, (perFile.get(file) ?? 0) + details.duration_ms);
  }
  for (const [file, ms] of [...perFile].sort((a, b) => b[1] - a[1])) yield `${(ms / 1000).toFixed(1)}\t${file}\n`;
}
