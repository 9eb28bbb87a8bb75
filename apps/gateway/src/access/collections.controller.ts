import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Req } from '@nestjs/common';
import { RelayError } from '@relay/contracts';
import type { Request } from 'express';
import { z } from 'zod';
import { AccessAudit } from '../audit/access-audit';
import { hasRole, type Principal } from '../auth/principal';
import { principalOf } from '../auth/request-principal';
import { DOCUMENT_REGISTRY, type DocumentRegistry } from '../documents/document-registry.port';
import { ACCESS_STORE, type AccessStore, COLLECTION_ID, DEFAULT_COLLECTION, type GrantRecord } from './access-store.port';
import { CollectionAccess } from './collection-access';

const createSchema = z.object({ collectionId: z.string().regex(COLLECTION_ID, { message: 'must be 1–64 of a-z 0-9 _ - (starting with a letter or digit)' }), name: z.string().trim().min(1).max(200) }).strict();
const grantSchema = z
  .object({
    subjectType: z.enum(['user', 'group', 'role']),
    subjectId: z.string().trim().min(1).max(200),
    access: z.enum(['read', 'write']),
  })
  .strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new RelayError('INVALID_PAYLOAD', `Invalid payload: ${parsed.error.issues[0].path.join('.') || 'body'}: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

/**
 * Collections and their grants (sign-in modes). Everyone lists the collections they may read; members and admins
 * create collections (they own what they create); a collection's owner and admins change its grants and delete it.
 * A collection the caller may not read is answered exactly like one that does not exist.
 */
@Controller('api/collections')
export class CollectionsController {
  constructor(
    private readonly access: CollectionAccess,
    @Inject(ACCESS_STORE) private readonly store: AccessStore,
    @Inject(DOCUMENT_REGISTRY) private readonly registry: DocumentRegistry,
    private readonly audit: AccessAudit,
  ) {}

  @Get()
  async list(@Req() req: Request) {
    const principal = signedIn(req);
    const readable = new Set(await this.access.readable(principal));
    const writable = new Set(await this.access.writable(principal));
    const collections = [];
    for (const c of await this.store.listCollections()) {
      if (!readable.has(c.collectionId)) continue;
      collections.push({ ...c, access: writable.has(c.collectionId) ? 'write' : 'read', manage: await this.access.canManage(principal, c.collectionId) });
    }
    return { collections };
  }

  @Post()
  @HttpCode(201)
  async create(@Req() req: Request, @Body() body: unknown) {
    const principal = signedIn(req);
    if (!hasRole(principal, 'member')) throw new RelayError('FORBIDDEN', 'Readers cannot create collections.', { reason: 'role-reader' });
    const { collectionId, name } = parse(createSchema, body);
    const collection = { collectionId, name, ownerId: principal.userId, createdAt: new Date().toISOString() };
    if (!(await this.store.createCollection(collection))) throw new RelayError('INVALID_PAYLOAD', `The collection ${collectionId} exists already.`);
    this.audit.record({ event: 'collection-created', outcome: 'allowed', userId: principal.userId, target: collectionId });
    return { collection };
  }

  @Delete(':collectionId')
  async remove(@Req() req: Request, @Param('collectionId') collectionId: string) {
    const principal = await this.manager(req, collectionId);
    if (collectionId === DEFAULT_COLLECTION) throw new RelayError('INVALID_PAYLOAD', 'The default collection cannot be deleted.');
    if ((await this.registry.list()).some((d) => (d.collectionId ?? DEFAULT_COLLECTION) === collectionId)) {
      throw new RelayError('INVALID_PAYLOAD', `The collection ${collectionId} still has documents: delete them first.`);
    }
    await this.store.deleteCollection(collectionId);
    this.audit.record({ event: 'collection-deleted', outcome: 'allowed', userId: principal.userId, target: collectionId });
    return { collectionId, status: 'deleted' };
  }

  @Get(':collectionId/grants')
  async grants(@Req() req: Request, @Param('collectionId') collectionId: string): Promise<{ grants: GrantRecord[] }> {
    await this.manager(req, collectionId);
    return { grants: await this.store.listGrants(collectionId) };
  }

  /** Gives a user, a group or a role claim read or write access (replacing what it had). */
  @Put(':collectionId/grants')
  async grant(@Req() req: Request, @Param('collectionId') collectionId: string, @Body() body: unknown) {
    const principal = await this.manager(req, collectionId);
    const { subjectType, subjectId, access } = parse(grantSchema, body);
    const grant: GrantRecord = { collectionId, subjectType, subjectId, access, grantedBy: principal.userId, grantedAt: new Date().toISOString() };
    if (!(await this.store.putGrant(grant))) throw notFound(collectionId);
    this.audit.record({ event: 'grant', outcome: 'allowed', userId: principal.userId, target: `${collectionId} ${subjectType}:${subjectId} ${access}` });
    return { grant };
  }

  /** Revokes a grant: the next message of that subject no longer retrieves from the collection. */
  @Delete(':collectionId/grants/:subjectType/:subjectId')
  async revoke(@Req() req: Request, @Param('collectionId') collectionId: string, @Param('subjectType') subjectType: string, @Param('subjectId') subjectId: string) {
    const principal = await this.manager(req, collectionId);
    const type = parse(grantSchema.shape.subjectType, subjectType);
    if (!(await this.store.deleteGrant(collectionId, type, subjectId))) throw new RelayError('NOT_FOUND', `No grant to ${type}:${subjectId.slice(0, 64)} on ${collectionId}`);
    this.audit.record({ event: 'revoke', outcome: 'allowed', userId: principal.userId, target: `${collectionId} ${type}:${subjectId}` });
    return { collectionId, subjectType: type, subjectId, status: 'revoked' };
  }

  /** The caller, if they may manage the collection: FORBIDDEN if they may only read it, NOT_FOUND if not even that. */
  private async manager(req: Request, collectionId: string): Promise<Principal> {
    const principal = signedIn(req);
    if (await this.access.canManage(principal, collectionId)) return principal;
    if (await this.access.canRead(principal, collectionId)) throw new RelayError('FORBIDDEN', `Only the collection’s owner or an admin may change ${collectionId}.`, { reason: 'not-owner' });
    throw notFound(collectionId);
  }
}

function notFound(collectionId: string): RelayError {
  return new RelayError('NOT_FOUND', `No collection ${collectionId.slice(0, 64)}`, { reason: 'collection-not-readable' });
}

function signedIn(req: Request): Principal {
  const principal = principalOf(req);
  if (!principal) throw new RelayError('NOT_FOUND', 'Collections need sign-in (AUTH_MODE local or oidc); without it every document is shared.');
  return principal;
}
