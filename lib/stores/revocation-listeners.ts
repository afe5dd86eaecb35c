/**
 * The listeners of a store's `watchRevocations`, as the three stores keep them: `add` and
 * `delete` say when the first arrives and the last leaves (to open or close a push channel),
 * and `notify` calls each in turn, a listener that throws never stopping the others nor the
 * write that announced the revocation.
 */
export class RevocationListeners {
  private readonly listeners = new Set<() => void>();

  /** Adds `listener`; `true` when it is the first one. */
  add(listener: () => void): boolean {
    if (this.listeners.has(listener)) return false;
    this.listeners.add(listener);
    return this.listeners.size === 1;
  }

  /** Removes `listener`; `true` when it was the last one. */
  delete(listener: () => void): boolean {
    return this.listeners.delete(listener) && this.listeners.size === 0;
  }

  clear(): void {
    this.listeners.clear();
  }

  readonly notify = (): void => {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // a listener's failure is its own business
      }
    }
  };
}
