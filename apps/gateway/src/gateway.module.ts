import { DynamicModule, Inject, MiddlewareConsumer, Module, NestModule, Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { DATABASE, type Database, type DatabaseConfig } from '@relay/database';
import { HealthModule } from '@relay/observability';
import { ChatResponsesHandler } from './chat/chat-responses.handler';
import { ChatGateway } from './chat/chat.gateway';
import { DeliveryTracker } from './chat/delivery-tracker';
import { DeadLetterHandler } from './chat/dead-letter.handler';
import { DOCUMENT_REGISTRY } from './documents/document-registry.port';
import { FileDocumentRegistry } from './documents/file-document-registry';
import { PostgresDocumentRegistry } from './documents/postgres-document-registry';
import { DocumentStatusHandler } from './documents/document-status.handler';
import { DocumentsController } from './documents/documents.controller';
import { DocumentsService } from './documents/documents.service';
import { GATEWAY_CONFIG, GatewayConfig, webDirOf } from './gateway.config';
import { WebClientMiddleware } from './web/web-client.middleware';
import { RelayExceptionFilter } from './http/relay-exception.filter';
import { SessionManager } from './session/session-manager';
import { SessionsController } from './session/sessions.controller';
import { join } from 'node:path';

/**
 * The gateway app: REST sessions and documents, the Socket.IO chat protocol, delivery of chat.responses, health
 * endpoints, and the web client's static files at `/`.
 * Needs the SESSION_STORE port and a transport from its composition root, and DATABASE with `store: 'postgres'`.
 */
@Module({})
export class GatewayModule implements NestModule {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    const web = new WebClientMiddleware(webDirOf(this.config));
    consumer.apply(web.use.bind(web)).forRoutes('*');
  }

  static forRoot(config: GatewayConfig, options: { dataDir: string; store?: DatabaseConfig['STORE'] }): DynamicModule {
    const registry: Provider =
      options.store === 'postgres'
        ? { provide: DOCUMENT_REGISTRY, inject: [DATABASE], useFactory: (db: Database) => new PostgresDocumentRegistry(db) }
        : { provide: DOCUMENT_REGISTRY, useValue: new FileDocumentRegistry(join(options.dataDir, 'documents.json')) };
    return {
      module: GatewayModule,
      imports: [HealthModule],
      controllers: [SessionsController, ChatResponsesHandler, DeadLetterHandler, DocumentsController, DocumentStatusHandler],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: RelayExceptionFilter },
        SessionManager,
        ChatGateway,
        { provide: DeliveryTracker, useFactory: () => new DeliveryTracker() },
        registry,
        DocumentsService,
      ],
    };
  }
}
