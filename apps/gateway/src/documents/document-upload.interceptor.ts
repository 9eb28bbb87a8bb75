import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { RelayError } from '@relay/contracts';
import type { Request, Response } from 'express';
import multer from 'multer';
import { Observable } from 'rxjs';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';

/** The uploaded file as the controller gets it: in memory, at most MAX_DOCUMENT_BYTES. */
export interface UploadedDocument {
  name: string;
  bytes: Buffer;
}

export type RequestWithDocument = Request & { document?: UploadedDocument };

/**
 * Reads a multipart upload's one `file` field (and its text fields into the body) with multer, held in memory and
 * cut off at MAX_DOCUMENT_BYTES. Unlike Nest's FileInterceptor, a refusal names the file. Other bodies pass through.
 */
@Injectable()
export class DocumentUploadInterceptor implements NestInterceptor {
  private readonly upload: ReturnType<multer.Multer['single']>;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.upload = multer({
      storage: multer.memoryStorage(),
      limits: { fileSize: config.MAX_DOCUMENT_BYTES, files: 1, fields: 10, fieldSize: 64 * 1024 },
      fileFilter: (req, file, accept) => {
        // Remembered before the bytes stream in, so a refusal mid-file can still say which file.
        (req as Request & { uploadName?: string }).uploadName = file.originalname;
        accept(null, true);
      },
    }).single('file');
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<RequestWithDocument & { uploadName?: string }>();
    const res = context.switchToHttp().getResponse<Response>();
    if (!req.is('multipart/form-data')) return next.handle();
    await new Promise<void>((resolve, reject) =>
      this.upload(req, res, (err: unknown) => {
        if (!err) return resolve();
        const name = req.uploadName ?? 'the upload';
        if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE') {
          return reject(new RelayError('DOCUMENT_TOO_LARGE', `${name}: larger than the ${this.config.MAX_DOCUMENT_BYTES} bytes allowed (MAX_DOCUMENT_BYTES)`));
        }
        if (err instanceof multer.MulterError && err.code === 'LIMIT_UNEXPECTED_FILE') {
          return reject(new RelayError('INVALID_PAYLOAD', `send one file per request, in the form field "file" (got "${err.field}")`));
        }
        reject(new RelayError('INVALID_PAYLOAD', `${name}: the upload could not be read: ${(err as Error).message}`));
      }),
    );
    if (req.file) req.document = { name: Buffer.from(req.file.originalname, 'latin1').toString('utf8'), bytes: req.file.buffer };
    return next.handle();
  }
}
