import { describe, expect, it } from 'vitest';
import { clause, sentence, sentences } from './text.ts';

describe('sentences', () => {
  it('ends each sentence once', () => {
    expect(sentences('A pg_dump first.', 'It may migrate', '', null)).toBe('A pg_dump first. It may migrate.');
    expect(sentence('Really?')).toBe('Really?');
    expect(clause('None: no outage..')).toBe('None: no outage');
  });
});
