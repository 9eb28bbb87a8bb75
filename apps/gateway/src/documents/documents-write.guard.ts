import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { RelayError } from '@relay/contracts';
import type { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';

/**
 * Uploads and deletes change what every user's answers are grounded in: when DOCUMENTS_TOKEN is set they need
 * `Authorization: Bearer <DOCUMENTS_TOKEN>`. Unset, anyone who reaches the gateway may change the knowledge base.
 * Checked before the body is read, so a refused upload costs nothing.
 */
@Injectable()
export class DocumentsWriteGuard implements CanActivate {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.DOCUMENTS_TOKEN;
    if (!expected) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const given = /^Bearer (.+)$/i.exec(header)?.[1];
    if (!given) throw new RelayError('UNAUTHORIZED', 'Changing documents needs Authorization: Bearer <DOCUMENTS_TOKEN>');
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new RelayError('FORBIDDEN', 'Wrong documents token');
    return true;
  }
}
