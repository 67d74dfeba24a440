/**
 * The exactly-once copy scenario of issue 6, shared by the confluent-kafka and kafkajs tests: an
 * input topic of P partitions × n records; a copier (consume-transform-produce in transactions, input
 * partition p → output partition p) SIGKILLed at seeded moments several times and restarted with the
 * same transactional id and group; some kills land inside an open transaction on purpose (the copier
 * stalls after sending a transaction's records), others after a seeded number of commits plus a
 * seeded delay. Once the group's committed offsets cover the input, the output is read with
 * read_committed: exactly the input, each record once, in order per partition; and with
 * read_uncommitted: also the records of the killed transactions, which read_committed never shows.
 */
import assert from 'node:assert/strict';
import { Prng } from '../../support/prng.js';
import type { BrokerProcess } from '../../support/broker-process.js';
import {
  createTopics,
  groupOffsets,
  header,
  produceInput,
  produceTransactionalInput,
  readAll,
  readWithConfluent,
  startCopier,
  startTxnBroker,
  value,
  waitStable,
  type CopierKind,
  type JsonChild,
} from './eos-support.js';
import { waitFor } from '../../support/wait.js';
import type { ConsumerRecord } from '../../../src/index.js';

export interface CopyScenario {
  readonly kind: CopierKind;
  readonly seed: number;
  readonly partitions: number;
  readonly perPartition: number;
  readonly kills: number;
  /** Of which this many SIGKILL the broker (the copier keeps running through the restart, or exits and is restarted). */
  readonly brokerKills?: number;
  /**
   * Input written in transactions by kafkajs, with aborted transactions in between: the copiers'
   * read_committed consumers must skip those (default: plain idempotent input).
   */
  readonly transactionalInput?: boolean;
  readonly maxBatch: number;
  readonly log: (line: string) => void;
}

/**
 * stall: inside an open transaction whose records were written; timed: a few ms after a commit (in
 * the next transaction, or between transactions); early: after init_transactions, while the
 * consumer joins the group, fetches offsets or runs its first transaction.
 */
type Kill =
  | { mode: 'stall'; stallAt: number }
  | { mode: 'timed'; afterCommits: number; delayMs: number }
  | { mode: 'early'; delayMs: number }
  | { mode: 'broker'; afterCommits: number; delayMs: number };

function planKills(prng: Prng, kills: number, brokerKills: number): Kill[] {
  const plan: Kill[] = [];
  const brokerAt = new Set<number>();
  while (brokerAt.size < brokerKills) brokerAt.add(prng.int(0, kills - 1));
  const modes = ['stall', 'timed', 'early'] as const;
  for (let k = 0; k < kills; k++) {
    // At least one of each kind, the rest seeded.
    if (brokerAt.has(k)) {
      plan.push({ mode: 'broker', afterCommits: prng.int(1, 3), delayMs: prng.int(0, 40) });
      continue;
    }
    const mode = k < modes.length ? modes[k]! : prng.pick(modes);
    plan.push(
      mode === 'stall' ? { mode, stallAt: prng.int(1, 3) }
        : mode === 'timed' ? { mode, afterCommits: prng.int(1, 3), delayMs: prng.int(0, 40) }
        : { mode, delayMs: prng.int(0, 3000) },
    );
  }
  return plan;
}

