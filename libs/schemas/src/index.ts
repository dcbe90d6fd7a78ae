export * from './chat-completion-request';
export * from './cost';
export * from './decimal-string';
export * from './error-body';
export * from './metering-event';
export * from './prices';
export * from './usage';
export * from './anthropic-messages-request';
