/** What `RevocationListener` needs of a pg `Client`. */
export interface ListenConnection {
  on(event: string, listener: (message: { channel: string }) => void): unknown;
  removeAllListeners(event: string): unknown;
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<unknown>;
}

/**
 * One `LISTEN` connection kept open while someone listens: it reconnects with a backoff
 * (100 ms doubling to 2 s) and, once back from an outage, calls `notify` at once so that
 * listeners catch up with what they missed.
 */
export class RevocationListener {
  private connection?: ListenConnection;
  private timer?: NodeJS.Timeout;
  private generation = 0;

  constructor(
    private readonly open: () => Promise<ListenConnection>,
    /** `LISTEN` statement, with the channel quoted. */
    private readonly listenStatement: string,
    private readonly channel: string,
    private readonly notify: () => void,
  ) {}

  start(): void {
    void this.run(++this.generation, 0);
  }

  stop(): void {
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
    const connection = this.connection;
    this.connection = undefined;
    if (connection) {
      connection.removeAllListeners('end');
      connection.removeAllListeners('error');
      connection.on('error', () => undefined);
      connection.end().catch(() => undefined);
    }
  }

  private async run(generation: number, attempt: number): Promise<void> {
    const current = (): boolean => generation === this.generation;
    const again = (): void => {
      if (!current()) return;
      this.timer = setTimeout(
        () => void this.run(generation, attempt + 1),
        Math.min(100 * 2 ** attempt, 2000),
      );
      this.timer.unref();
    };
    let connection: ListenConnection;
    try {
      connection = await this.open();
    } catch {
      return again();
    }
    if (!current()) {
      connection.end().catch(() => undefined);
      return;
    }
    this.connection = connection;
    let failed = false;
    const fail = (): void => {
      if (failed) return;
      failed = true;
      connection.end().catch(() => undefined);
      if (this.connection === connection) this.connection = undefined;
      again();
    };
    connection.on('error', fail);
    connection.on('end', fail);
    connection.on('notification', (message) => {
      if (message.channel === this.channel) this.notify();
    });
    try {
      await connection.connect();
      await connection.query(this.listenStatement);
      if (!current()) return;
      if (attempt > 0) this.notify();
      attempt = 0;
    } catch {
      fail();
    }
  }
}
