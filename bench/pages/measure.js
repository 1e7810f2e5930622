// What both benchmark pages measure once their model is ready: single-row latency, a 10,000-row
// batch, and the main thread's long tasks. Results go to window.__bench for bench/page_ready.py.

export const params = new URLSearchParams(location.search);

/** Long tasks on this page's main thread since navigation. */
export const longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
}).observe({ type: "longtask", buffered: true });

/**
 * @param {(rows: unknown[][]) => Promise<unknown>} predict
 * @param {unknown[]} row
 * @param {object} out figures so far (times in ms since navigation)
 * @param {(columns: object) => Promise<unknown>} [predictColumns] typed-array batches (ours only)
 */
export async function finish(predict, row, out, predictColumns) {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 200)); // long-task entries arrive late
  await settle();
  out.loadLongTasks = longTasks.filter((t) => t.start < out.first).map((t) => t.duration);
  if (params.get("measure") === "1") {
    for (let i = 0; i < 20; i++) await predict([row]);
    const single = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await predict([row]);
      single.push(performance.now() - t);
    }
    out.singleMs = single;
    const rows = Array.from({ length: 10_000 }, () => row);
    await predict(rows);
    const batchStart = performance.now();
    out.batchMs = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await predict(rows);
      out.batchMs.push(performance.now() - t);
    }
    await settle();
    // a task that runs on past batchStart counts (awaits of settled promises stay in one task)
    out.batchLongTasks = longTasks.filter((t) => t.start + t.duration >= batchStart).map((t) => t.duration);
    if (predictColumns) {
      const typed = columnsOf(rows);
      await predictColumns(typed);
      out.columnsMs = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await predictColumns(typed);
        out.columnsMs.push(performance.now() - t);
      }
    }
  }
}

/** The rows as one column per feature: Float64Array for numbers, plain arrays otherwise. */
function columnsOf(rows) {
  const names = JSON.parse(params.get("features"));
  return Object.fromEntries(names.map((name, j) => [name, typeof rows[0][j] === "number"
    ? Float64Array.from(rows, (r) => r[j]) : rows.map((r) => r[j])]));
}

/**
 * Explanations, end to end through the client library: one row (the example; median of 50 calls
 * after 5), and `batch` rows drawn across the model's typical ranges (varied rows: identical ones
 * would share every TreeSHAP pattern), median of 3; the main thread's long tasks meanwhile.
 * @param {{explain: (rows: unknown[]) => Promise<unknown>}} predictor @param {unknown[]} row
 * @param {any} manifest @param {object} out @param {number} [batch]
 */
export async function explainFigures(predictor, row, manifest, out, batch = 1000) {
  for (let i = 0; i < 5; i++) await predictor.explain([row]);
  const single = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await predictor.explain([row]);
    single.push(performance.now() - t);
  }
  out.explainSingleMs = single;
  const rows = variedRows(manifest, batch);
  const start = performance.now();
  out.explainBatchMs = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await predictor.explain(rows);
    out.explainBatchMs.push(performance.now() - t);
  }
  await new Promise((resolve) => setTimeout(resolve, 200)); // long-task entries arrive late
  out.explainLongTasks = longTasks.filter((t) => t.start + t.duration >= start).map((t) => t.duration);
}

/** `n` rows drawn (seeded) inside each feature's typical range, or among its categories. */
function variedRows(manifest, n) {
  let seed = 12345;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: n }, () => manifest.features.map((f) => {
    if (f.type === "category") return f.categories[Math.floor(next() * f.categories.length)];
    const low = f.typical_minimum ?? f.minimum ?? 0;
    const high = f.typical_maximum ?? f.maximum ?? low + 1;
    const x = low + next() * (high - low);
    return f.type === "integer" ? Math.round(x) : x;
  }));
}
