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
 */
export async function finish(predict, row, out) {
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
    out.batchLongTasks = longTasks.filter((t) => t.start >= batchStart).map((t) => t.duration);
  }
}
