import { DynamicModule, Inject, MiddlewareConsumer, Module, NestModule, Optional, Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AUDIT_TRAIL, AuditRetention, type AuditTrail, FileAuditTrail, PostgresAuditTrail } from '@relay/audit-trail';
import { DATABASE, type Database, type DatabaseConfig } from '@relay/database';
import { AuditLog, HealthModule, MetricsModule, RelayMetrics } from '@relay/observability';
import { ChatResponsesHandler } from './chat/chat-responses.handler';
import { AdmissionControl, admissionClock } from './admission/admission-control';
import { CapacityBoard } from './admission/capacity-board';
import { CapacityReportsHandler } from './admission/capacity-reports.handler';
import { ClientGoneCanceller } from './session/client-gone-canceller';
import { ChatGateway } from './chat/chat.gateway';
import { DeliveryTracker } from './chat/delivery-tracker';
import { AnswerRecovery } from './chat/answer-recovery';
import { DeadLetterHandler } from './chat/dead-letter.handler';
import { DOCUMENT_REGISTRY, type DocumentRegistry } from './documents/document-registry.port';
import { FileDocumentRegistry } from './documents/file-document-registry';
import { PostgresDocumentRegistry } from './documents/postgres-document-registry';
import { DocumentStatusHandler } from './documents/document-status.handler';
import { DocumentsController } from './documents/documents.controller';
import { DocumentsService } from './documents/documents.service';
import { GATEWAY_CONFIG, GatewayConfig, webDirOf } from './gateway.config';
import { WebClientMiddleware } from './web/web-client.middleware';
import { RelayExceptionFilter } from './http/relay-exception.filter';
import { countRefusals } from './http/refusal-count';
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
import { SessionManager, SHARED_SESSION_STORE } from './session/session-manager';
import { RETRIEVAL_SCOPE } from './access/retrieval-scope.port';
import { EveryCollectionScopeResolver } from './access/every-collection.scope-resolver';
import { RetrievalScopeService } from './access/retrieval-scope.service';
import { SessionsController } from './session/sessions.controller';
import { join } from 'node:path';
import { ACCESS_STORE, type AccessStore } from './access/access-store.port';
import { AdminController } from './access/admin.controller';
import { CitationGuard } from './access/citation-guard';
import { CollectionAccess } from './access/collection-access';
import { CollectionsController } from './access/collections.controller';
import { FileAccessStore } from './access/file-access-store';
import { PostgresAccessStore } from './access/postgres-access-store';
import { AccessAudit } from './audit/access-audit';
import { PostgresSharedInteractions } from './audit/postgres-shared-interactions';
import { SHARED_INTERACTIONS } from './audit/shared-interactions.port';
import { AuthController } from './auth/auth.controller';
import { Authenticator } from './auth/authenticator';
import { FileSignInSessionStore } from './auth/file-sign-in-session-store';
import { identityMiddleware } from './auth/identity.middleware';
import { OidcProviderClient } from './auth/oidc-provider-client';
import { PostgresSignInSessionStore } from './auth/postgres-sign-in-session-store';
import { SIGN_IN_SESSION_STORE, type SignInSessionStore } from './auth/sign-in-session-store.port';
import { InMemoryUsageLedger } from './fair-use/in-memory-usage-ledger';
import { PostgresUsageLedger } from './fair-use/postgres-usage-ledger';
import { USAGE_LEDGER, type UsageLedger } from './fair-use/usage-ledger.port';
import { AllowedOrigins } from './http/allowed-origins';
import { SignedInRolePolicy } from './documents/write-policy/signed-in-role.policy';
import { FileUserStore } from './users/file-user-store';
import { PostgresUserStore } from './users/postgres-user-store';
import { UserAccounts } from './users/user-accounts';
import { USER_STORE, type UserStore } from './users/user-store.port';

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
    private readonly authenticator: Authenticator,
    private readonly origins: AllowedOrigins,
    private readonly audit: AccessAudit,
    @Optional() private readonly metrics?: RelayMetrics,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    const web = new WebClientMiddleware(webDirOf(this.config));
    const identity = identityMiddleware({ authenticator: this.authenticator, origins: this.origins, audit: this.audit, limits: this.limits });
    // In this order, for every request: count it if it ends refused (whoever refuses it), refuse a foreign Host (DNS
    // rebinding), set the security headers, count API calls per client address, find who is signed in (sign-in
    // modes: refuse anonymous API calls, other origins and missing CSRF tokens), then serve the page's files.
    consumer.apply(countRefusals(this.metrics), hostCheck(this.hosts), securityHeaders(), clientRateLimit(this.limits), identity, web.use.bind(web)).forRoutes('*');
  }

  static forRoot(config: GatewayConfig, options: { dataDir: string; store?: DatabaseConfig['STORE'] }): DynamicModule {
    const postgres = options.store === 'postgres';
    // Each store port: a file under DATA_DIR (one gateway), or PostgreSQL (shared by every replica).
    const stored = <T>(token: symbol, onPostgres: (db: Database) => T, onFile: () => T): Provider =>
      postgres ? { provide: token, inject: [DATABASE], useFactory: onPostgres } : { provide: token, useFactory: onFile };
    const hosts = new AllowedHosts({ host: config.HOST, allowedHosts: config.ALLOWED_HOSTS });
    const signIn = config.AUTH_MODE !== 'anonymous';
    return {
      module: GatewayModule,
      imports: [HealthModule, MetricsModule],
      controllers: [SessionsController, ChatResponsesHandler, CapacityReportsHandler, DeadLetterHandler, DocumentsController, DocumentStatusHandler, AuthController, CollectionsController, AdminController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: AllowedHosts, useValue: hosts },
        { provide: AllowedOrigins, useValue: new AllowedOrigins(config.ALLOWED_ORIGINS, signIn, hosts) },
        // Without sign-in: the token or proof of the same origin (issue 11). With sign-in: members and admins, per collection.
        { provide: DOCUMENTS_WRITE_POLICY, useValue: signIn ? new SignedInRolePolicy() : new TokenOrSameOriginWritePolicy(config.DOCUMENTS_TOKEN) },
        stored<DocumentRegistry>(DOCUMENT_REGISTRY, (db) => new PostgresDocumentRegistry(db), () => new FileDocumentRegistry(join(options.dataDir, 'documents.json'))),
        stored<UserStore>(USER_STORE, (db) => new PostgresUserStore(db), () => new FileUserStore(options.dataDir)),
        stored<SignInSessionStore>(SIGN_IN_SESSION_STORE, (db) => new PostgresSignInSessionStore(db), () => new FileSignInSessionStore(options.dataDir)),
        stored<AccessStore>(ACCESS_STORE, (db) => new PostgresAccessStore(db), () => new FileAccessStore(options.dataDir)),
        stored<UsageLedger>(USAGE_LEDGER, (db) => new PostgresUsageLedger(db), () => new InMemoryUsageLedger()),
        // The audit trail: DATA_DIR/audit/audit.jsonl (AuditLog's file, which the embedded pipeline shares), or the
        // audit_events table every replica writes and any replica queries.
        postgres
          ? { provide: AUDIT_TRAIL, inject: [DATABASE], useFactory: (db: Database) => new PostgresAuditTrail(db) }
          : { provide: AUDIT_TRAIL, inject: [AuditLog], useFactory: (log: AuditLog) => new FileAuditTrail(log) },
        { provide: AuditRetention, inject: [AUDIT_TRAIL], useFactory: (trail: AuditTrail) => new AuditRetention(trail, config.AUDIT_RETENTION_DAYS) },
        ...(postgres ? [{ provide: SHARED_INTERACTIONS, inject: [DATABASE], useFactory: (db: Database) => new PostgresSharedInteractions(db) }] : []),
        { provide: SHARED_SESSION_STORE, useValue: postgres },
        ...(config.AUTH_MODE === 'oidc'
          ? [
              {
                provide: OidcProviderClient,
                useValue: new OidcProviderClient({
                  issuer: config.OIDC_ISSUER,
                  clientId: config.OIDC_CLIENT_ID,
                  clientSecret: config.OIDC_CLIENT_SECRET,
                  scopes: config.OIDC_SCOPES,
                  allowHttp: config.OIDC_ALLOW_HTTP,
                  secret: config.AUTH_SECRET,
                }),
              },
            ]
          : []),
        Authenticator,
        AccessAudit,
        CollectionAccess,
        CitationGuard,
        { provide: UserAccounts, inject: [USER_STORE], useFactory: (store: UserStore) => new UserAccounts(store) },
        RateLimits,
        { provide: ParseQueue, useValue: new ParseQueue(config.MAX_CONCURRENT_PARSES, config.PARSE_QUEUE_LIMIT) },
        { provide: APP_FILTER, useClass: RelayExceptionFilter },
        { provide: INTERACTION_JOURNAL_DIR, useValue: join(options.dataDir, 'audit', 'open') },
        InteractionAudit,
        SessionManager,
        { provide: CapacityBoard, useFactory: () => new CapacityBoard(admissionClock) },
        AdmissionControl,
        {
          provide: ClientGoneCanceller,
          inject: [SessionManager, { token: RelayMetrics, optional: true }],
          useFactory: (sessions: SessionManager, metrics?: RelayMetrics) =>
            new ClientGoneCanceller(config.CLIENT_GONE_GRACE_MS, async (sessionId) => {
              const count = await sessions.abandon(sessionId);
              metrics?.abandonedAnswers.inc({}, count);
              return count;
            }),
        },
        ChatGateway,
        { provide: DeliveryTracker, useFactory: () => new DeliveryTracker() },
        AnswerRecovery,
        DocumentsService,
        // Who may read which collection: without sign-in everyone reads every collection any document is in; with
        // sign-in, the grants (CollectionAccess, read fresh for every message).
        signIn ? { provide: RETRIEVAL_SCOPE, useExisting: CollectionAccess } : { provide: RETRIEVAL_SCOPE, useClass: EveryCollectionScopeResolver },
        RetrievalScopeService,
      ],
    };
  }
}
