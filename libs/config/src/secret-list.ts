/**
 * A setting holding several secrets separated by commas (e.g. `OPENAI_API_KEYS=k1,k2`). Spaces around a comma are
 * allowed and dropped; an empty entry (`k1,,k2`, a trailing comma), a secret with a space inside it or one listed
 * twice is a mistake, reported by its position and never by its value.
 */
export function splitSecretList(value: string): string[] {
  return value.split(',').map((entry) => entry.trim());
}

/** What is wrong with a comma-separated list of secrets, in words that never quote it; undefined when nothing is. */
export function secretListProblem(value: string): string | undefined {
  const entries = splitSecretList(value);
  const seen = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    const position = `entry ${index + 1} of ${entries.length}`;
    if (entry === '') return `must be keys separated by commas, without empty entries (${position} is empty)`;
    if (/\s/.test(entry)) return `must be keys separated by commas (${position} has a space inside it)`;
    if (seen.has(entry)) return `lists the same key twice (${position})`;
    seen.add(entry);
  }
  return undefined;
}
