/**
 * Polls `<url>/readyz` every 100 ms until it answers 200; resolves then. Rejects after `timeoutMs`, or at once when
 * `stopped()` says the process is gone for good, with `describe()` (e.g. the process's output) in the message.
 */
export async function waitForReady(url: string, options: { timeoutMs: number; describe: () => string; stopped?: () => boolean }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline && !options.stopped?.()) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gateway at ${url} did not become ready:\n${options.describe()}`);
}
