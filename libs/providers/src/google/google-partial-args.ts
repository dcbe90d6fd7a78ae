import type { GooglePartialArg } from './google-response-schema';

type PathSegment = string | number;

/**
 * Splits a partial argument's JSON path (`$.location`, `$.stops[1].city`, `$["odd key"]`) into keys and indexes;
 * undefined when it is not one tollgate can read.
 */
export function parseGoogleJsonPath(path: string): PathSegment[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const segments: PathSegment[] = [];
  const pattern = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let position = 1;
  while (position < path.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(path);
    if (!match) return undefined;
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(JSON.parse(match[3]) as string);
    position = pattern.lastIndex;
  }
  return segments.length > 0 ? segments : undefined;
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function setAt(root: Record<string, unknown>, segments: readonly PathSegment[], update: (previous: unknown) => unknown): void {
  let node: Container = root;
  for (const [position, segment] of segments.entries()) {
    const slots = node as Record<PathSegment, unknown>;
    if (position === segments.length - 1) {
      slots[segment] = update(slots[segment]);
      return;
    }
    const next = slots[segment];
    if (!isContainer(next)) slots[segment] = typeof segments[position + 1] === 'number' ? [] : {};
    node = slots[segment] as Container;
  }
}

function valueOf(arg: GooglePartialArg): { value: unknown } | undefined {
  if (arg.stringValue != null) return { value: arg.stringValue };
  if (arg.numberValue != null) return { value: arg.numberValue };
  if (arg.boolValue != null) return { value: arg.boolValue };
  if ('nullValue' in arg) return { value: null };
  return undefined;
}

/**
 * Assembles the arguments of a function call Gemini streams in pieces: each piece sets the value at its JSON path,
 * and a string piece marked `willContinue` is continued by the next piece for the same path.
 */
export function createPartialArgsAccumulator() {
  const args: Record<string, unknown> = {};
  let continuingPath: string | undefined;

  /** Applies pieces; returns the path of the first one it could not read, if any. */
  function apply(pieces: readonly GooglePartialArg[]): string | undefined {
    for (const piece of pieces) {
      const segments = parseGoogleJsonPath(piece.jsonPath);
      const resolved = valueOf(piece);
      if (!segments || !resolved) return piece.jsonPath;
      const continues = continuingPath === piece.jsonPath && typeof resolved.value === 'string';
      setAt(args, segments, (previous) =>
        continues && typeof previous === 'string' ? previous + (resolved.value as string) : resolved.value,
      );
      continuingPath = typeof resolved.value === 'string' && piece.willContinue ? piece.jsonPath : undefined;
    }
    return undefined;
  }

  return { apply, args: () => args };
}
