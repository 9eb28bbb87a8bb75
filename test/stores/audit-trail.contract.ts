import { AuditRetention, auditQuerySchema, type AuditTrail, InvalidAuditCursor } from '@relay/audit-trail';

/** One contract for every AUDIT_TRAIL adapter: the file under DATA_DIR and the shared PostgreSQL table. */
export interface AuditTrailContractOptions<P> {
  /** A new, empty place for a trail (a folder, a database). */
  newPlace(): Promise<P>;
  open(place: P): Promise<AuditTrail>;
  close(trail: AuditTrail): Promise<void>;
  /** Whether two trails opened on one place (two gateway replicas) see each other's entries. */
  shared: boolean;
}

const q = (params: Record<string, string> = {}) => auditQuerySchema.parse(params);
const tick = () => new Promise((r) => setTimeout(r, 5));

export function auditTrailContract<P>(options: AuditTrailContractOptions<P>): void {
  const opened: AuditTrail[] = [];
  const open = async (place?: P) => {
    const trail = await options.open(place ?? (await options.newPlace()));
    opened.push(trail);
    return trail;
  };
  afterEach(async () => {
    for (const trail of opened.splice(0)) await options.close(trail);
  });

  it('keeps every field of an interaction and an access entry, and reads them back as recorded', async () => {
    const trail = await open();
    const interaction = {
      kind: 'interaction' as const,
      userId: 'ann',
      sessionId: 's1',
      messageId: 'm1',
      correlationId: 'c1',
      outcome: 'answered',
      moderation: 'masked' as const,
      finishReason: 'stop',
      completionTokens: 42,
      citedDocuments: ['doc-a', 'doc-b'],
      totalMs: 1234,
      // Only with AUDIT_MESSAGE_TEXT=true; kept as given (a NUL becomes U+FFFD in PostgreSQL, so none here).
      text: 'What is Relay? "Quoted", ünïcode',
    };
    const access = { kind: 'access' as const, event: 'sign-in', outcome: 'refused' as const, code: 'UNAUTHORIZED', reason: 'unknown-user', client: '10.0.0.1', target: 'POST /api/auth/login' };
    trail.record(interaction);
    trail.record(access);
    expect(await trail.flush()).toBe(true);
    const { entries, nextCursor } = await trail.query(q());
    expect(entries).toEqual([
      { ...interaction, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) },
      { ...access, at: expect.any(String) },
    ]);
    expect(nextCursor).toBeNull();
    expect(await trail.tail(1)).toEqual([expect.objectContaining({ event: 'sign-in' })]);
  });

  it('filters by user, session, kind, outcome and time range', async () => {
    const trail = await open();
    trail.record({ kind: 'interaction', userId: 'ann', sessionId: 's1', messageId: 'm1', correlationId: 'c1', outcome: 'answered' });
    trail.record({ kind: 'interaction', userId: 'bo', sessionId: 's2', messageId: 'm2', correlationId: 'c2', outcome: 'expired' });
    await trail.flush();
    await tick();
    const between = new Date().toISOString();
    await tick();
    trail.record({ kind: 'interaction', userId: 'ann', sessionId: 's3', messageId: 'm3', correlationId: 'c3', outcome: 'error:GENERATION_FAILED' });
    trail.record({ kind: 'access', event: 'sign-out', outcome: 'allowed', userId: 'ann' });
    await trail.flush();
    const ids = async (params: Record<string, string>) => (await trail.query(q(params))).entries.map((e) => ('messageId' in e ? e.messageId : e.kind));
    expect(await ids({ user: 'ann' })).toEqual(['m1', 'm3', 'access']);
    expect(await ids({ user: 'ann', kind: 'interaction' })).toEqual(['m1', 'm3']);
    expect(await ids({ session: 's2' })).toEqual(['m2']);
    expect(await ids({ outcome: 'expired' })).toEqual(['m2']);
    expect(await ids({ outcome: 'allowed' })).toEqual(['access']);
    expect(await ids({ from: between })).toEqual(['m3', 'access']);
    expect(await ids({ to: between })).toEqual(['m1', 'm2']);
    expect(await ids({ user: 'nobody' })).toEqual([]);
  });

  it('pages by cursor without skipping or repeating while new entries arrive, and by offset', async () => {
    const trail = await open();
    for (let i = 0; i < 7; i++) trail.record({ kind: 'access', event: `e${i}`, outcome: 'allowed' });
    await trail.flush();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await trail.query(q({ kind: 'access', limit: '3', ...(cursor ? { cursor } : {}) }));
      seen.push(...page.entries.map((e) => (e as { event: string }).event));
      cursor = page.nextCursor;
      if (pages++ === 0) trail.record({ kind: 'access', event: 'late', outcome: 'allowed' });
    } while (cursor);
    expect(seen).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'late']);
    expect((await trail.query(q({ kind: 'access', limit: '2', offset: '6' }))).entries.map((e) => (e as { event: string }).event)).toEqual(['e6', 'late']);
    await expect(trail.query(q({ cursor: 'bm90LWEtY3Vyc29y' }))).rejects.toBeInstanceOf(InvalidAuditCursor);
  });

  it('prunes what is older than the cutoff (AUDIT_RETENTION_DAYS) and counts it, keeping the rest', async () => {
    const trail = await open();
    trail.record({ kind: 'access', event: 'old-1', outcome: 'allowed' });
    trail.record({ kind: 'access', event: 'old-2', outcome: 'allowed' });
    await trail.flush();
    await tick();
    const cutoff = new Date();
    await tick();
    trail.record({ kind: 'access', event: 'new', outcome: 'allowed' });
    await trail.flush();
    expect(await trail.prune(new Date(0))).toBe(0);
    // One day of retention, seen from a day after the cutoff.
    const retention = new AuditRetention(trail, 1, () => cutoff.getTime() + 24 * 60 * 60 * 1000);
    expect(await retention.prune()).toBe(2);
    expect((await trail.query(q())).entries.map((e) => (e as { event: string }).event)).toEqual(['new']);
    // 0 keeps everything.
    expect(await new AuditRetention(trail, 0).prune()).toBe(0);
    expect((await trail.tail(10)).length).toBe(1);
  });

  if (options.shared) {
    it('gives every replica the same answer, whichever wrote the entries', async () => {
      const place = await options.newPlace();
      const [a, b] = [await open(place), await open(place)];
      a.record({ kind: 'access', event: 'on-a', outcome: 'allowed' });
      await a.flush();
      b.record({ kind: 'access', event: 'on-b', outcome: 'allowed' });
      await b.flush();
      const onA = await a.query(q());
      expect(onA.entries.map((e) => (e as { event: string }).event)).toEqual(['on-a', 'on-b']);
      expect(await b.query(q())).toEqual(onA);
    });
  }
}
