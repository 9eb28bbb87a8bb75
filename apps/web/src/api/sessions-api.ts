import type { HistoryMessage } from '@relay/contracts';
import { readJson, request } from './api-error';
import { csrfHeaders } from './auth-api';

/** A chat as the server lists it for the signed-in user. */
export interface SessionSummary {
  sessionId: string;
  title?: string;
  createdAt: string;
  updatedAt: string;
}

/** Without sign-in a chat is opened by its token; with sign-in by the cookie (token ''), plus the CSRF token on writes. */
const auth = (token: string, write = false): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : write ? csrfHeaders() : {});

/** The REST side of sessions (docs/protocol.md, "Sessions over REST"). */
export const sessionsApi = {
  async create(): Promise<{ sessionId: string; token?: string }> {
    return readJson(await request('/api/sessions', { method: 'POST', headers: { 'content-type': 'application/json', ...csrfHeaders() }, body: '{}' }));
  },

  /** The signed-in user's chats, on any device. */
  async list(): Promise<SessionSummary[]> {
    return (await readJson<{ sessions: SessionSummary[] }>(await request('/api/sessions'))).sessions;
  },

  async messages(sessionId: string, token: string): Promise<HistoryMessage[]> {
    const res = await request(`/api/sessions/${encodeURIComponent(sessionId)}/messages`, { headers: auth(token) });
    return (await readJson<{ messages: HistoryMessage[] }>(res)).messages;
  },

  async rename(sessionId: string, token: string, title: string): Promise<void> {
    const res = await request(`/api/sessions/${encodeURIComponent(sessionId)}`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...auth(token, true) }, body: JSON.stringify({ title }) });
    await readJson(res);
  },

  async delete(sessionId: string, token: string): Promise<void> {
    const res = await request(`/api/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE', headers: auth(token, true) });
    await readJson(res);
  },
};
