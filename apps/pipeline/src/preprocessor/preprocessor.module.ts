import { Module } from '@nestjs/common';
import { PreprocessorHandler } from './preprocessor.handler';

/** Pipeline stage 1 of 4: chat.queries → chat.preprocessed (and chat.responses for accept/reject). */
@Module({ controllers: [PreprocessorHandler] })
export class PreprocessorModule {}
