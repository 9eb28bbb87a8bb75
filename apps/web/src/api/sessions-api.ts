import type { HistoryMessage } from '@relay/contracts';
import { readJson, request } from './api-error';

/** The REST side of sessions (docs/protocol.md, "Sessions over REST"). */
export const sessionsApi = {
  async create(): Promise<{ sessionId: string; token: string }> {
    return readJson(await request('/api/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
  },

  async messages(sessionId: string, token: string): Promise<HistoryMessage[]> {
    const res = await request(`/api/sessions/${encodeURIComponent(sessionId)}/messages`, { headers: { authorization: `Bearer ${token}` } });
    return (await readJson<{ messages: HistoryMessage[] }>(res)).messages;
  },

  async delete(sessionId: string, token: string): Promise<void> {
    const res = await request(`/api/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    await readJson(res);
  },
};
