/**
 * Runs every closing step in order even when one fails (a Redis that is gone, say), so that nothing is left open to
 * keep the process alive; then rejects with the first failure.
 */
export async function closeAll(steps: Array<() => unknown>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}
