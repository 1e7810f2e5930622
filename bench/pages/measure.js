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
