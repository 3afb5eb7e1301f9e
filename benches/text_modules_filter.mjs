// The `::` picker's filtering in the browser (issue 14): fuzzyFilter
// (web/src/components/fuzzy.ts) over a client's whole list, as the agent
// types two letters after `::`. Run from the repository root:
//
//   (cd web && npx tsc -p tsconfig.unit.json)      # compiles fuzzy.ts to web/.unit
//   TM_BENCH_DUMP=/tmp/tm-list.json cargo bench --bench text_modules
//   node benches/text_modules_filter.mjs /tmp/tm-list.json
//
// Without a list file it generates 5,000 modules like the Rust benchmark.
// Prints median and p95 over every two-letter query of the alphabet (676)
// and 200 three-to-six-letter title fragments.

import { readFileSync } from 'node:fs';
import { fuzzyFilter } from '../web/.unit/src/components/fuzzy.js';

const file = process.argv[2];
let items;
if (file) {
  items = JSON.parse(readFileSync(file, 'utf8')).items;
} else {
  const words = ['Abschlag', 'Zählerstand', 'Rechnung', 'Vertrag', 'Kündigung', 'Umzug', 'Tarif', 'Gutschrift', 'Lastschrift', 'Störung', 'Ablesung', 'Bonus', 'Wechsel', 'Rückruf', 'Mahnung', 'Ökostrom'];
  let seed = 14;
  const rnd = (n) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  items = Array.from({ length: 5000 }, (_, i) => ({
    id: i,
    shortcut: `${words[rnd(words.length)].toLowerCase()}-${i}`,
    title: Array.from({ length: 2 + rnd(5) }, () => words[rnd(words.length)]).join(' '),
  }));
}

const queries = [];
const letters = 'abcdefghijklmnopqrstuvwxyz';
for (const a of letters) for (const b of letters) queries.push(a + b);
for (let i = 0; i < 200; i++) {
  const title = items[(i * 7919) % items.length].title;
  const start = i % Math.max(1, title.length - 6);
  queries.push(title.slice(start, start + 3 + (i % 4)));
}

// Warm up, then measure each query once per round.
for (const q of queries.slice(0, 50)) fuzzyFilter(items, q, 8);
const times = [];
for (let round = 0; round < 3; round++) {
  for (const q of queries) {
    const t = performance.now();
    fuzzyFilter(items, q, 8);
    times.push(performance.now() - t);
  }
}
times.sort((a, b) => a - b);
const pct = (p) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)];
console.log(`modules: ${items.length}, queries: ${times.length}`);
console.log(`filter: median ${pct(50).toFixed(2)} ms, p95 ${pct(95).toFixed(2)} ms, max ${times[times.length - 1].toFixed(2)} ms`);
