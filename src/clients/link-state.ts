/** A connection state that listeners can follow (the header's connecting / connected / retrying). */
import type { LinkState } from './types.js';

export class LinkStateCell {
  private value: LinkState;
  private readonly listeners = new Set<(state: LinkState) => void>();

  constructor(initial: LinkState = { status: 'connecting' }) {
    this.value = initial;
  }

  get(): LinkState {
    return this.value;
  }

  set(state: LinkState): void {
    if (state.status === this.value.status && state.reason === this.value.reason) return;
    this.value = state;
    for (const listener of [...this.listeners]) listener(state);
  }

  subscribe(listener: (state: LinkState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
