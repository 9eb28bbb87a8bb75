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
import { AllowedHosts } from './http/allowed-hosts';
import { hostCheck } from './http/host-check.middleware';
import { securityHeaders } from '@relay/runtime';
import { clientRateLimit } from './rate-limit/client-rate-limit.middleware';
import { RateLimits } from './rate-limit/rate-limits';
import { ParseQueue } from './documents/parse-queue';
import { InteractionAudit } from './audit/interaction-audit';
import { INTERACTION_JOURNAL_DIR } from './audit/interaction-audit.tokens';
import { DOCUMENTS_WRITE_POLICY } from './documents/write-policy/documents-write-policy';
import { TokenOrSameOriginWritePolicy } from './documents/write-policy/token-or-same-origin.policy';
import { SessionManager } from './session/session-manager';
import { RETRIEVAL_SCOPE } from './access/retrieval-scope.port';
import { EveryCollectionScopeResolver } from './access/every-collection.scope-resolver';
import { RetrievalScopeService } from './access/retrieval-scope.service';
import { SessionsController } from './session/sessions.controller';
import { join } from 'node:path';

/**
 * The gateway app: REST sessions and documents, the Socket.IO chat protocol, delivery of chat.responses, health
 * endpoints, and the web client's static files at `/`.
 * Needs the SESSION_STORE port and a transport from its composition root, and DATABASE with `store: 'postgres'`.
 */
@Module({})
export class GatewayModule implements NestModule {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly hosts: AllowedHosts,
    private readonly limits: RateLimits,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    const web = new WebClientMiddleware(webDirOf(this.config));
    // In this order, for every request: refuse a foreign Host (DNS rebinding), set the security headers, count API
    // calls per client address, then serve the page's files.
    consumer.apply(hostCheck(this.hosts), securityHeaders(), clientRateLimit(this.limits), web.use.bind(web)).forRoutes('*');
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
        { provide: AllowedHosts, useValue: new AllowedHosts({ host: config.HOST, allowedHosts: config.ALLOWED_HOSTS }) },
        // The floor until sign-in and roles: a later policy class replaces this one line.
        { provide: DOCUMENTS_WRITE_POLICY, useValue: new TokenOrSameOriginWritePolicy(config.DOCUMENTS_TOKEN) },
        RateLimits,
        { provide: ParseQueue, useValue: new ParseQueue(config.MAX_CONCURRENT_PARSES, config.PARSE_QUEUE_LIMIT) },
        { provide: APP_FILTER, useClass: RelayExceptionFilter },
        { provide: INTERACTION_JOURNAL_DIR, useValue: join(options.dataDir, 'audit', 'open') },
        InteractionAudit,
        SessionManager,
        ChatGateway,
        { provide: DeliveryTracker, useFactory: () => new DeliveryTracker() },
        registry,
        DocumentsService,
        // Who may read which collection: everyone everything until sign-in and grants replace this one line.
        { provide: RETRIEVAL_SCOPE, useClass: EveryCollectionScopeResolver },
        RetrievalScopeService,
      ],
    };
  }
}
