import { findTooDeepJson, jsonTextTooDeep, MAX_JSON_DEPTH } from './json-depth';

const nestedText = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('jsonTextTooDeep', () => {
  it('counts brackets outside strings, up to the limit', () => {
    expect(jsonTextTooDeep(nestedText(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonTextTooDeep(nestedText(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonTextTooDeep('{"a":{"b":[1,{"c":2}]}}', 4)).toBe(false);
    expect(jsonTextTooDeep('{"a":{"b":[1,{"c":2}]}}', 3)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonTextTooDeep(JSON.stringify({ text: '['.repeat(1_000) }))).toBe(false);
    expect(jsonTextTooDeep(JSON.stringify({ text: `\\"${'{'.repeat(1_000)}` }))).toBe(false);
    // A string ending in an escaped backslash closes there: the brackets after it count.
    expect(jsonTextTooDeep(`{"a":"x\\\\",${'['.repeat(3)}1${']'.repeat(3)}}`, 3)).toBe(true);
    expect(jsonTextTooDeep(new TextEncoder().encode(`{"a":"x\\\\",${'['.repeat(3)}1${']'.repeat(3)}}`), 3)).toBe(true);
    // An escaped quote does not close it: the brackets after it are text.
    expect(jsonTextTooDeep(String.raw`{"a":"x\" [[[[ "}`, 3)).toBe(false);
  });

  it('reads UTF-8 bytes as well as text, and a million levels without recursion', () => {
    expect(jsonTextTooDeep(new TextEncoder().encode(`{"é":${nestedText(MAX_JSON_DEPTH)}}`))).toBe(true);
    expect(jsonTextTooDeep(new TextEncoder().encode(`{"é":${nestedText(MAX_JSON_DEPTH - 1)}}`))).toBe(false);
    expect(jsonTextTooDeep(nestedText(1_000_000))).toBe(true);
  });
});

describe('findTooDeepJson', () => {
  it('returns the path of the first container too deep, or null', () => {
    // The root is level 1, so `a` is level 6 and its inner arrays 7 and 8.
    expect(findTooDeepJson({ tools: [{ function: { parameters: { a: [[]] } } }] }, 7)).toBeNull();
    expect(findTooDeepJson({ tools: [{ function: { parameters: { a: [[[]]] } } }] }, 7)).toEqual(['tools', 0, 'function', 'parameters', 'a', 0, 0]);
    expect(findTooDeepJson('text')).toBeNull();
    expect(findTooDeepJson(null)).toBeNull();
  });

  it('walks values deeper than any recursive walk could', () => {
    const deep = JSON.parse(nestedText(200_000)) as unknown;
    expect(findTooDeepJson(deep)).toHaveLength(MAX_JSON_DEPTH);
    expect(findTooDeepJson(JSON.parse(nestedText(MAX_JSON_DEPTH)))).toBeNull();
  });
});
