import { createHash } from 'node:crypto';
import { chunkPointId } from './chunk-point-id';

describe('chunkPointId', () => {
  it('gives the same UUIDv5 for the same chunk id and different ones for different chunk ids', () => {
    const a = chunkPointId('kb:docs/x.md#3');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(chunkPointId('kb:docs/x.md#3')).toBe(a);
    expect(chunkPointId('kb:docs/x.md#4')).not.toBe(a);
    expect(chunkPointId('')).not.toBe(chunkPointId(' '));
  });

  it('is the SHA-1 of namespace and name with the version and variant bits set (UUIDv5)', () => {
    const digest = createHash('sha1').update(Buffer.from('6f3c1f4e9a5b4c7e8d21b0a4c3e5f7a9', 'hex')).update('é#1').digest('hex');
    const id = chunkPointId('é#1').replace(/-/g, '');
    expect(id.slice(0, 12)).toBe(digest.slice(0, 12));
    expect(id.slice(13, 16)).toBe(digest.slice(13, 16));
    expect(id.slice(18, 32)).toBe(digest.slice(18, 32));
  });
});
