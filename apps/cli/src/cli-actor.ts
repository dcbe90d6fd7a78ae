import { userInfo } from 'node:os';

/** Who runs the command, for the audit log: `cli:<os user>` (`cli:unknown` where the OS cannot say). */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}
