import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { collectionIdSchema, RelayError } from '@relay/contracts';
import type { Response } from 'express';
import { z } from 'zod';
import { DocumentRecord } from './document-registry.port';
import { DocumentUploadInterceptor, RequestWithDocument } from './document-upload.interceptor';
import { DocumentsService, IngestOutcome } from './documents.service';
import { DocumentsWriteGuard } from './documents-write.guard';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { correlationIdFrom } from '@relay/observability';
import { ParseQueue } from './parse-queue';
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
 * REST side of the knowledge base: upload a file (multipart field `file`) or JSON text, list the documents with
 * their status, delete one. An upload answers once the document is indexed (201), unchanged (200), or still
 * indexing after INGEST_TIMEOUT_MS (202; poll GET /api/documents/:id).
 */
@Controller('api/documents')
export class DocumentsController {
  constructor(
    private readonly documents: DocumentsService,
    private readonly parses: ParseQueue,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post()
  @UseGuards(DocumentsWriteGuard)
  @UseInterceptors(DocumentUploadInterceptor)
  async upload(@Req() req: RequestWithDocument, @Body() body: unknown, @Res({ passthrough: true }) res: Response, @Headers('x-correlation-id') correlationId?: string): Promise<IngestOutcome> {
    const outcome = req.is('multipart/form-data') ? await this.fromFile(req, body) : await this.fromJson(body, correlationId);
    res.status(outcome.unchanged ? 200 : outcome.document.status === 'indexed' ? 201 : 202);
    return outcome;
  }

  @Get()
  async list(@Query() query: unknown): Promise<{ documents: DocumentRecord[] }> {
    const parsed = listQuerySchema.safeParse(query ?? {});
    if (!parsed.success) throw new RelayError('INVALID_PAYLOAD', `Invalid query: ${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message}`);
    return { documents: await this.documents.list(parsed.data.collection) };
  }

  @Get(':documentId')
  async get(@Param('documentId') documentId: string): Promise<{ document: DocumentRecord }> {
    return { document: await this.documents.get(documentId) };
  }

  @Delete(':documentId')
  @UseGuards(DocumentsWriteGuard)
  @HttpCode(200)
  async remove(@Param('documentId') documentId: string, @Res({ passthrough: true }) res: Response) {
    const result = await this.documents.delete(documentId);
    if (result.status !== 'deleted') res.status(202);
    return result;
  }

  private async fromFile(req: RequestWithDocument, body: unknown): Promise<IngestOutcome> {
    const file = req.document;
    if (!file) throw new RelayError('INVALID_PAYLOAD', 'No file: send it in the multipart form field "file"');
    const fields = uploadFieldsSchema.safeParse(body ?? {});
    if (!fields.success) throw new RelayError('INVALID_PAYLOAD', `${file.name}: ${fields.error.issues[0].path.join('.')}: ${fields.error.issues[0].message}`);
    const source = fields.data.source ?? file.name;
    const limits = { maxPdfPages: this.config.MAX_PDF_PAGES, timeoutMs: this.config.PARSE_TIMEOUT_MS };
    const parsed = await this.parses.run(() => parseDocument(file.name, file.bytes, source, limits));
    return this.documents.ingest({
      source,
      title: fields.data.title ?? parsed.title,
      type: parsed.type,
      format: parsed.format,
      sections: parsed.sections,
      bytes: file.bytes.length,
      collectionId: fields.data.collection,
    });
  }

  private async fromJson(body: unknown, correlationId?: string): Promise<IngestOutcome> {
    const parsed = textDocumentSchema.safeParse(body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RelayError('INVALID_PAYLOAD', `Invalid payload: ${issue.path.join('.') || 'body'}: ${issue.message}; send multipart "file" or JSON { title, text, source, format, collection }`);
    }
    const { title, text, source, format, collection } = parsed.data;
    return this.documents.ingest(
      { source: source ?? title, title, type: 'text', format, sections: [{ text }], bytes: Buffer.byteLength(text), collectionId: collection },
      correlationIdFrom(correlationId),
    );
  }
}
