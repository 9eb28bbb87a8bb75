export * from './config-error';
export * from './parse-env';
export * from './env-vars';
export * from './common.config';
