export * from './fake-prompt-tokenizer';
export * from './in-memory-vector-store';
export * from './recording-topic-publisher';
export * from './in-memory-session-store';
export * from './controllable-embedder';
export * from './scripted-llm';
export * from './fake-openai-server';
