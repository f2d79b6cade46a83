/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.it.client.PopTestClient;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.broker.processor.PopMessageProcessor;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.client.consumer.PopStatus;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/**
 * Measurements of what waiting for a held pop lock costs on an in-process broker, shared by the waiter tests and the
 * benchmarks: the probe takes the queue lock itself (as a leaked or long-held lock would be), puts a pop or an orderly
 * ack behind it, and releases it.
 */
public final class LockWaitProbe {
    public static final String TOPIC = "wait-topic";
    public static final String GROUP = "wait-group";
    public static final String KEY = LockKey.queue(TOPIC, GROUP, 0);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private LockWaitProbe() {
    }

    public static PopMessageProcessor.QueueLockManager locks(InProcessBroker b) {
        return b.controller().getPopMessageProcessor().getQueueLockManager();
    }

    /**
     * Takes a queue lock for the test, retrying for up to 2 s: right after a pop of that queue the broker itself may
     * still hold it for a moment (the pop releases just after its answer is written; the buffer-merge service takes
     * the key every 5 ms). A single tryLock there would make the test race the broker. False if it never came free.
     */
    public static boolean take(PopMessageProcessor.QueueLockManager locks, String key) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!locks.tryLock(key)) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** Holds the lock, parks a pop behind it for 500 ms, releases; returns ms from the release to the pop's answer. */
    public static long releaseToDelivery(InProcessBroker b, PopTestClient c, long pollMs) throws Exception {
        b.put(TOPIC, 0, 4);
        if (!locks(b).tryLock(KEY)) {
            throw new IllegalStateException("the probe could not take " + KEY);
        }
        CompletableFuture<PopResult> pop = c.pop(TOPIC, GROUP, 0, 8, pollMs, false, pollMs + 3_000);
        Thread.sleep(500);
        if (pop.isDone()) {
            locks(b).unLock(KEY);
            throw new IllegalStateException("the pop was answered while the lock was held: " + pop.get());
        }
        long releasedAt = System.nanoTime();
        locks(b).unLock(KEY);
        PopResult r = pop.get(pollMs + 3_000, TimeUnit.MILLISECONDS);
        long served = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - releasedAt);
        if (r.getPopStatus() != PopStatus.FOUND) {
            throw new IllegalStateException("the released pop found nothing: " + r.getPopStatus());
        }
        for (MessageExt m : r.getMsgFoundList()) {
            c.ack(m, GROUP, 3_000).get(5, TimeUnit.SECONDS);
        }
        return served;
    }

    /**
     * The floor under {@link #releaseToDelivery}: ms for a pop of the same messages with the queue free (the pop's own
     * work on the broker plus the round trip), so the release-to-delivery figure can be read as floor + wake-up.
     */
    public static long freeQueuePop(InProcessBroker b, PopTestClient c, long pollMs) throws Exception {
        b.put(TOPIC, 0, 4);
        Thread.sleep(100); // let the messages reach the consume queue, so the pop finds them without parking
        long start = System.nanoTime();
        PopResult r = c.pop(TOPIC, GROUP, 0, 8, pollMs, false, pollMs + 3_000).get(pollMs + 3_000, TimeUnit.MILLISECONDS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (r.getPopStatus() != PopStatus.FOUND) {
            throw new IllegalStateException("a pop of a free queue found nothing: " + r.getPopStatus());
        }
        for (MessageExt m : r.getMsgFoundList()) {
            c.ack(m, GROUP, 3_000).get(5, TimeUnit.SECONDS);
        }
        return ms;
    }

    /** Creates the probe's topic (one queue) and group. */
    public static void prepare(InProcessBroker b, boolean orderly) {
        b.createTopic(TOPIC, 1);
        b.createGroup(GROUP, orderly);
    }

    /** Pops one message in orderly mode (the probe's group must be orderly). */
    public static MessageExt popOneOrderly(InProcessBroker b, PopTestClient c) throws Exception {
        b.put(TOPIC, 0, 2);
        long until = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < until) {
            PopResult r = c.pop(TOPIC, GROUP, 0, 1, 200, true, 3_000).get(5, TimeUnit.SECONDS);
            if (r.getPopStatus() == PopStatus.FOUND) {
                return r.getMsgFoundList().get(0);
            }
        }
        throw new IllegalStateException("no orderly message popped within 10 s");
    }

    /**
     * An orderly ack waits behind the held lock for {@code windowMs}: returns the CPU the broker's ack threads used in
     * that window, as a share of one core; then releases the lock and checks the ack went through.
     */
    public static double orderlyAckWaiterCpuShare(InProcessBroker b, PopTestClient c, long windowMs) throws Exception {
        MessageExt m = popOneOrderly(b, c);
        if (!locks(b).tryLock(KEY)) {
            throw new IllegalStateException("the probe could not take " + KEY);
        }
        CompletableFuture<RemotingCommand> ack = c.ackRaw(m, GROUP, windowMs + 5_000);
        Thread.sleep(100);
        double share = ackThreadsOver(windowMs).share();
        locks(b).unLock(KEY);
        RemotingCommand r = ack.get(windowMs + 6_000, TimeUnit.MILLISECONDS);
        // a guarded broker answers SYSTEM_BUSY at its wait deadline; the ack is retried by real clients
        if (r.getCode() != ResponseCode.SUCCESS && r.getCode() != ResponseCode.SYSTEM_BUSY) {
            throw new IllegalStateException("the ack failed: " + r.getCode() + " " + r.getRemark());
        }
        return share;
    }

    /** What the ack threads burned while a probe watched them: CPU and wall nanoseconds. */
    public record Burn(long cpuNanos, long wallNanos) {
        public long cpuMs() {
            return TimeUnit.NANOSECONDS.toMillis(cpuNanos);
        }

        /** CPU as a share of one core over the watch. */
        public double share() {
            return wallNanos <= 0 ? 0 : (double) cpuNanos / wallNanos;
        }
    }

    /**
     * Watches the broker's ack threads until they have burned {@code cpuMs} of CPU or {@code limitMs} passed. A waiter
     * that spins burns that much however busy the machine is (it only takes longer when another test JVM takes the
     * cores); a parked one burns next to none. A share over a fixed window would measure the neighbours instead.
     */
    public static Burn ackThreadsBurn(long cpuMs, long limitMs) throws InterruptedException {
        long cpu0 = ackThreadsCpuNanos();
        long t0 = System.nanoTime();
        long burned = 0;
        while (System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(limitMs)) {
            Thread.sleep(50);
            burned = ackThreadsCpuNanos() - cpu0;
            if (burned >= TimeUnit.MILLISECONDS.toNanos(cpuMs)) {
                break;
            }
        }
        return new Burn(burned, System.nanoTime() - t0);
    }

    /** What the broker's ack threads burned over the next {@code windowMs}. */
    public static Burn ackThreadsOver(long windowMs) throws InterruptedException {
        long cpu0 = ackThreadsCpuNanos();
        long t0 = System.nanoTime();
        Thread.sleep(windowMs);
        return new Burn(ackThreadsCpuNanos() - cpu0, System.nanoTime() - t0);
    }

    /** CPU time so far of the broker's ack threads (in-process: this JVM's threads named AckMessageThread_*). */
    public static long ackThreadsCpuNanos() {
        return threadsCpuNanos("AckMessageThread_");
    }

    /** CPU time so far of this JVM's threads whose name starts with {@code namePrefix} (PullMessageThread_: pops). */
    public static long threadsCpuNanos(String namePrefix) {
        long sum = 0;
        for (ThreadInfo ti : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (ti != null && ti.getThreadName().startsWith(namePrefix)) {
                sum += Math.max(0, THREADS.getThreadCpuTime(ti.getThreadId()));
            }
        }
        return sum;
    }
}
