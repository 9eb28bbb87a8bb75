export * from './spans';
export * from './trace-propagation';
export * from './tracing-provider';
