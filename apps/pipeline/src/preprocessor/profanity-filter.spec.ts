import { ProfanityFilter } from './profanity-filter';

describe('ProfanityFilter', () => {
  it.each(['mask', 'reject'] as const)('leaves clean text untouched under the %s policy', (policy) => {
    const text = 'How do I configure the classic assessment pipeline in Scunthorpe?';
    expect(new ProfanityFilter(policy).apply(text)).toEqual({ action: 'none', text });
  });

  it('masks profanity with asterisks and keeps the rest of the text', () => {
    const verdict = new ProfanityFilter('mask').apply('you are a shit');
    expect(verdict.action).toBe('masked');
    if (verdict.action !== 'masked') return;
    expect(verdict.text).not.toMatch(/shit/i);
    expect(verdict.text).toBe('you are a ****');
  });

  it('masks every profane word, whatever its case', () => {
    const verdict = new ProfanityFilter('mask').apply('Shit, this is SHIT');
    expect(verdict).toMatchObject({ action: 'masked' });
    if (verdict.action !== 'masked') return;
    expect(verdict.text).not.toMatch(/shit/i);
    expect(verdict.text).toContain('this is');
    expect(verdict.text.match(/\*{4}/g)).toHaveLength(2);
  });

  it('rejects profanity under the reject policy without returning the text', () => {
    expect(new ProfanityFilter('reject').apply('you are a shit')).toEqual({ action: 'rejected' });
  });
});
