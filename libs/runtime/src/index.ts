export * from './start-app';
