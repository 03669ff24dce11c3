/** Time and peak memory of one call, for the tests that bound what hostile input may cost. */

export interface Measured<T> {
  result: PromiseSettledResult<T>;
  /** Peak RSS over the RSS at the start, in bytes (sampled every 20 ms and at the end). */
  growth: number;
  ms: number;
}

/** Runs `fn`, sampling RSS every 20 ms; settles whether `fn` resolves or rejects. */
export async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<Measured<T>> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = Date.now();
  const [result] = await Promise.allSettled([fn()]);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result: result as PromiseSettledResult<T>, growth: peak - start, ms: Date.now() - t0 };
}

/** Like `peakRssGrowth`, for a call expected to resolve: its value, or its rejection rethrown. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; growth: number }> {
  const { result, growth, ms } = await peakRssGrowth(fn);
  if (result.status === 'rejected') throw result.reason;
  return { value: result.value, ms, growth };
}
