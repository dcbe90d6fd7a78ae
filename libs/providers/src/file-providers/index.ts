export { isFileProvider, settingPrefix } from './file-provider-definitions';
export { ProvidersFileError } from './parse-providers-file';
export { gatewayProviders, parseProvidersFile, readProvidersFile } from './read-providers-file';
export { providersFileSchema, type ProvidersFile } from './providers-file-schema';
