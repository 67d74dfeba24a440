/**
 * InitProducerId v0-5 without a transactional id, and the ProducerIdManager behind it: ids from
 * controller-allocated blocks, the next block prefetched at 90%, one allocation in flight, errors
 * answered as Kafka does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../../src/common/index.js';
import type { AllocateProducerIdsRequest, AllocateProducerIdsResponse } from '../../../../src/protocol/index.js';
import { createInitProducerIdHandler } from '../../../../src/server/handlers/init-producer-id.js';
import { ProducerIdManager } from '../../../../src/server/producer-id-manager.js';
import { SimClock } from '../../../../src/testkit/index.js';
import { FakeBrokerContext, callHandler } from '../../../support/fake-broker-context.js';

/** A controller handing out consecutive blocks; `fail` makes the next calls answer an error. */
class BlockController {
  next = 0;
  calls: AllocateProducerIdsRequest[] = [];
  failWith = 0;
  held: Array<() => void> | undefined;
  constructor(private readonly size = 1000) {}
  allocateProducerIds(_ctx: unknown, request: AllocateProducerIdsRequest): Promise<AllocateProducerIdsResponse> {
    this.calls.push(request);
    const answer = (): AllocateProducerIdsResponse => {
      if (this.failWith !== 0) return { throttleTimeMs: 0, errorCode: this.failWith, producerIdStart: -1, producerIdLen: 0 };
      const start = this.next;
      this.next += this.size;
      return { throttleTimeMs: 0, errorCode: 0, producerIdStart: start, producerIdLen: this.size };
    };
    if (this.held !== undefined) {
      const held = this.held;
      return new Promise((resolve) => held.push(() => resolve(answer())));
    }
    return Promise.resolve(answer());
  }
}

function manager(controller: BlockController, epoch = 5): ProducerIdManager {
  return new ProducerIdManager({ nodeId: 1, controller, brokerEpoch: () => epoch, clock: new SimClock() });
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ProducerIdManager', () => {
  it('hands out ids of controller blocks in order, prefetching the next block at 90%', async () => {
    const c = new BlockController(10);
    const m = manager(c);
    const ids: number[] = [];
    for (let i = 0; i < 9; i++) ids.push(await m.generateProducerId());
    assert.deepEqual(ids, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    await settle();
    assert.equal(c.calls.length, 2, 'the next block was requested at 9 of 10');
    assert.deepEqual(c.calls[0], { brokerId: 1, brokerEpoch: 5 });
    for (let i = 9; i < 25; i++) ids.push(await m.generateProducerId());
    assert.deepEqual(ids, Array.from({ length: 25 }, (_, i) => i));
  });

  it('concurrent callers share one allocation', async () => {
    const c = new BlockController(1000);
    c.held = [];
    const m = manager(c);
    const waiting = Promise.all([m.generateProducerId(), m.generateProducerId(), m.generateProducerId()]);
    await settle();
    assert.equal(c.calls.length, 1);
    for (const release of c.held.splice(0)) release();
    c.held = undefined;
    assert.deepEqual((await waiting).sort(), [0, 1, 2]);
  });

  it('an allocation error is retriable for the client', async () => {
    const c = new BlockController();
    c.failWith = ErrorCode.STALE_BROKER_EPOCH;
    const m = manager(c);
    await assert.rejects(m.generateProducerId(), /not available/);
    c.failWith = 0;
    assert.equal(await m.generateProducerId(), 0);
  });
});

describe('InitProducerId handler', () => {
  it('gives idempotent producers fresh ids with epoch 0 in every version', async () => {
    const broker = new FakeBrokerContext();
    const handler = createInitProducerIdHandler(broker, manager(new BlockController()));
    assert.deepEqual([handler.minVersion, handler.maxVersion], [0, 5]);
    const seen: number[] = [];
    for (let v = 0; v <= 5; v++) {
      const res = await callHandler(handler, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }, v);
      assert.equal(res.errorCode, 0);
      assert.equal(res.producerEpoch, 0);
      seen.push(res.producerId);
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
    // v3+: naming the current id and epoch still yields a new id (Kafka: the idempotent client bumps epochs itself).
    const again = await callHandler(handler, { transactionalId: null, transactionTimeoutMs: 60000, producerId: 3, producerEpoch: 0 }, 4);
    assert.deepEqual([again.errorCode, again.producerId, again.producerEpoch], [0, 6, 0]);
  });

  it('refuses half an id/epoch pair and empty transactional ids; transactional ids wait for the coordinator', async () => {
    const broker = new FakeBrokerContext();
    const handler = createInitProducerIdHandler(broker, manager(new BlockController()));
    const ask = (req: { transactionalId: string | null; producerId?: number; producerEpoch?: number }) =>
      callHandler(handler, { transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1, ...req }, 5);
    assert.equal((await ask({ transactionalId: null, producerId: 5 })).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await ask({ transactionalId: null, producerEpoch: 2 })).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await ask({ transactionalId: '' })).errorCode, ErrorCode.INVALID_REQUEST);
    const txn = await ask({ transactionalId: 'tx-1' });
    assert.deepEqual([txn.errorCode, txn.producerId, txn.producerEpoch], [ErrorCode.COORDINATOR_NOT_AVAILABLE, -1, -1]);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS while no block can be had', async () => {
    const broker = new FakeBrokerContext();
    const c = new BlockController();
    c.failWith = ErrorCode.NOT_CONTROLLER;
    const handler = createInitProducerIdHandler(broker, manager(c));
    const res = await callHandler(handler, { transactionalId: null, transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 }, 1);
    assert.deepEqual([res.errorCode, res.producerId], [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, -1]);
  });

  it('uses the broker context controller and registration epoch by default', async () => {
    const broker = new FakeBrokerContext();
    const handler = createInitProducerIdHandler(broker);
    const res = await callHandler(handler, { transactionalId: null, transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 }, 2);
    assert.equal(res.errorCode, 0);
    assert.equal(res.producerId, 0);
  });
});
