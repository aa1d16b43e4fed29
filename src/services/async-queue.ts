/**
 * An unbounded push/pull queue exposed as an async iterator. The producer never waits on the
 * consumer, and a consumer that leaves (return()) does not stop the producer: its items are
 * simply dropped. That is what lets a reply finish and be stored after its client disconnects.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: ((result: IteratorResult<T>) => void)[] = [];
  private readonly failing: ((error: unknown) => void)[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;

  push(item: T): void {
    if (this.closed) return;
    const resolve = this.waiting.shift();
    this.failing.shift();
    if (resolve) resolve({ value: item, done: false });
    else this.items.push(item);
  }

  /** Ends the stream after the queued items; with an error, the consumer receives it last. */
  end(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    if (error !== undefined) this.failure = { error };
    while (this.waiting.length) {
      const resolve = this.waiting.shift()!;
      const reject = this.failing.shift()!;
      if (this.failure) {
        reject(this.failure.error);
        this.failure = undefined;
      } else {
        resolve({ value: undefined, done: true });
      }
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      return Promise.reject(error);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      this.failing.push(reject);
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
