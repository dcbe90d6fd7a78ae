import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';
import type { Config } from './load-config';

/** Reads a key file named by a *_PATH setting; a ConfigError naming the setting (never the key) when it cannot. */
function readKeyFile(setting: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`Invalid configuration:\n  ${setting}: cannot read the file it names`);
  }
}

/**
 * Checks at start that the JWT settings make one coherent choice — so a half-configured gateway does not start and
 * then refuse every token — reads key files given as paths, and settles JWT_ALGORITHM when it was left to be
 * inferred (a secret → HS256, a key pair → RS256).
 */
export function resolveAccessSettings(config: Config): Config {
  const resolved: Config = { ...config };
  if (resolved.JWT_PRIVATE_KEY_PATH) resolved.JWT_PRIVATE_KEY_PEM ??= readKeyFile('JWT_PRIVATE_KEY_PATH', resolved.JWT_PRIVATE_KEY_PATH);
  if (resolved.JWT_PUBLIC_KEY_PATH) resolved.JWT_PUBLIC_KEY_PEM ??= readKeyFile('JWT_PUBLIC_KEY_PATH', resolved.JWT_PUBLIC_KEY_PATH);
  if (resolved.JWT_IDP_PUBLIC_KEY_PATH) resolved.JWT_IDP_PUBLIC_KEY_PEM ??= readKeyFile('JWT_IDP_PUBLIC_KEY_PATH', resolved.JWT_IDP_PUBLIC_KEY_PATH);

  const problems: string[] = [];
  const hasKeys = Boolean(resolved.JWT_PRIVATE_KEY_PEM || resolved.JWT_PUBLIC_KEY_PEM);
  resolved.JWT_ALGORITHM ??= resolved.JWT_SECRET ? 'HS256' : hasKeys ? 'RS256' : undefined;
  if (resolved.JWT_ALGORITHM === 'HS256') {
    if (!resolved.JWT_SECRET) problems.push('JWT_SECRET: must be set when JWT_ALGORITHM is HS256');
    if (hasKeys) problems.push('JWT_PRIVATE_KEY_PEM: must not be set when JWT_ALGORITHM is HS256 (HS256 signs with JWT_SECRET)');
  } else if (resolved.JWT_ALGORITHM === 'RS256') {
    if (!resolved.JWT_PRIVATE_KEY_PEM) problems.push('JWT_PRIVATE_KEY_PEM: must be set (or JWT_PRIVATE_KEY_PATH) when JWT_ALGORITHM is RS256');
    if (!resolved.JWT_PUBLIC_KEY_PEM) problems.push('JWT_PUBLIC_KEY_PEM: must be set (or JWT_PUBLIC_KEY_PATH) when JWT_ALGORITHM is RS256');
    if (resolved.JWT_SECRET) problems.push('JWT_SECRET: must not be set when JWT_ALGORITHM is RS256 (one algorithm only: HS/RS confusion)');
  }

  const idpKey = Boolean(resolved.JWT_JWKS_URL || resolved.JWT_IDP_PUBLIC_KEY_PEM);
  const idpAny = idpKey || Boolean(resolved.JWT_IDP_ISSUER || resolved.JWT_IDP_AUDIENCE || resolved.JWT_IDP_ACCOUNT_CLAIM);
  if (idpAny) {
    if (!idpKey) problems.push('JWT_JWKS_URL: must be set (or JWT_IDP_PUBLIC_KEY_PEM) for platform IdP tokens');
    if (resolved.JWT_JWKS_URL && resolved.JWT_IDP_PUBLIC_KEY_PEM) problems.push('JWT_IDP_PUBLIC_KEY_PEM: set JWT_JWKS_URL or a PEM key, not both');
    if (!resolved.JWT_IDP_ISSUER) problems.push('JWT_IDP_ISSUER: must be set for platform IdP tokens');
    if (!resolved.JWT_IDP_AUDIENCE) problems.push('JWT_IDP_AUDIENCE: must be set for platform IdP tokens');
    if (!resolved.JWT_IDP_ACCOUNT_CLAIM) problems.push('JWT_IDP_ACCOUNT_CLAIM: must be set for platform IdP tokens (the claim naming the account, e.g. team)');
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return resolved;
}
