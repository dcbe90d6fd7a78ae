import type { SettingWarning } from '@tollgate/providers';

/** `x-tollgate-warnings`: the settings a provider could not honour and that were therefore not sent. */
export function warningHeaders(warnings: readonly SettingWarning[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { 'x-tollgate-warnings': warnings.map((warning) => warning.message.replace(/[\r\n]/g, ' ')).join('; ') };
}
