import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ReplayResponse } from '@tollgate/testing';

const read = (name: string) => readFileSync(path.join(__dirname, name), 'utf8');

/** Acme's answers, as its loopback stand-in replays them: a JSON answer, the same answer streamed, a 429. */
export const ACME_RECORDINGS = {
  textJson: { json: JSON.parse(read('acme-text.json')) } satisfies ReplayResponse,
  textStream: { sse: read('acme-text.chunks.txt').split('\n').filter((line) => line.trim()) } satisfies ReplayResponse,
  rateLimited: { status: 429, json: { problem: { message: 'slow down', code: 'rate_limited' } }, headers: { 'retry-after': '0' } } satisfies ReplayResponse,
  /** What both answers say, and the tokens they report. */
  text: 'Hello from Acme.',
  tokens: { input: 12, output: 30 },
};
