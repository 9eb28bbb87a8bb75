import { RelevanceGate } from './relevance-gate';

describe('RelevanceGate', () => {
  const gate = new RelevanceGate({ minScore: 0.3, minCoverage: 0.5 });

  it('lets the model answer when the best chunk is similar enough and the passages cover the question', () => {
    expect(gate.judge([0.25, 0.45], 0.9)).toEqual({ bestScore: 0.45, coverage: 0.9, relevant: true });
  });

  it('is not relevant below either threshold', () => {
    expect(gate.judge([0.29, 0.1], 1).relevant).toBe(false);
    expect(gate.judge([0.8], 0.49).relevant).toBe(false);
  });

  it('counts a value equal to the threshold as enough', () => {
    expect(gate.judge([0.3], 0.5).relevant).toBe(true);
  });

  it('is not relevant when nothing was retrieved, and says there is no best score', () => {
    expect(gate.judge([], 0)).toEqual({ bestScore: null, coverage: 0, relevant: false });
  });
});