/** Checks that `records` (one output partition) is exactly the transformed `input` of partition p, in order; a short message otherwise. */
export function checkPartitionCopy(p: number, input: readonly ConsumerRecord[], records: readonly ConsumerRecord[]): void {
  const values = records.map(value);
  const expected = input.map((r) => value(r).toUpperCase());
  const n = expected.length;
  const seen = new Map<string, number>();
  for (const v of values) seen.set(v, (seen.get(v) ?? 0) + 1);
  const duplicates = [...seen].filter(([, c]) => c > 1).map(([v, c]) => `${v}×${c}`);
  const missing = expected.filter((v) => !seen.has(v));
  const wanted = new Set(expected);
  const foreign = values.filter((v) => !wanted.has(v));
  const firstOff = values.findIndex((v, i) => v !== expected[i]);
  assert.ok(
    values.length === n && firstOff === -1,
    `output partition ${p}: ${values.length} records for ${n} inputs; duplicates ${JSON.stringify(duplicates.slice(0, 10))} (${duplicates.length}), ` +
      `missing ${JSON.stringify(missing.slice(0, 10))} (${missing.length}), foreign ${JSON.stringify(foreign.slice(0, 5))} (${foreign.length}), ` +
      `first difference at index ${firstOff}: ${values[firstOff]} for ${expected[firstOff]}`,
  );
  records.forEach((r, i) => assert.equal(header(r, 'src'), `${p}:${input[i]!.offset}`, `output ${p}@${r.offset}: src header`));
}

/** Asserts two [offset, value] lists are equal, naming the first difference (not a 600-line diff). */
export function sameRecords(what: string, actual: readonly [number, string][], expected: readonly [number, string][]): void {
  const i = actual.findIndex((r, k) => r[0] !== expected[k]?.[0] || r[1] !== expected[k]?.[1]);
  assert.ok(actual.length === expected.length && i === -1, `${what}: ${actual.length} records, expected ${expected.length}; first difference at ${i}: ${JSON.stringify(actual[i])} for ${JSON.stringify(expected[i])}`);
}

