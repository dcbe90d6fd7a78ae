import type { GatewayClient } from '../gateway-client';

/** What every tool is built from. */
export interface ToolDependencies {
  gateway: GatewayClient;
  /** TOLLGATE_SPEND_TOKEN, when the server was started with one. */
  defaultSpendToken: string | undefined;
}
