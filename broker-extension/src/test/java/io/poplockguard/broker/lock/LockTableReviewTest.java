/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The lock-table defects a concurrency review found, each replayed deterministically (frozen clock, one thread, the
 * interleaving spelled out). Races that need a pause inside one atomic-looking step (the lost wake, the sweep's
 * stale snapshot) are explored exhaustively by LockTableModelCheckTest; the stage CAS they rely on is pinned here.
 */
@Tag("unit")
class LockTableReviewTest {
    private static final String KEY = "t@g@0";

    private final ManualClock clock = new ManualClock();
    private final TestSettings settings = new TestSettings();
    private final LockStats stats = new LockStats();
    private final ExclusionChecker checker = new ExclusionChecker();
    private final LockListeners listeners = new LockListeners();
    private final LockTable table;

    LockTableReviewTest() {
        listeners.add(stats);
        listeners.add(checker);
        table = new LockTable(clock, settings, listeners);
    }

    /**
     * Defect 3: a segment leaks its lock, the guard is switched off while it runs, then on again. The lease must not
     * stay HELD by a finished segment (no rule reclaims that; the queue would be locked until a restart).
     */
    @Test
    void leakWhileTheGuardIsSwitchedOffMidRequestIsStillReclaimed() {
        Segment s = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY));
        settings.enabled = false;
        table.endSegment(s);
        settings.enabled = true;
        clock.advanceMillis(1_000);
        table.sweep();
        assertFalse(table.isLocked(KEY), "the queue is free again");
    }

    /**
     * Defect 4: a listener throws an Error while a lease ends. The holder must be cleared anyway, or every later
     * tryLock, sweep, forced release and unlock skips a dead lease forever.
     */
    @Test
    void errorFromAListenerWhileALeaseEndsStillFreesTheKey() {
        AtomicInteger endings = new AtomicInteger();
        listeners.add(new LockListener() {
            @Override
            public void ended(Lease lease, ReclaimCause cause, long heldNanos) {
                if (endings.incrementAndGet() == 1) {
                    throw new StackOverflowError("injected");
                }
            }
        });
        assertTrue(table.tryLock(KEY));
        assertThrows(StackOverflowError.class, () -> table.unLock(KEY));
        assertFalse(table.isLocked(KEY), "the failed listener did not keep the lock");
        assertTrue(table.tryLock(KEY));
        table.unLock(KEY);
        assertEquals(List.of(), checker.violations);
    }

    /**
     * Defects 3 and 4 together: an Error cuts a segment's end short after its first lease. The lease it did not get
     * to is left HELD by an ended segment, and the next sweep reclaims it as orphaned.
     */
    @Test
    void segmentEndCutShortLeavesNoLockBehind() {
        AtomicInteger endings = new AtomicInteger();
        listeners.add(new LockListener() {
            @Override
            public void ended(Lease lease, ReclaimCause cause, long heldNanos) {
                if (endings.incrementAndGet() == 1) {
                    throw new StackOverflowError("injected");
                }
            }
        });
        Segment s = table.beginSegment("pop");
        assertTrue(table.tryLock("a@g@0"));
        assertTrue(table.tryLock("b@g@0"));
        assertThrows(StackOverflowError.class, () -> table.endSegment(s));
        assertTrue(table.currentSegment() == null, "the thread left the segment anyway");
        table.sweep();
        assertFalse(table.isLocked("a@g@0"));
        assertFalse(table.isLocked("b@g@0"));
        assertEquals(1, stats.reclaimed(ReclaimCause.ORPHANED));
    }

    /**
     * Defect 5: a thread outside every segment (the buffer-merge scan, every 5 ms) fails again and again on a hot key
     * without waiting for it. Those failures must return at once: no yield, no park.
     */
    @Test
    void failuresOutsideSegmentsNeverBackOff() {
        Thread holder = new Thread(() -> {
            table.beginSegment("ack"); // never ended: the lock stays held while this test runs
            assertTrue(table.tryLock(KEY));
        });
        holder.start();
        join(holder);
        for (int i = 0; i < 200; i++) {
            assertFalse(table.tryLock(KEY));
        }
        assertEquals(0, stats.parkedNanos(), "never parked");
        assertEquals(0, stats.waitDeadlineExceeded());
    }

    /**
     * Defect 7: the sweep decides on a snapshot (BOUND, bound expired) and CASes it. If the read completed, its
     * continuation adopted the lease and a re-read bound it afresh in between, the CAS must fail: the fresh read keeps
     * its lease.
     */
    @Test
    void staleSnapshotCannotReclaimALeaseThatMovedOn() {
        Segment s = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY));
        Lease lease = table.heldByCurrentThread(KEY);
        Lease.Stage held = lease.stage();
        Lease.Stage bound = Lease.Stage.bound(clock.nanoTime(), clock.nanoTime(), null);
        assertTrue(lease.transition(held, bound));
        Lease.Stage seenBySweep = lease.stage(); // expired
        Lease.Stage adopted = Lease.Stage.held(s);
        assertTrue(lease.transition(bound, adopted));
        assertTrue(lease.transition(adopted, Lease.Stage.bound(clock.nanoTime(), clock.nanoTime() + 1_000, null)));
        assertFalse(lease.transition(seenBySweep, Lease.Stage.terminal(LeaseState.RECLAIMED)),
            "same state, older stage: the CAS fails");
        assertEquals(LeaseState.BOUND, lease.state());
    }

    private static void join(Thread t) {
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
