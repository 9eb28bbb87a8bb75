import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import type { Request } from 'express';
import { DEFAULT_COLLECTION } from '../access/access-store.port';
import { type Asker, CollectionAccess, EVERYONE } from '../access/collection-access';
import { principalOf } from '../auth/request-principal';
import { collectionIdSchema, RelayError } from '@relay/contracts';
import type { Response } from 'express';
import { z } from 'zod';
import { DocumentRecord } from './document-registry.port';
import { DocumentUploadInterceptor, RequestWithDocument } from './document-upload.interceptor';
import { DocumentsService, IngestOutcome } from './documents.service';
import { DocumentsWriteGuard } from './documents-write.guard';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { correlationIdFrom, SPAN_ATTRIBUTES, withSpan } from '@relay/observability';
import { ParseQueue } from './parse-queue';
import { SpanKind } from '@opentelemetry/api';
import { parseDocument } from './parsers/document-parser';

const textDocumentSchema = z
  .object({
    title: z.string().trim().min(1, { message: 'title must not be empty' }).max(500),
    text: z.string().refine((t) => t.trim().length > 0, { message: 'text must not be empty' }),
    /** Where it comes from (a URL, a path); also what identifies it, so sending the same source again replaces it. */
    source: z.string().trim().min(1).max(2000).optional(),
    /** markdown: `#` lines are headings. */
    format: z.enum(['markdown', 'plain']).default('plain'),
    /** The collection to put it in (default: where it already is, else `default`). */
    collection: collectionIdSchema.optional(),
  })
  .strict();

const uploadFieldsSchema = z.object({
  source: z.string().trim().min(1).max(2000).optional(),
  title: z.string().trim().min(1).max(500).optional(),
  collection: collectionIdSchema.optional(),
});

const listQuerySchema = z.object({ collection: collectionIdSchema.optional() });

/**
 * REST side of the knowledge base: upload a file (multipart field `file`) or JSON text into a collection, list the
 * documents with their status, delete one. An upload answers once the document is indexed (201), unchanged (200), or
 * still indexing after INGEST_TIMEOUT_MS (202; poll GET /api/documents/:id). With sign-in, a user sees only the
 * documents of collections they may read (any other is answered exactly like one that does not exist) and changes
 * only those of collections they may write.
 */
@Controller('api/documents')
export class DocumentsController {
  constructor(
    private readonly documents: DocumentsService,
    private readonly parses: ParseQueue,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly access: CollectionAccess,
  ) {}

  @Post()
  @UseGuards(DocumentsWriteGuard)
  @UseInterceptors(DocumentUploadInterceptor)
  async upload(@Req() req: RequestWithDocument, @Body() body: unknown, @Res({ passthrough: true }) res: Response, @Headers('x-correlation-id') correlationId?: string): Promise<IngestOutcome> {
    const asker = askerOf(req);
    // The root of the document's ingestion trace: parse here, then chunk, embed and index in the pipeline.
    const outcome = await withSpan('document upload', { kind: SpanKind.SERVER, attributes: { [SPAN_ATTRIBUTES.stage]: 'gateway' } }, async (span) => {
      const result = req.is('multipart/form-data') ? await this.fromFile(req, body, asker) : await this.fromJson(body, asker, correlationId);
      span?.setAttributes({ [SPAN_ATTRIBUTES.documentId]: result.document.documentId, [SPAN_ATTRIBUTES.chunksIndexed]: result.document.chunks, 'relay.document_status': result.unchanged ? 'unchanged' : result.document.status });
      return result;
    });
    res.status(outcome.unchanged ? 200 : outcome.document.status === 'indexed' ? 201 : 202);
    return outcome;
  }

