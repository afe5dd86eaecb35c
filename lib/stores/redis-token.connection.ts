import { Logger } from '@nestjs/common';
import type { Redis, RedisOptions } from 'ioredis';

/** Reconnect quickly (50 ms, growing to 500 ms), forever. */
function reconnectDelay(attempt: number): number {
  return Math.min(50 * attempt, 500);
}

/** Options of a connection the store opens itself: fail fast, reconnect quickly. */
export function failFastOptions(commandTimeout: number): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout,
    connectTimeout: Math.max(commandTimeout, 1000),
    disconnectTimeout: 200,
    retryStrategy: reconnectDelay,
  };
}

/**
 * The store's connections: the command one (given by the user, or opened on first use by
 * `open`) and a subscriber made with `duplicate()`. Commands run only while the connection is
 * up and are bounded by `commandTimeout`; nothing is ever queued while Redis is away, since a
 * queued rotation replayed later could retire a refresh token whose caller already got a 503.
 * Only types come from ioredis here: the store loads the package.
 */
export class RedisConnection {
  private readonly logger = new Logger('RedisTokenStore');
  private client?: Redis;
  private opening?: Promise<Redis>;
  private subscriber?: Redis;
  private closed = false;

  constructor(
    client: Redis | undefined,
    private readonly open: () => Promise<Redis>,
    private readonly commandTimeout: number,
  ) {
    this.client = client;
  }

  /** The command connection, opened on first use when the store owns it. */
  connection(): Promise<Redis> {
    if (this.client) return Promise.resolve(this.client);
    this.opening ??= this.open().then((client) => {
      this.reportErrors(client, 'Redis');
      this.client = client;
      if (this.closed) client.disconnect();
      return client;
    });
    return this.opening;
  }

  /** Runs one operation when the connection is up, bounded by `commandTimeout`. */
  async call<T>(operation: (client: Redis) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('RedisTokenStore is closed');
    const client = this.client ?? (await this.connection());
    if (client.status !== 'ready') await this.whenReady(client);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${this.commandTimeout} ms`)),
        this.commandTimeout,
      );
    });
    try {
      return await Promise.race([operation(client), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Subscribes to `channel` on a dedicated connection that waits for Redis and resubscribes by
   * itself; `onMessage` also runs once after each reconnection, to catch up.
   */
  async subscribe(channel: string, onMessage: () => void): Promise<void> {
    const client = await this.connection();
    if (this.subscriber || this.closed) return;
    const subscriber = client.duplicate({
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
      disconnectTimeout: 200,
      retryStrategy: reconnectDelay,
    });
    this.subscriber = subscriber;
    this.reportErrors(subscriber, 'Redis subscriber');
    let connected = false;
    subscriber.on('message', (from: string) => {
      if (from === channel) onMessage();
    });
    subscriber.on('ready', () => {
      if (connected) onMessage();
      connected = true;
    });
    subscriber.subscribe(channel).catch(() => undefined);
  }

  unsubscribe(): void {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    subscriber?.disconnect();
  }

  /** Closes the subscriber and, if `owned`, the command connection (QUIT when possible). */
  async close(owned: boolean): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    if (!owned) return;
    const client = this.client ?? (await this.opening?.catch(() => undefined));
    if (!client) return;
    if (client.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      const quitted = await Promise.race([
        client.quit().then(
          () => true,
          () => false,
        ),
        new Promise<false>(
          (resolve) => (timer = setTimeout(() => resolve(false), this.commandTimeout)),
        ),
      ]);
      clearTimeout(timer);
      if (quitted) return;
    }
    client.disconnect();
  }

  /** Waits for a connection being made (start-up); fails at once while Redis is known down. */
  private whenReady(client: Redis): Promise<void> {
    if (client.status === 'wait') client.connect().catch(() => undefined);
    if (client.status === 'end' || client.status === 'close' || client.status === 'reconnecting') {
      return Promise.reject(new Error(`Redis unavailable (${client.status})`));
    }
    return new Promise((resolve, reject) => {
      const done = (error?: Error): void => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onReady = (): void => done();
      const onClose = (): void => done(new Error('Redis unavailable (connection closed)'));
      const timer = setTimeout(
        () => done(new Error(`Redis not ready within ${this.commandTimeout} ms`)),
        this.commandTimeout,
      );
      client.on('ready', onReady);
      client.on('close', onClose);
    });
  }

  /** Logs a connection's first error of an outage, and its recovery; errors never crash. */
  private reportErrors(client: Redis, what: string): void {
    let failing = false;
    client.on('error', (error: Error) => {
      if (failing || this.closed) return;
      failing = true;
      this.logger.warn(`${what} connection error: ${error.name}: ${error.message}`);
    });
    client.on('ready', () => {
      if (!failing) return;
      failing = false;
      this.logger.log(`${what} connection restored`);
    });
  }
}
