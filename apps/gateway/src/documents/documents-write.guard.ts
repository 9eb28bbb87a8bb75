import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { principalOf } from '../auth/request-principal';
import { DOCUMENTS_WRITE_POLICY, type DocumentsWritePolicy } from './write-policy/documents-write-policy';

/** Uploads and deletes change what every user's answers are grounded in: the write policy decides who may. */
@Injectable()
export class DocumentsWriteGuard implements CanActivate {
  constructor(@Inject(DOCUMENTS_WRITE_POLICY) private readonly policy: DocumentsWritePolicy) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    this.policy.authorize({ method: req.method, headers: req.headers, principal: principalOf(req) });
    return true;
  }
}