  @Get()
  async list(@Query() query: unknown, @Req() req: Request): Promise<{ documents: DocumentRecord[] }> {
    const parsed = listQuerySchema.safeParse(query ?? {});
    if (!parsed.success) throw new RelayError('INVALID_PAYLOAD', `Invalid query: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
    const documents = await this.documents.list(parsed.data.collection);
    const asker = askerOf(req);
    if (asker === EVERYONE) return { documents };
    const readable = new Set(await this.access.readable(asker));
    return { documents: documents.filter((d) => readable.has(d.collectionId ?? DEFAULT_COLLECTION)) };
  }

  @Get(':documentId')
  async get(@Param('documentId') documentId: string, @Req() req: Request): Promise<{ document: DocumentRecord }> {
    return { document: await this.readable(documentId, askerOf(req)) };
  }

  @Delete(':documentId')
  @UseGuards(DocumentsWriteGuard)
  @HttpCode(200)
  async remove(@Param('documentId') documentId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const asker = askerOf(req);
    const doc = await this.readable(documentId, asker);
    if (!(await this.access.canWrite(asker, doc.collectionId ?? DEFAULT_COLLECTION))) {
      throw new RelayError('FORBIDDEN', `You may read but not change the collection ${doc.collectionId ?? DEFAULT_COLLECTION}.`, { reason: 'no-write-grant' });
    }
    const result = await this.documents.delete(documentId);
    if (result.status !== 'deleted') res.status(202);
    return result;
  }

  /** The document, if the asker may read its collection; NOT_FOUND (as for a document that does not exist) if not. */
  private async readable(documentId: string, asker: Asker): Promise<DocumentRecord> {
    const doc = await this.documents.get(documentId);
    if (!(await this.access.canRead(asker, doc.collectionId ?? DEFAULT_COLLECTION))) throw new RelayError('NOT_FOUND', `No document ${documentId}`, { reason: 'not-readable' });
    return doc;
  }

  /**
   * The collection an upload goes into, if the asker may write it. Without sign-in: the one named, else the service
   * decides (where the document already is, else `default`). With sign-in: the one named, else where a document from
   * this source already is, else `default`; moving a document out of a collection needs write access there too.
   */
  private async writableCollection(requested: string | undefined, source: string, asker: Asker): Promise<string | undefined> {
    if (asker === EVERYONE) return requested;
    const current = await this.documents.collectionOfSource(source);
    const id = requested ?? current ?? DEFAULT_COLLECTION;
    await this.mayWrite(id, asker);
    if (current !== undefined && current !== id) await this.mayWrite(current, asker);
    return id;
  }

  private async mayWrite(collectionId: string, asker: Asker): Promise<void> {
    if (await this.access.canWrite(asker, collectionId)) return;
    // One the asker cannot even read is answered as if it did not exist.
    if (!(await this.access.canRead(asker, collectionId))) throw new RelayError('NOT_FOUND', `No collection ${collectionId}`, { reason: 'collection-not-readable' });
    throw new RelayError('FORBIDDEN', `You may read but not change the collection ${collectionId}.`, { reason: 'no-write-grant' });
  }

  private async fromFile(req: RequestWithDocument, body: unknown, asker: Asker): Promise<IngestOutcome> {
    const file = req.document;
    if (!file) throw new RelayError('INVALID_PAYLOAD', 'No file: send it in the multipart form field "file"');
    const fields = uploadFieldsSchema.safeParse(body ?? {});
    if (!fields.success) throw new RelayError('INVALID_PAYLOAD', `${file.name}: ${fields.error.issues[0].path.join('.')}: ${fields.error.issues[0].message}`);
    const source = fields.data.source ?? file.name;
    const collectionId = await this.writableCollection(fields.data.collection, source, asker);
    const limits = { maxPdfPages: this.config.MAX_PDF_PAGES, timeoutMs: this.config.PARSE_TIMEOUT_MS };
    const parsed = await withSpan('parse', { attributes: { 'relay.bytes': file.bytes.length } }, () => this.parses.run(() => parseDocument(file.name, file.bytes, source, limits)));
    return this.documents.ingest({
      source,
      title: fields.data.title ?? parsed.title,
      type: parsed.type,
      format: parsed.format,
      sections: parsed.sections,
      bytes: file.bytes.length,
      collectionId,
    });
  }

  private async fromJson(body: unknown, asker: Asker, correlationId?: string): Promise<IngestOutcome> {
    const parsed = textDocumentSchema.safeParse(body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RelayError('INVALID_PAYLOAD', `Invalid payload: ${issue.path.join('.') || 'body'}: ${issue.message}; send multipart "file" or JSON { title, text, source, format, collection }`);
    }
    const { title, text, source, format } = parsed.data;
    const collectionId = await this.writableCollection(parsed.data.collection, source ?? title, asker);
    return this.documents.ingest(
      { source: source ?? title, title, type: 'text', format, sections: [{ text }], bytes: Buffer.byteLength(text), collectionId },
      correlationIdFrom(correlationId),
    );
  }
}

/** Who is asking: the signed-in user, or (no sign-in) everyone, who may read and write everything as before. */
function askerOf(req: Request): Asker {
  return principalOf(req) ?? EVERYONE;
}
