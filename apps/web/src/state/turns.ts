import type { Exchange } from './exchange';

/**
 * What the page lists: a question with every answer it got. "Regenerate" asks the same question again, so
 * adjacent exchanges with the same question are versions of one turn (the newest shown first), in the live page
 * and after a reload alike.
 */
export interface Turn {
  key: string;
  versions: Exchange[];
}

export function turnsOf(exchanges: Exchange[]): Turn[] {
  const turns: Turn[] = [];
  for (const exchange of exchanges) {
    const last = turns[turns.length - 1];
    const previous = last?.versions[last.versions.length - 1];
    if (previous?.question && exchange.question && previous.question.text === exchange.question.text) {
      last.versions.push(exchange);
    } else {
      turns.push({ key: exchange.key, versions: [exchange] });
    }
  }
  return turns;
}
