import { createHash } from 'node:crypto';

/** Fixed namespace of Relay's chunk point ids (a random UUID, chosen once: changing it orphans every stored point). */
const RELAY_CHUNK_NAMESPACE = Buffer.from('6f3c1f4e9a5b4c7e8d21b0a4c3e5f7a9', 'hex');

/**
 * Qdrant point ids must be unsigned integers or UUIDs, and chunk ids are strings like `kb:docs/x.md#3`: the point id
 * is a UUIDv5 (RFC 9562: SHA-1 of namespace + name) of the chunk id, so re-upserting a chunk hits the same point
 * from any replica without a lookup. The chunk id itself stays in the payload.
 */
export function chunkPointId(chunkId: string): string {
  const hash = createHash('sha1').update(RELAY_CHUNK_NAMESPACE).update(chunkId, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
