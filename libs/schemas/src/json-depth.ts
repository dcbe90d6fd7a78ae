/**
 * The deepest JSON nesting a request may carry (the body object itself is level 1). Real requests stay far below:
 * the envelope takes about 5 levels (`tools[0].function.parameters`), and the JSON Schemas of real tool definitions
 * and structured outputs rarely go past 10-15 more. Deeper values are refused because every step after parsing
 * (validation, token estimates, `JSON.stringify` towards the provider) recurses over them, and a few thousand levels
 * overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The index of the quote that closes a string whose content starts at `from` (skipping escaped quotes), or -1. */
function closingQuote(text: string | Uint8Array, from: number): number {
  for (let index = from; ; index += 1) {
    // indexOf is native: a long string costs a memchr-like search instead of a loop over its characters.
    index = typeof text === 'string' ? text.indexOf('"', index) : Buffer.prototype.indexOf.call(text, QUOTE, index);
    if (index < 0) return -1;
    let backslashes = 0;
    while (index - backslashes - 1 >= from && (typeof text === 'string' ? text.charCodeAt(index - backslashes - 1) : text[index - backslashes - 1]) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return index;
  }
}

/**
 * Whether JSON text (a string, or UTF-8 bytes) nests arrays and objects deeper than `maxDepth`, judged by its
 * brackets outside strings: one linear pass, no recursion, stopping at the first level too deep. For valid JSON it
 * is exact; for anything else it is what a parser would have to descend to before failing.
 */
export function jsonTextTooDeep(text: string | Uint8Array, maxDepth = MAX_JSON_DEPTH): boolean {
  const length = text.length;
  const isString = typeof text === 'string';
  let depth = 0;
  for (let index = 0; index < length; index += 1) {
    const code = isString ? text.charCodeAt(index) : text[index];
    if (code === QUOTE) {
      index = closingQuote(text, index + 1);
      if (index < 0) return false; // an unterminated string: the parser refuses it
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (code === CLOSE_BRACKET || code === CLOSE_BRACE) {
      depth -= 1;
    }
  }
  return false;
}

interface Frame {
  value: object;
  depth: number;
  key: string | number | null;
  parent: Frame | null;
}

const isContainer = (value: unknown): value is object => typeof value === 'object' && value !== null;

/**
 * The path (keys and indexes from the root) of the first array or object nested deeper than `maxDepth` in a parsed
 * JSON value, or null when there is none. Iterative and linear in the size of the value — a depth-first walk with an
 * explicit stack that stops at the first level too deep — so it is safe on values that would overflow a recursive walk.
 */
export function findTooDeepJson(value: unknown, maxDepth = MAX_JSON_DEPTH): Array<string | number> | null {
  if (!isContainer(value)) return null;
  const stack: Frame[] = [{ value, depth: 1, key: null, parent: null }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    if (frame.depth > maxDepth) return pathOf(frame);
    const entries: Iterable<[string | number, unknown]> = Array.isArray(frame.value) ? frame.value.entries() : Object.entries(frame.value);
    for (const [key, child] of entries) {
      if (isContainer(child)) stack.push({ value: child, depth: frame.depth + 1, key, parent: frame });
    }
  }
  return null;
}

function pathOf(frame: Frame): Array<string | number> {
  const path: Array<string | number> = [];
  for (let at: Frame | null = frame; at && at.key !== null; at = at.parent) path.push(at.key);
  return path.reverse();
}
