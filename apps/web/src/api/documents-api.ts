// The one file, not the package index: the index would bring zod and every schema into the page's bundle.
import { SAME_ORIGIN_HEADER } from '../../../../libs/contracts/src/http-headers';
import { ApiError, readJson, request } from './api-error';
import { csrfHeaders } from './auth-api';

/** A knowledge-base document as GET /api/documents lists it. */
export interface DocumentInfo {
  documentId: string;
  title: string;
  source: string;
  type: string;
  status: 'indexing' | 'indexed' | 'failed' | 'deleting';
  chunks: number;
  bytes: number;
  updatedAt: string;
  error?: string;
}

export interface UploadResult {
  document: DocumentInfo;
  unchanged: boolean;
}

/**
 * Headers of every write: the documents token when the user gave one, and always X-Relay-Request, which tells the
 * gateway the write comes from its own page (another site's page cannot send it without a CORS preflight).
 */
// Signed in: the cookie and its CSRF token are the credential, never the documents token.
const writeHeaders = (token: string): Record<string, string> => {
  const csrf = csrfHeaders();
  return { [SAME_ORIGIN_HEADER]: '1', ...csrf, ...(token && !Object.keys(csrf).length ? { authorization: `Bearer ${token}` } : {}) };
};

/** The REST side of documents (docs/protocol.md, "Documents over REST"). */
export const documentsApi = {
  async list(): Promise<DocumentInfo[]> {
    return (await readJson<{ documents: DocumentInfo[] }>(await request('/api/documents'))).documents;
  },

  async delete(documentId: string, token: string): Promise<void> {
    await readJson(await request(`/api/documents/${encodeURIComponent(documentId)}`, { method: 'DELETE', headers: writeHeaders(token) }));
  },

  /** Multipart upload; XMLHttpRequest because fetch cannot report upload progress. */
  upload(file: File, token: string, onProgress: (fraction: number) => void): Promise<UploadResult> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/documents');
      for (const [name, value] of Object.entries(writeHeaders(token))) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onerror = () => reject(new ApiError('NETWORK', `${file.name}: Relay cannot be reached.`));
      xhr.onload = () => {
        let body: { error?: { code: string; message: string } } & Partial<UploadResult> = {};
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          // Not JSON (a proxy's error page): reported below by status.
        }
        if (xhr.status >= 200 && xhr.status < 300 && body.document) return resolve(body as UploadResult);
        reject(new ApiError(body.error?.code ?? `HTTP_${xhr.status}`, body.error?.message ?? `${file.name}: the server answered ${xhr.status}.`, xhr.status));
      };
      const form = new FormData();
      form.append('file', file);
      xhr.send(form);
    });
  },
};
