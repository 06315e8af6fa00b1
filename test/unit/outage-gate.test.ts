// No services: the gate is driven with in-memory pausables and a probe that fails until told not to.
import { describe, expect, it } from 'vitest';
import { OutageGate, type Pausable } from '@points-engine/runtime';

class FakeWorker implements Pausable {
  paused = false;
  pauses = 0;
  resumes = 0;
  async pause(doNotWaitActive?: boolean): Promise<void> {
    // The gate is called from inside a processor: waiting for active jobs there would deadlock.
    if (doNotWaitActive !== true) throw new Error('pause must not wait for active jobs');
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
    this.resumes++;
  }
}

const silent = { warn: () => undefined, info: () => undefined, error: () => undefined };

function gateWith(workers: FakeWorker[], reachable: () => boolean, maxDelayMs = 40) {
  let probes = 0;
  const gate = new OutageGate({
    dependency: 'PostgreSQL',
    probe: async () => {
      probes++;
      if (!reachable()) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    },
    pausables: () => workers,
    logger: silent,
    minDelayMs: 5,
    maxDelayMs,
  });
  return { gate, probes: () => probes };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('OutageGate', () => {
  it('pauses every worker once per outage, probes until the dependency answers, then resumes them', async () => {
    const workers = [new FakeWorker(), new FakeWorker()];
    let up = false;
    const { gate, probes } = gateWith(workers, () => up);
    gate.report(new Error('down'));
    gate.report(new Error('down'));
    gate.report(new Error('down'));
    await until(() => workers.every((w) => w.paused));
    expect(gate.unavailable).toBe(true);
    expect(workers.map((w) => w.pauses)).toEqual([1, 1]);
    await until(() => probes() >= 3);
    expect(workers.every((w) => w.paused)).toBe(true);
    up = true;
    await until(() => !gate.unavailable);
    expect(workers.map((w) => [w.paused, w.resumes])).toEqual([[false, 1], [false, 1]]);
    expect(gate.outages).toBe(1);
  });

  it('backs off between probes up to the cap, and answers the current delay for the job set aside', async () => {
    let up = false;
    const { gate, probes } = gateWith([new FakeWorker()], () => up, 40);
    expect(gate.report(new Error('down'))).toBe(5);
    await until(() => probes() >= 5);
    // 5 → 10 → 20 → 40 → 40: capped
    expect(gate.report(new Error('down'))).toBe(40);
    up = true;
    await until(() => !gate.unavailable);
  });

  it('an outage right after the last one keeps the longer delay instead of starting over', async () => {
    let up = false;
    const { gate, probes } = gateWith([new FakeWorker()], () => up, 40);
    gate.report(new Error('down'));
    await until(() => probes() >= 3);
    up = true;
    await until(() => !gate.unavailable);
    up = false;
    expect(gate.report(new Error('down again'))).toBeGreaterThan(5);
    up = true;
    await until(() => !gate.unavailable);
    expect(gate.outages).toBe(2);
  });

  it('stop() ends the probing and leaves the workers paused for their close()', async () => {
    const worker = new FakeWorker();
    const { gate } = gateWith([worker], () => false);
    gate.report(new Error('down'));
    await until(() => worker.paused);
    gate.stop();
    await until(() => !gate.unavailable);
    expect(worker.paused).toBe(true);
    expect(worker.resumes).toBe(0);
    gate.report(new Error('after stop'));
    expect(gate.unavailable).toBe(false);
  });
});
