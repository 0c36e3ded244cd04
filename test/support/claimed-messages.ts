// A FIFO queue as fifo-poller.ts sees it: every message claimed off local-aws-sqs (invisible there
// for 12 hours), with the receive count and visibility real SQS would give it, on Date.now().
import {
  ChangeMessageVisibilityCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** SQS's longest visibility timeout: a claimed message stays out of the emulator's hands. */
export const CLAIM_SECONDS = 43_200;

export interface Claimed {
  message: Message;
  id: string;
  group: string;
  /** Receives as SQS counts them: hand-outs to a handler. */
  receives: number;
  firstReceiveAt?: number;
  /** Date.now() from which it may be received again. */
  visibleAt: number;
  /** In flight, or being moved to the DLQ. */
  busy: boolean;
}

export class ClaimedMessages {
  /** Oldest claim first: within a group, the order the messages were sent in. */
  readonly all: Claimed[] = [];
  readonly #byId = new Map<string, Claimed>();
  /** One claim at a time: two receives answered out of turn would swap a group's messages. */
  #claiming: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Takes every message the emulator would hand out now; returns how many were new. */
  claimAll(): Promise<number> {
    const claim = this.#claiming.then(() => this.#claim());
    this.#claiming = claim.catch(() => undefined);
    return claim;
  }

  async #claim(): Promise<number> {
    let fresh = 0;
    for (;;) {
      const { Messages = [] } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: CLAIM_SECONDS,
          // The emulator answers only the older AttributeNames parameter.
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      for (const message of Messages) {
        const id = message.MessageId ?? '';
        const known = this.#byId.get(id);
        // Back after 12 real hours on the emulator's timer: only its receipt handle is new.
        if (known) known.message = message;
        else {
          const group = message.Attributes?.MessageGroupId ?? id;
          const entry: Claimed = { message, id, group, receives: 0, visibleAt: 0, busy: false };
          this.all.push(entry);
          this.#byId.set(id, entry);
          fresh++;
        }
      }
      if (Messages.length < 10) return fresh;
    }
  }

  forget(entry: Claimed): void {
    this.#byId.delete(entry.id);
    this.all.splice(this.all.indexOf(entry), 1);
  }

  /**
   * What SQS would return now: per group whose oldest message is visible and nothing of it in
   * flight, the run of visible messages from that head (oldest group first). A message due for
   * the DLQ ends a run unless it is the head.
   */
  runs(maxReceiveCount: number): Claimed[][] {
    const now = Date.now();
    const runs = new Map<string, Claimed[] | null>();
    for (const entry of this.all) {
      const run = runs.get(entry.group);
      const waiting = entry.busy || entry.visibleAt > now;
      if (run === undefined) runs.set(entry.group, waiting ? null : [entry]);
      else if (run === null) continue;
      else if (waiting || entry.receives >= maxReceiveCount) runs.set(entry.group, null);
      else run.push(entry);
    }
    return [...runs.values()].filter((run): run is Claimed[] => run !== null);
  }

  /** The earliest time a message not yet visible becomes visible. */
  nextVisibleAt(): number | undefined {
    const now = Date.now();
    const next = Math.min(...this.all.map((e) => (e.visibleAt > now ? e.visibleAt : Infinity)));
    return next < Infinity ? next : undefined;
  }

  /** Makes every claimed message visible on the emulator again and forgets it. */
  async releaseAll(): Promise<void> {
    for (const entry of this.all.splice(0)) {
      this.#byId.delete(entry.id);
      await this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.queueUrl,
          ReceiptHandle: entry.message.ReceiptHandle ?? '',
          VisibilityTimeout: 0,
        }),
      );
    }
  }

  describe(): string {
    const busy = this.all.filter((e) => e.busy).length;
    return `${this.all.length} held (${busy} busy, next visible at ${this.nextVisibleAt() ?? '-'})`;
  }
}
