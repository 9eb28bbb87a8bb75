import { Module } from '@nestjs/common';
import { EMBEDDER, Embedder, EMBEDDING_TOKENIZER, EmbeddingTokenizer } from '@relay/embeddings';
import { KEYWORD_INDEX, KeywordIndex } from '@relay/retrieval';
import { VECTOR_STORE, VectorStore } from '@relay/vector-store';
import { PIPELINE_CONFIG, PipelineConfig } from '../pipeline.config';
import { DocumentIndexer } from './document-indexer';
import { TokenChunker } from './token-chunker';

/** The chunker and the indexer, shared by the ingestion stage and the sample knowledge-base seeder. */
@Module({
  providers: [
    {
      provide: TokenChunker,
      inject: [EMBEDDING_TOKENIZER, PIPELINE_CONFIG],
      useFactory: (tokenizer: EmbeddingTokenizer, config: PipelineConfig) =>
        new TokenChunker(tokenizer, { chunkTokens: config.CHUNK_TOKENS, overlapTokens: config.CHUNK_OVERLAP_TOKENS }),
    },
    {
      provide: DocumentIndexer,
      inject: [EMBEDDER, VECTOR_STORE, KEYWORD_INDEX],
      useFactory: (embedder: Embedder, vectors: VectorStore, keywords: KeywordIndex) => new DocumentIndexer(embedder, vectors, keywords),
    },
  ],
  exports: [TokenChunker, DocumentIndexer],
})
export class DocumentIndexingModule {}
