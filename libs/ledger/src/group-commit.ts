import { isDependencyUnavailable } from '@points-engine/db';
import type { LedgerEvent } from '@points-engine/domain';
import type { EventResult } from './outcome.ts';

interface Submission {
  events: readonly LedgerEvent[];
  resolve: (results: EventResult[]) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Most events one transaction applies. */
  maxBatch: number;
  /** Transactions this committer runs at once. One per queue partition keeps a user's events in order. */
  maxInFlight?: number;
}

/**
 * Group commit: submissions (one per job) that arrive while a transaction is running wait and go
 * into the next one together, so a busy worker commits many jobs per transaction while an idle
 * one commits each job at once. If a shared transaction fails for a reason other than a
 * conflict (which `apply` already retried), each submission is applied alone, so one bad job
 * cannot fail the jobs it happened to share a transaction with — unless PostgreSQL is
 * unreachable: no job is to blame then, and every submission gets the same error at once.
 */
export class GroupCommitter {
  private readonly waiting: Submission[] = [];
  private inFlight = 0;

  constructor(
    private readonly apply: (events: readonly LedgerEvent[]) => Promise<EventResult[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(events: readonly LedgerEvent[]): Promise<EventResult[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ events, resolve, reject });
      this.pump();
    });
  }

  /** Submissions waiting for a transaction. */
  get backlog(): number {
    return this.waiting.length;
  }

  private pump(): void {
    while (this.inFlight < (this.options.maxInFlight ?? 1) && this.waiting.length > 0) {
      const group: Submission[] = [];
      let size = 0;
      while (this.waiting.length > 0) {
        const next = this.waiting[0] as Submission;
        if (group.length > 0 && size + next.events.length > this.options.maxBatch) break;
        group.push(this.waiting.shift() as Submission);
        size += next.events.length;
      }
      this.inFlight++;
      void this.run(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async run(group: Submission[]): Promise<void> {
    try {
      const results = await this.apply(group.flatMap((s) => s.events));
      let offset = 0;
      for (const submission of group) {
        submission.resolve(results.slice(offset, offset + submission.events.length));
        offset += submission.events.length;
      }
    } catch (error) {
      if (group.length === 1 || isDependencyUnavailable(error)) {
        for (const submission of group) submission.reject(error);
        return;
      }
      for (const submission of group) {
        await this.apply(submission.events).then(submission.resolve, submission.reject);
      }
    }
  }
}
