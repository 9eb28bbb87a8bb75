export * from './start-app';
export * from './security-headers';
