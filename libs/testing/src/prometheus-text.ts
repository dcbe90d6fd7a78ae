/** One sample line: its full name (`x_bucket`, `x_count`…), labels and value. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: its TYPE, HELP and sample lines. */
export interface PrometheusFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: PrometheusSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`bad sample value in: ${line}`);
  return value;
}

/** Reads `{a="x",b="y"}` from `text` at `start` (the `{`); returns the labels and the index after the `}`. */
function parseLabels(text: string, start: number, line: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let index = start + 1;
  for (;;) {
    if (text[index] === '}') return { labels, end: index + 1 };
    const equals = text.indexOf('=', index);
    if (equals < 0 || text[equals + 1] !== '"') throw new Error(`bad label in: ${line}`);
    const name = text.slice(index, equals);
    if (!LABEL_NAME.test(name) || name in labels) throw new Error(`bad or repeated label name "${name}" in: ${line}`);
    let value = '';
    index = equals + 2;
    for (;;) {
      const char = text[index];
      if (char === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (char === '"') break;
      if (char === '\\') {
        const escaped = text[index + 1];
        if (escaped === 'n') value += '\n';
        else if (escaped === '\\' || escaped === '"') value += escaped;
        else throw new Error(`bad escape in: ${line}`);
        index += 2;
      } else {
        value += char;
        index += 1;
      }
    }
    labels[name] = value;
    index += 1;
    if (text[index] === ',') index += 1;
    else if (text[index] !== '}') throw new Error(`expected , or } in: ${line}`);
  }
}

/** The family a sample belongs to: its own name, or a histogram's/summary's base name for _bucket/_sum/_count. */
function familyOf(families: Map<string, PrometheusFamily>, name: string): PrometheusFamily | undefined {
  const own = families.get(name);
  if (own) return own;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const family = families.get(base);
  if (!family || (family.type !== 'histogram' && family.type !== 'summary')) return undefined;
  if (name.endsWith('_bucket') && family.type !== 'histogram') return undefined;
  return family;
}

/** A histogram's buckets are cumulative, end at +Inf, and +Inf equals its _count, for every label set. */
function checkHistogram(family: PrometheusFamily): void {
  const series = new Map<string, { buckets: PrometheusSample[]; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
      entry.buckets.push(sample);
    } else if (sample.name.endsWith('_count')) entry.count = sample.value;
  }
  for (const [key, { buckets, count }] of series) {
    const last = buckets.at(-1);
    if (last?.labels['le'] !== '+Inf') throw new Error(`${family.name} ${key}: buckets do not end at +Inf`);
    for (let index = 1; index < buckets.length; index += 1) {
      const previous = buckets[index - 1] as PrometheusSample;
      const current = buckets[index] as PrometheusSample;
      if (current.value < previous.value || parseValue(current.labels['le'] as string, '') <= parseValue(previous.labels['le'] as string, '')) {
        throw new Error(`${family.name} ${key}: buckets are not cumulative`);
      }
    }
    if (count !== last.value) throw new Error(`${family.name} ${key}: _count ${count} differs from the +Inf bucket ${last.value}`);
  }
}

/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests: every sample must belong to a
 * family declared by `# TYPE` before it, names and labels must be well formed, values numbers, and histograms
 * consistent. Throws naming the first bad line.
 */
export function parsePrometheusText(text: string): Map<string, PrometheusFamily> {
  const families = new Map<string, PrometheusFamily>();
  const helps = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const [, keyword, name, ...rest] = line.split(' ');
      if (keyword === 'HELP' && name) helps.set(name, rest.join(' '));
      if (keyword === 'TYPE') {
        const type = rest[0] ?? '';
        if (!name || !NAME.test(name) || !TYPES.has(type) || families.has(name)) throw new Error(`bad or repeated TYPE line: ${line}`);
        families.set(name, { name, type: type as PrometheusFamily['type'], help: helps.get(name) ?? '', samples: [] });
      }
      continue;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`bad sample line: ${line}`);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
    const { labels, end } = line[nameEnd] === '{' ? parseLabels(line, nameEnd, line) : { labels: {}, end: nameEnd };
    const fields = line.slice(end).trim().split(/\s+/);
    if (fields.length < 1 || fields.length > 2) throw new Error(`bad sample line: ${line}`);
    const family = familyOf(families, name);
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    family.samples.push({ name, labels, value: parseValue(fields[0] as string, line) });
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function matches(sample: PrometheusSample, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([key, value]) => sample.labels[key] === value);
}

/** The sum of the samples named `name` whose labels include `labels` (0 when there is none). */
export function sampleValue(families: Map<string, PrometheusFamily>, name: string, labels: Record<string, string> = {}): number {
  const family = familyOf(families, name);
  return (family?.samples ?? []).filter((sample) => sample.name === name && matches(sample, labels)).reduce((sum, sample) => sum + sample.value, 0);
}

/** The summed observation count (`_count`) of a histogram's series whose labels include `labels`. */
export function histogramCount(families: Map<string, PrometheusFamily>, name: string, labels: Record<string, string> = {}): number {
  return sampleValue(families, `${name}_count`, labels);
}
