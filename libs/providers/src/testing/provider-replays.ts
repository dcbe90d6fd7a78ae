import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startReplayServer, type ReplayServer } from '@tollgate/testing';
import type { ProviderDefinition } from '../provider-definition';
import { PROVIDER_DEFINITIONS } from '../provider-definitions';
import type { ProviderReplay } from './provider-replay';

/** Where this library's provider folders are: each may hold `testing/replay.ts`. */
export const PROVIDER_FOLDERS_DIR = path.resolve(__dirname, '..');

/** The file of a provider folder that exports its replay table as `replay`. */
const REPLAY_FILE = path.join('testing', 'replay.ts');

/**
 * The replay tables of the provider folders under `roots` (`<folder>/testing/replay.ts`), by provider name. Found
 * by looking, not listed, so that adding a provider folder edits no shared test file. Test-only: it loads
 * TypeScript through Jest's module system.
 */
export function findProviderReplays(roots: readonly string[] = [PROVIDER_FOLDERS_DIR]): Map<string, ProviderReplay> {
  const replays = new Map<string, ProviderReplay>();
  for (const root of roots) {
    for (const folder of readdirSync(root, { withFileTypes: true })) {
      const file = path.join(root, folder.name, REPLAY_FILE);
      if (!folder.isDirectory() || !existsSync(file)) continue;
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- found at run time; Jest compiles it
      const { replay } = require(file) as { replay?: ProviderReplay };
      if (!replay) throw new Error(`${file} exports no \`replay\``);
      replays.set(replay.provider, replay);
    }
  }
  return replays;
}

/**
 * The replay table of every given provider that has an upstream (settings), in registry order: what the provider
 * contract tests run. A registered provider whose folder has no `testing/replay.ts` fails here, by name.
 */
export function providerReplaysFor(definitions: readonly ProviderDefinition[], roots?: readonly string[]): ProviderReplay[] {
  const found = findProviderReplays(roots);
  return definitions
    .filter((definition) => definition.settings)
    .map((definition) => {
      const replay = found.get(definition.name);
      if (!replay) throw new Error(`provider ${definition.name} has no recorded replay: add ${REPLAY_FILE} to its folder`);
      return replay;
    });
}

/** Every registered provider's replay table. */
export const PROVIDER_REPLAYS: readonly ProviderReplay[] = providerReplaysFor(PROVIDER_DEFINITIONS);

/** One replay server per provider, and the gateway settings that point every provider at its server. */
export async function startProviderReplays(replays: readonly ProviderReplay[] = PROVIDER_REPLAYS): Promise<{
  servers: Record<string, ReplayServer>;
  settings: Record<string, string>;
  close(): Promise<void>;
}> {
  const entries = await Promise.all(replays.map(async (replay) => [replay, await startReplayServer()] as const));
  const servers: Record<string, ReplayServer> = Object.fromEntries(entries.map(([replay, server]) => [replay.provider, server]));
  const settings: Record<string, string> = Object.assign({}, ...entries.map(([replay, server]) => replay.settings(server.url)));
  return {
    servers,
    settings,
    close: async () => {
      await Promise.all(entries.map(([, server]) => server.close()));
    },
  };
}

/** The `data:` payloads of an SSE response body, in order. */
export function ssePayloads(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event.trim().length > 0)
    .map((event) => event.split('\n').find((line) => line.startsWith('data: '))?.slice('data: '.length) ?? '');
}
