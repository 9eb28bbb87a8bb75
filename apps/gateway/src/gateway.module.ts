import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { HealthModule } from '@relay/observability';
import { ChatResponsesHandler } from './chat/chat-responses.handler';
import { ChatGateway } from './chat/chat.gateway';
import { DeliveryTracker } from './chat/delivery-tracker';
import { DeadLetterHandler } from './chat/dead-letter.handler';
import { GATEWAY_CONFIG, GatewayConfig } from './gateway.config';
import { RelayExceptionFilter } from './http/relay-exception.filter';
import { SessionManager } from './session/session-manager';
import { SessionsController } from './session/sessions.controller';

/**
 * The gateway app: REST sessions, the Socket.IO chat protocol, delivery of chat.responses, health endpoints.
 * Needs the SESSION_STORE port and a transport from its composition root.
 */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [HealthModule],
      controllers: [SessionsController, ChatResponsesHandler, DeadLetterHandler],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: RelayExceptionFilter },
        SessionManager,
        ChatGateway,
        { provide: DeliveryTracker, useFactory: () => new DeliveryTracker() },
      ],
    };
  }
}
