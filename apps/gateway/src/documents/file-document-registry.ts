import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DEFAULT_COLLECTION_ID } from '@relay/contracts';
import { type DocumentRecord, type DocumentRegistry, isHidden } from './document-registry.port';

/**
 * The uploaded documents, kept in one JSON file under DATA_DIR and rewritten whole on every change (write to a
 * temporary file, then rename), so a crash never leaves it torn. Writes are serialised. One gateway process only:
 * it reads the file once and keeps the list in memory (several replicas share the Postgres adapter instead).
 */
export class FileDocumentRegistry implements DocumentRegistry {
  private readonly docs = new Map<string, DocumentRecord>();
  private loaded?: Promise<void>;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async list(): Promise<DocumentRecord[]> {
    await this.load();
    return [...this.docs.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.documentId.localeCompare(b.documentId));
  }

  async get(documentId: string): Promise<DocumentRecord | undefined> {
    await this.load();
    return this.docs.get(documentId);
  }

  /** Saves the record (replacing any with its id) and returns it. */
  async put(record: DocumentRecord): Promise<DocumentRecord> {
    await this.load();
    this.docs.set(record.documentId, record);
    await this.persist();
    return record;
  }

  async remove(documentId: string): Promise<boolean> {
    await this.load();
    const had = this.docs.delete(documentId);
    if (had) await this.persist();
    return had;
  }

  async collectionIds(): Promise<string[]> {
    await this.load();
    return [...new Set([...this.docs.values()].map((d) => d.collectionId))];
  }

  async hiddenDocumentIds(): Promise<string[]> {
    await this.load();
    return [...this.docs.values()].filter(isHidden).map((d) => d.documentId);
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      if (!existsSync(this.path)) return;
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as { documents: Array<Omit<DocumentRecord, 'collectionId'> & { collectionId?: string }> };
      // Records written before collections existed have none: their documents are `default`'s.
      for (const doc of parsed.documents) this.docs.set(doc.documentId, { ...doc, collectionId: doc.collectionId ?? DEFAULT_COLLECTION_ID });
    })();
    return this.loaded;
  }

  private persist(): Promise<void> {
    const snapshot = JSON.stringify({ documents: [...this.docs.values()] }, null, 2);
    // Chained after the previous write whatever became of it: one failed write must not block every later one.
    const write = this.writing.catch(() => undefined).then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(`${this.path}.tmp`, snapshot);
      await rename(`${this.path}.tmp`, this.path);
    });
    this.writing = write;
    return write;
  }
}
