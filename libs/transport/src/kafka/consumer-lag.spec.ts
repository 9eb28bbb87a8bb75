import type { Admin } from 'kafkajs';
import { ConsumerLagReader } from './consumer-lag';

/** An admin API over fixed offsets: topic → partition → end offset; group → topic → partition → committed offset. */
function fakeAdmin(ends: Record<string, number[]>, committed: Record<string, Record<string, number[]>>) {
  const calls = { listGroups: 0 };
  const admin = {
    listGroups: async () => {
      calls.listGroups++;
      return { groups: Object.keys(committed).map((groupId) => ({ groupId, protocolType: 'consumer' })) };
    },
    fetchOffsets: async ({ groupId }: { groupId: string }) =>
      Object.entries(committed[groupId]).map(([topic, offsets]) => ({ topic, partitions: offsets.map((offset, partition) => ({ partition, offset: String(offset) })) })),
    fetchTopicOffsets: async (topic: string) => ends[topic].map((high, partition) => ({ partition, offset: String(high), high: String(high), low: '0' })),
  } as unknown as Admin;
  return { admin, calls };
}

describe('ConsumerLagReader', () => {
  it("reports each shared group's lag per topic and partition, all of a partition with nothing committed", async () => {
    const { admin } = fakeAdmin(
      { 'chat.prompts': [10, 5] },
      { 'relay-llm-worker': { 'chat.prompts': [4, -1] }, 'relay-gateway-1a2b3c4d': { 'chat.prompts': [0, 0] },
        // A resume's read back of chat.responses, alive for a moment and committing nothing: not a stage.
        'relay-log-reader-0f8e2c1a-5b7d-4e3f-9a1b-2c3d4e5f6a7b': { 'chat.prompts': [-1, -1] },
        'someone-else': { 'chat.prompts': [0, 0] } },
    );
    const samples = await new ConsumerLagReader(async () => admin, 'relay').read();
    expect(samples).toEqual([
      [{ group: 'relay-llm-worker', topic: 'chat.prompts', partition: '0' }, 6],
      [{ group: 'relay-llm-worker', topic: 'chat.prompts', partition: '1' }, 5],
    ]);
  });

  it('reuses a reading for a few seconds, so frequent scrapes do not load the broker', async () => {
    const { admin, calls } = fakeAdmin({ t: [1] }, { 'relay-s': { t: [0] } });
    const reader = new ConsumerLagReader(async () => admin, 'relay');
    await reader.read();
    await reader.read();
    expect(calls.listGroups).toBe(1);
  });
});
