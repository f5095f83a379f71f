/**
 * How many WebSocket connections are open, in total and per principal (an account, or a client
 * address for connections without a token), so that one account or one address cannot hold
 * every socket the server can afford.
 */
export class ConnectionCounts {
  #total = 0;
  readonly #byPrincipal = new Map<string, number>();

  constructor(
    readonly maxTotal: number,
    readonly maxPerPrincipal: number,
  ) {}

  get total(): number {
    return this.#total;
  }

  /** Counts a new socket in, or says no when the total is reached. Pair with `leave()`. */
  enter(): boolean {
    if (this.#total >= this.maxTotal) return false;
    this.#total += 1;
    return true;
  }

  leave(): void {
    this.#total -= 1;
  }

  /** Claims a place for `principal`, or says no when it holds its share. Pair with `release()`. */
  claim(principal: string): boolean {
    const held = this.#byPrincipal.get(principal) ?? 0;
    if (held >= this.maxPerPrincipal) return false;
    this.#byPrincipal.set(principal, held + 1);
    return true;
  }

  release(principal: string): void {
    const held = (this.#byPrincipal.get(principal) ?? 1) - 1;
    if (held <= 0) this.#byPrincipal.delete(principal);
    else this.#byPrincipal.set(principal, held);
  }
}
