export * from './llm.port';
export * from './llm.config';
export * from './llm.module';
export * from './node-llama-cpp/node-llama-cpp.llm';
export * from './node-llama-cpp/node-llama-cpp.tokenizer';
export * from './openai-compatible/openai-compatible.llm';