export async function runCopyScenario(s: CopyScenario): Promise<void> {
  const prng = new Prng(s.seed);
  const plan = planKills(prng, s.kills, s.brokerKills ?? 0);
  s.log(`seed ${s.seed} (GREGOR_SEED=${s.seed} to repeat); kills: ${JSON.stringify(plan)}`);
  const broker: BrokerProcess = await startTxnBroker();
  const copiers: JsonChild[] = [];
  try {
    await broker.check(async () => {
      const bootstrap = broker.bootstrap;
      const input = `eos-in-${s.kind}`;
      const output = `eos-out-${s.kind}`;
      const n = s.partitions * s.perPartition;
      await createTopics(bootstrap, [
        { name: input, partitions: s.partitions },
        { name: output, partitions: s.partitions },
      ]);
      if (s.transactionalInput === true) await produceTransactionalInput(bootstrap, input, s.partitions, s.perPartition);
      else await produceInput(bootstrap, input, s.partitions, s.perPartition);
      const inputRecords = await readAll(bootstrap, input, s.partitions, 'read_committed');
      inputRecords.forEach((rs, p) => assert.equal(rs.length, s.perPartition, `committed input records of partition ${p}`));
      const args = { bootstrap, input, output, group: `eos-group-${s.kind}`, transactionalId: `eos-copier-${s.kind}`, maxBatch: s.maxBatch };
      let stalledRecords = 0;
      const started = Date.now();
      for (const [k, kill] of plan.entries()) {
        const c = startCopier(s.kind, `${s.kind} copier run ${k + 1}`, { ...args, stallAt: kill.mode === 'stall' ? kill.stallAt : 0 });
        copiers.push(c);
        if (kill.mode === 'stall') {
          await c.waitEvent(`transaction ${kill.stallAt} stalled`, (ev) => ev.some((e) => 'stalled' in e), 40_000);
          stalledRecords += c.events.find((e) => e['txn'] === kill.stallAt && 'sent' in e)!['sent'] as number;
        } else if (kill.mode === 'early') {
          await c.waitEvent('init_transactions', (ev) => ev.some((e) => 'ready' in e), 40_000);
          await new Promise((r) => setTimeout(r, kill.delayMs));
        } else {
          await c.waitEvent(`${kill.afterCommits} commits`, (ev) => ev.filter((e) => 'committed' in e).length >= kill.afterCommits, 40_000);
          await new Promise((r) => setTimeout(r, kill.delayMs));
        }
        if (kill.mode === 'broker') {
          const before = c.count('committed');
          await broker.kill();
          await broker.startAgain();
          // The copier carries on (a commit after the restart) or gives up with an error (restarted below).
          await waitFor('the copier to commit again or exit after the broker restart', () => !c.running || c.count('committed') > before, 40_000, () => c.describe());
          s.log(`run ${k + 1}: broker restarted at ${before} commits; copier ${c.running ? `committed ${c.count('committed') - before} more` : `exited: ${JSON.stringify(c.events.at(-1))}`}`);
        }
        await c.kill('SIGKILL');
        s.log(`run ${k + 1}: killed (${kill.mode}) after ${c.count('committed')} commits of ${c.sum('committed')} records, ${Date.now() - started} ms`);
      }
      // The last run copies the rest; an error exit is restarted (a few times at most), and reported.
      let last = startCopier(s.kind, `${s.kind} copier final run`, { ...args, stallAt: 0 });
      copiers.push(last);
      let restarts = 0;
      let offsets = new Map<number, number>();
      await waitFor('the group\'s committed offsets to cover the input', async () => {
        if (!last.running) {
          s.log(`final run exited: ${last.describe()}`);
          assert.ok(++restarts <= 3, `the copier keeps failing: ${last.describe()}`);
          last = startCopier(s.kind, `${s.kind} copier final run (restart ${restarts})`, { ...args, stallAt: 0 });
          copiers.push(last);
        }
        offsets = await groupOffsets(bootstrap, args.group, input);
        // Past the last committed input record (with transactional input the log goes on with markers and aborted records).
        return inputRecords.every((rs, p) => (offsets.get(p) ?? -1) >= rs[rs.length - 1]!.offset + 1);
      }, 60_000, () => `committed offsets ${JSON.stringify([...offsets])}; ${last.describe()}`);
      await last.kill('SIGKILL');
      s.log(`copied in ${Date.now() - started} ms; ${copiers.length} copier runs`);

      await waitStable(bootstrap, output, s.partitions, 20_000);
      const committed = await readAll(bootstrap, output, s.partitions, 'read_committed');
      const uncommitted = await readAll(bootstrap, output, s.partitions, 'read_uncommitted');
      for (let p = 0; p < s.partitions; p++) checkPartitionCopy(p, inputRecords[p]!, committed[p]!);
      const reported = copiers.reduce((sum, c) => sum + c.sum('committed'), 0);
      assert.ok(reported <= n, `the copiers reported ${reported} committed records for ${n} inputs`);
      const all = uncommitted.reduce((sum, rs) => sum + rs.length, 0);
      s.log(`output: ${n} committed records; ${all - n} more records of aborted transactions (read_uncommitted); ${stalledRecords} in the stalled transactions`);
      assert.ok(all >= n + stalledRecords, `read_uncommitted shows ${all} records, fewer than ${n} committed + ${stalledRecords} of killed open transactions`);
      // Every record read_committed shows is one read_uncommitted shows at the same offset.
      for (let p = 0; p < s.partitions; p++) {
        const byOffset = new Map(uncommitted[p]!.map((r) => [r.offset, value(r)]));
        for (const r of committed[p]!) assert.equal(byOffset.get(r.offset), value(r), `partition ${p} offset ${r.offset}`);
      }
      // librdkafka's read_committed (aborted-transaction list and LSO) sees the same records.
      const byConfluent = await readWithConfluent(bootstrap, output, s.partitions, 'read_committed');
      for (let p = 0; p < s.partitions; p++) {
        sameRecords(`confluent-kafka read_committed of output partition ${p}`, byConfluent[p] ?? [], committed[p]!.map((r) => [r.offset, value(r)]));
      }
    });
  } finally {
    for (const c of copiers) await c.kill('SIGKILL');
    await broker.close();
  }
}
