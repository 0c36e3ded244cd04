// The live_messages table of the local store: per destination and run, the chat message that shows
// the run and its timeline. Rows older than LIVE_MESSAGE_TTL_SECONDS read as absent and are pruned.
import type Database from 'better-sqlite3';
import {
  LIVE_MESSAGE_TTL_SECONDS,
  type LiveMessage,
  type LiveMessageStore,
  parseLiveMessage,
} from '../../core/deliver/live/live-state';

const PRUNE_EVERY_MS = 60 * 60_000;

interface Row {
  message_id: string;
  channel: string | null;
  timeline: string;
}

export class LiveMessageRows implements LiveMessageStore {
  private pruned = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {}

  async read(destination: string, runId: string): Promise<LiveMessage | undefined> {
    const row = this.db
      .prepare(
        'SELECT message_id, channel, timeline FROM live_messages WHERE destination = ? AND run_id = ? AND updated_at > ?',
      )
      .get(destination, runId, this.now() - LIVE_MESSAGE_TTL_SECONDS * 1000) as Row | undefined;
    if (!row) return undefined;
    let timeline: unknown;
    try {
      timeline = JSON.parse(row.timeline);
    } catch {
      timeline = [];
    }
    return parseLiveMessage({ messageId: row.message_id, channel: row.channel, timeline });
  }

  async save(destination: string, runId: string, message: LiveMessage): Promise<void> {
    const at = this.now();
    if (at - this.pruned > PRUNE_EVERY_MS) {
      this.db
        .prepare('DELETE FROM live_messages WHERE updated_at <= ?')
        .run(at - LIVE_MESSAGE_TTL_SECONDS * 1000);
      this.pruned = at;
    }
    this.db
      .prepare(
        'INSERT OR REPLACE INTO live_messages (destination, run_id, message_id, channel, timeline, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(destination, runId, message.messageId, message.channel, JSON.stringify(message.timeline), at);
  }
}
