import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/api-error';
import { type DocumentInfo, documentsApi } from '../api/documents-api';
import { newId } from '../state/ids';
import { Panel } from './panel';

interface Upload {
  id: string;
  name: string;
  progress: number;
  state: 'uploading' | 'indexing' | 'done' | 'error';
  message: string;
}

const TOKEN_KEY = 'relay.documentsToken';
const ACCEPT = '.txt,.md,.markdown,.html,.htm,.pdf';

/** The knowledge base: upload by drag and drop or picker (progress and an error per file), list and delete. */
export function DocumentsPanel({ onClose }: { onClose(): void }) {
  const [documents, setDocuments] = useState<DocumentInfo[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);
  const [token, setToken] = useState(() => localStorage.getItem(TOKEN_KEY) ?? '');
  const [needsToken, setNeedsToken] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const refresh = async () => {
    try {
      setDocuments(await documentsApi.list());
      setListError(null);
    } catch (err) {
      setListError(err instanceof Error ? err.message : String(err));
    }
  };
  useEffect(() => {
    heading.current?.focus();
    void refresh();
  }, []);

  const patch = (id: string, fields: Partial<Upload>) => setUploads((list) => list.map((u) => (u.id === id ? { ...u, ...fields } : u)));

  const upload = async (file: File) => {
    const id = newId();
    setUploads((list) => [{ id, name: file.name, progress: 0, state: 'uploading', message: 'Uploading…' }, ...list]);
    try {
      const result = await documentsApi.upload(file, token, (fraction) =>
        patch(id, fraction < 1 ? { progress: fraction } : { progress: 1, state: 'indexing', message: 'Indexing…' }),
      );
      const { document } = result;
      const message = result.unchanged
        ? 'Already indexed, unchanged.'
        : document.status === 'indexing'
          ? 'Still indexing; it will appear below when done.'
          : `Indexed: ${document.chunks} passages.`;
      patch(id, { progress: 1, state: 'done', message });
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('NETWORK', String(err));
      if (e.status === 401 || e.status === 403) setNeedsToken(true);
      patch(id, { state: 'error', message: e.message });
    }
    await refresh();
  };

  const uploadAll = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) void upload(file);
  };

  const remove = async (doc: DocumentInfo) => {
    if (!confirm(`Delete “${doc.title}” from the knowledge base?`)) return;
    try {
      await documentsApi.delete(doc.documentId, token);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('NETWORK', String(err));
      if (e.status === 401 || e.status === 403) setNeedsToken(true);
      setListError(`${doc.title}: ${e.message}`);
    }
    await refresh();
  };

  return (
    <Panel title="Documents" id="documents" headingRef={heading} onClose={onClose}>
      <div
        class={`dropzone${dragging ? ' dragging' : ''}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          uploadAll(e.dataTransfer?.files ?? null);
        }}
      >
        <p>Drop .txt, .md, .html or .pdf files here</p>
        <button type="button" class="button" onClick={() => picker.current?.click()}>
          Choose files…
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          accept={ACCEPT}
          class="sr-only"
          tabIndex={-1}
          aria-label="Upload documents"
          data-testid="file-input"
          onChange={(e) => {
            uploadAll(e.currentTarget.files);
            e.currentTarget.value = '';
          }}
        />
      </div>
      {needsToken ? (
        <label class="token-field">
          Documents token (this server requires one to upload or delete)
          <input
            type="password"
            value={token}
            autoComplete="off"
            onInput={(e) => {
              setToken(e.currentTarget.value);
              localStorage.setItem(TOKEN_KEY, e.currentTarget.value);
            }}
          />
        </label>
      ) : null}
      {uploads.length > 0 ? (
        <ul class="uploads" aria-label="Uploads" aria-live="polite">
          {uploads.map((u) => (
            <li key={u.id} class={`upload upload-${u.state}`} data-testid="upload" data-state={u.state}>
              <span class="upload-name">{u.name}</span>
              {u.state === 'uploading' || u.state === 'indexing' ? (
                <progress max={1} value={u.state === 'indexing' ? undefined : u.progress} aria-label={`${u.name}: ${u.message}`} />
              ) : null}
              <span class="upload-message" role={u.state === 'error' ? 'alert' : undefined}>
                {u.message}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <h3>In the knowledge base</h3>
      {listError ? (
        <p class="error" role="alert">
          {listError}
        </p>
      ) : null}
      {documents === null ? (
        <p class="muted">Loading…</p>
      ) : documents.length === 0 ? (
        <p class="muted">No uploaded documents yet. The sample knowledge base is always searched.</p>
      ) : (
        <ul class="document-list">
          {documents.map((d) => (
            <li key={d.documentId} class="document" data-testid="document">
              <div>
                <div class="document-title">{d.title}</div>
                <div class="muted small">
                  {d.source} · {d.type.toUpperCase()} · {d.status === 'indexed' ? `${d.chunks} passages` : d.status}
                  {d.error ? ` · ${d.error}` : ''}
                </div>
              </div>
              <button type="button" class="link-button danger" aria-label={`Delete ${d.title}`} onClick={() => void remove(d)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}
