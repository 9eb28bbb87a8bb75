// Ways a model says the sources do not hold the answer. Checked per sentence, on lower-cased text.
const DECLINES: RegExp[] = [
  /\b(?:i|we)\s+(?:do\s+not|don't|don’t|cannot|can't|can’t|could\s+not|couldn't|couldn’t|am\s+unable\s+to|was\s+unable\s+to)\s+(?:know|find|answer|determine|tell|say|provide|see)\b/,
  /\b(?:sources?|documents?|text|context|information|excerpts?|passages?|manual|handbook|policy|guide)\s+(?:provided\s+)?(?:does|do|did)\s+not\s+(?:contain|mention|say|specify|provide|include|state|give|cover|list|describe|indicate|address|have)\b/,
  /\b(?:sources?|documents?|text|context|information|excerpts?|passages?|manual|handbook|policy|guide)\s+(?:provided\s+)?(?:doesn't|doesn’t|don't|don’t|didn't)\s+(?:contain|mention|say|specify|provide|include|state|give|cover|list|describe|indicate|address|have)\b/,
  /\bnot\s+(?:mentioned|provided|specified|stated|given|included|listed|available|found|covered|described|indicated|addressed)\s+in\s+(?:the|your|any\s+of\s+the)\s+(?:sources?|documents?|text|context|information|excerpts?|passages?)\b/,
  // Single spaces (isDecline collapses whitespace): the \s+ form was too complex for the backtracking check to clear.
  /\b(?:no|not enough|insufficient) (?:specific |relevant )?information\b/,
  /\bthere\s+is\s+no\s+(?:mention|information|data|indication)\b/,
  /\bnot\s+in\s+(?:the|your)\s+(?:sources?|documents?)\b/,
  /\bunable\s+to\s+(?:find|determine|answer)\b/,
  /\bcannot\s+be\s+(?:determined|found|answered)\b/,
];

/** True when the sentence says the sources (or the model) do not have the answer, rather than giving one. */
export function isDecline(sentence: string): boolean {
  const text = sentence.toLowerCase().replace(/\s+/g, ' ');
  return DECLINES.some((pattern) => pattern.test(text));
}
