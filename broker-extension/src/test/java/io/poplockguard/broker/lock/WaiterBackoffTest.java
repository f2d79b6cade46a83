package io.poplockguard.broker.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stock orderly ack waits with {@code while (!tryLock(key)) {}}. Behind a held lock that loop must cost next to
 * no CPU, end at the deadline with a retryable error, and proceed promptly when the lock is released.
 */
class WaiterBackoffTest {
    private static final String KEY = "t@g@0";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final TestSettings settings = new TestSettings();
    private final LockStats stats = new LockStats();
    private final LockTable table = new LockTable(LockClock.SYSTEM, settings, stats);

    @Test
    @Timeout(20)
    void spinningWaiterUsesLittleCpuAndGetsTheDeadline() throws Exception {
        settings.waitDeadlineMs = 1_500;
        assertTrue(table.tryLock(KEY)); // held by the test thread, never released in time
        AtomicReference<PopLockWaitTimeoutException> thrown = new AtomicReference<>();
        AtomicLong cpuNanos = new AtomicLong();
        AtomicLong wallNanos = new AtomicLong();
        Thread waiter = new Thread(() -> {
            Segment s = table.beginSegment("ack");
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            try {
                while (!table.tryLock(KEY)) {
                    // the stock busy loop
                }
            } catch (PopLockWaitTimeoutException e) {
                thrown.set(e);
            } finally {
                wallNanos.set(System.nanoTime() - t0);
                cpuNanos.set(THREADS.getCurrentThreadCpuTime() - cpu0);
                table.endSegment(s);
            }
        }, "orderly-ack");
        waiter.start();
        waiter.join(10_000);

        assertNotNull(thrown.get(), "the waiter gets PopLockWaitTimeoutException at the deadline");
        assertEquals(KEY, thrown.get().key());
        long wallMs = TimeUnit.NANOSECONDS.toMillis(wallNanos.get());
        assertTrue(wallMs >= 1_500 && wallMs < 3_000, "waited about the deadline: " + wallMs + " ms");
        double cpuShare = (double) cpuNanos.get() / wallNanos.get();
        assertTrue(cpuShare < 0.10, "waiter CPU share " + cpuShare + " of its wall time must stay under 10 %");
        assertEquals(1, stats.waitDeadlineExceeded());
        assertTrue(table.isLocked(KEY), "the holder's lock is untouched");
    }

    @Test
    @Timeout(20)
    void waiterProceedsPromptlyWhenTheLockIsReleased() throws Exception {
        settings.waitDeadlineMs = 10_000;
        assertTrue(table.tryLock(KEY));
        AtomicLong acquiredAt = new AtomicLong();
        Thread waiter = new Thread(() -> {
            Segment s = table.beginSegment("ack");
            try {
                while (!table.tryLock(KEY)) {
                    // the stock busy loop
                }
                acquiredAt.set(System.nanoTime());
                table.unLock(KEY);
            } finally {
                table.endSegment(s);
            }
        }, "orderly-ack");
        waiter.start();
        Thread.sleep(700); // long enough for the waiter to reach its longest park
        long releasedAt = System.nanoTime();
        table.unLock(KEY);
        waiter.join(5_000);
        long handoffMs = TimeUnit.NANOSECONDS.toMillis(acquiredAt.get() - releasedAt);
        assertTrue(acquiredAt.get() > 0 && handoffMs < 50, "waiter took the lock " + handoffMs + " ms after release");
        assertTrue(stats.parkedNanos() > 0, "the waiter parked instead of spinning");
    }

    @Test
    void aSingleFailedTryLockReturnsAtOnce() {
        assertTrue(table.tryLock(KEY));
        Thread pop = new Thread(() -> {
            Segment s = table.beginSegment("pop");
            long t0 = System.nanoTime();
            assertTrue(!table.tryLock(KEY));
            assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(5), "a pop skipping a busy queue never waits");
            table.endSegment(s);
        });
        pop.start();
        try {
            pop.join(5_000);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertEquals(0, stats.parkedNanos());
    }
}
