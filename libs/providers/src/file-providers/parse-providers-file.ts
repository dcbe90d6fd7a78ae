import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { providersFileSchema, type ProvidersFile } from './providers-file-schema';

/** A PROVIDERS_FILE that cannot be used: the message names the file, the place (JSON path and line) and the problem. */
export class ProvidersFileError extends Error {
  override readonly name = 'ProvidersFileError';
}

/** The most problems one error lists; the rest are counted. */
const MAX_LISTED_PROBLEMS = 10;

/** Where a place in the file is: its line, when the text can tell. */
export interface FileLocator {
  line(path: ReadonlyArray<PropertyKey>): number | undefined;
}

/** `providers[0].models[1].prices.input`: a path as an operator would write it. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : `${text ? '.' : ''}${String(part)}`;
  return text || '(the whole file)';
}

/**
 * Parses the text of a providers file: YAML when the name ends in .yaml or .yml, else JSON (strictly: JSON.parse,
 * so a trailing comma or a comment is the error it is in JSON). A syntax error names its line; the content is then
 * validated (see validateProvidersFile).
 */
export function parseProvidersText(text: string, source: string): { data: unknown; locator: FileLocator } {
  const yaml = /\.ya?ml$/i.test(source);
  const lineCounter = new LineCounter();
  // JSON is YAML too, so one parser locates a path's line in either format.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locator: FileLocator = { line: (path) => lineOf(document, lineCounter, path) };
  if (yaml) {
    const error = document.errors[0];
    if (error) {
      const line = lineCounter.linePos(error.pos[0]).line;
      throw new ProvidersFileError(`PROVIDERS_FILE ${source}${line ? ` line ${line}` : ''}: not valid YAML: ${error.message.split('\n')[0]}`);
    }
    return { data: document.toJS({ maxAliasCount: 100 }) as unknown, locator };
  }
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    const line = position ? lineAndColumn(text, Number(position[1])) : undefined;
    const where = line ? ` line ${line.line} column ${line.column}` : text.trim() === '' ? '' : ' at its end';
    throw new ProvidersFileError(`PROVIDERS_FILE ${source}${where}: not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`);
  }
  // JSON.parse keeps the last of two equal keys without a word; a field given twice is a mistake to name.
  const duplicate = document.errors.find((error) => error.code === 'DUPLICATE_KEY');
  if (duplicate) throw new ProvidersFileError(`PROVIDERS_FILE ${source} line ${lineCounter.linePos(duplicate.pos[0]).line}: a field is given twice in the same object`);
  return { data, locator };
}

/** Validates parsed file content; every problem is listed with its path and line. */
export function validateProvidersFile(data: unknown, source: string, locator: FileLocator): ProvidersFile {
  const parsed = providersFileSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw problemsError(source, locator, parsed.error.issues.flatMap(describeIssue));
}

/** One problem at one place in the file. */
export interface FileProblem {
  path: ReadonlyArray<PropertyKey>;
  message: string;
}

/** The error listing the problems, each as `path (line N): message`. */
export function problemsError(source: string, locator: FileLocator, problems: readonly FileProblem[]): ProvidersFileError {
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map(({ path, message }) => {
    const line = locator.line(path);
    return `${formatPath(path)}${line ? ` (line ${line})` : ''}: ${message}`;
  });
  if (problems.length > MAX_LISTED_PROBLEMS) lines.push(`… and ${problems.length - MAX_LISTED_PROBLEMS} more`);
  return new ProvidersFileError(`PROVIDERS_FILE ${source} is invalid:\n  ${lines.join('\n  ')}`);
}

/** Zod's issue in the file's terms: an unknown field is named at its own path. */
function describeIssue(issue: z.core.$ZodIssue): FileProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: 'unknown field (fields are checked so that a misspelt one is not ignored)' }));
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return [{ path: issue.path, message: issue.message.startsWith('Invalid input') ? 'is required' : issue.message }];
  return [{ path: issue.path, message: issue.message }];
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** The line of the deepest node on `path` that exists (a missing field is reported at its parent's line). */
function lineOf(document: Document, lineCounter: LineCounter, path: ReadonlyArray<PropertyKey>): number | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined = rangeStart(node);
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === part);
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
      if (node === undefined) break;
      offset = rangeStart(node) ?? offset;
    } else break;
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range?.[0];
}
