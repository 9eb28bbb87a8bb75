import { useEffect, useState } from 'preact/hooks';

/** Re-renders the component whenever the store (anything with get/subscribe) changes. */
export function useStore<T>(store: { get(): T; subscribe(listener: () => void): () => void }): T {
  const [, setTick] = useState(0);
  useEffect(() => store.subscribe(() => setTick((t) => t + 1)), [store]);
  return store.get();
}
