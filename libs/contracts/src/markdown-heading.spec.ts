import { firstMarkdownTitle, isFence, MAX_HEADING_CHARS, markdownHeading } from './markdown-heading';

describe('markdownHeading', () => {
  it.each([
    ['# Title', 1, 'Title'],
    ['### Deep  ', 3, 'Deep'],
    ['## Closed ##', 2, 'Closed'],
    ['#   spaced   words  #   ', 1, 'spaced   words'],
    ['# C#', 1, 'C#'],
    ['#', 1, ''],
    ['# ', 1, ''],
    ['## ##', 2, ''],
    ['#\tTabbed', 1, 'Tabbed'],
  ])('reads %j as level %i with text %j', (line, level, text) => {
    expect(markdownHeading(line)).toEqual({ level, text });
  });

  it.each(['#NoSpace', '####### seven', 'text # not', ' # indented', ''])('does not take %j for a heading', (line) => {
    expect(markdownHeading(line)).toBeUndefined();
  });

  it('keeps at most MAX_HEADING_CHARS of a long heading', () => {
    expect(markdownHeading(`# ${'w'.repeat(10_000)}`)!.text).toHaveLength(MAX_HEADING_CHARS);
  });
});

describe('firstMarkdownTitle', () => {
  it('takes the first H1 outside code fences', () => {
    expect(firstMarkdownTitle('intro\n```\n# not this\n```\n## Sub\n# The Title #\n# Later')).toBe('The Title');
    expect(firstMarkdownTitle('no heading here\r\n## only h2')).toBeUndefined();
  });

  it('recognises fences after indentation', () => {
    expect(isFence('   ```ts')).toBe(true);
    expect(isFence('~~~')).toBe(true);
    expect(isFence('`` not')).toBe(false);
  });
});
