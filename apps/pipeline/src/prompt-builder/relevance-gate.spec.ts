import { RelevanceGate } from './relevance-gate';

describe('RelevanceGate', () => {
  const gate = new RelevanceGate({ minScore: 0.3, minCoverage: 0.5 });

  it('lets the model answer when the best chunk is similar enough and the best passage covers the question', () => {
    expect(gate.judge([{ score: 0.25, coverage: 0.9 }, { score: 0.45, coverage: 0.2 }])).toEqual({ bestScore: 0.45, bestCoverage: 0.9, relevant: true });
  });

  it('is not relevant below either threshold, each judged on its best candidate', () => {
    expect(gate.judge([{ score: 0.29, coverage: 1 }]).relevant).toBe(false);
    expect(gate.judge([{ score: 0.8, coverage: 0.49 }, { score: 0.7, coverage: 0.1 }]).relevant).toBe(false);
  });

  it('counts a value equal to the threshold as enough', () => {
    expect(gate.judge([{ score: 0.3, coverage: 0.5 }]).relevant).toBe(true);
  });

  it('is not relevant when nothing was retrieved, and says there is no best', () => {
    expect(gate.judge([])).toEqual({ bestScore: null, bestCoverage: null, relevant: false });
  });
});
