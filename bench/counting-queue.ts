// A JobQueue sink that only counts: isolates the receiver's own cost from any delivery work.

import type { DeliveryJob } from '../lambda/core/contract';
import type { JobQueue } from '../lambda/core/ports';

export class CountingQueue implements JobQueue {
  jobs = 0;
  batches = 0;

  async enqueue(jobs: readonly DeliveryJob[]): Promise<void> {
    this.jobs += jobs.length;
    this.batches++;
  }
}
