/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The segment invariant and the bounds, each on a frozen clock. */
@Tag("unit")
class LockTableTest {
    private static final String KEY = "t@g@0";

    private final ManualClock clock = new ManualClock();
    private final TestSettings settings = new TestSettings();
    private final LockStats stats = new LockStats();
    private final ExclusionChecker checker = new ExclusionChecker();
    private final LockTable table = newTable(clock);

    private LockTable newTable(LockClock c) {
        LockListeners l = new LockListeners();
        l.add(stats);
        l.add(checker);
        return new LockTable(c, settings, l);
    }

    @Test
    void leaseForgottenBySegmentIsReclaimedWhenItEnds() {
        Segment s = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY));
        table.endSegment(s); // returned without unlock, like isPopShouldStop in 5.2.0-5.3.0
        assertFalse(table.isLocked(KEY));
        assertEquals(1, stats.reclaimed(ReclaimCause.SEGMENT_END));
        assertTrue(table.tryLock(KEY), "the next pop gets the queue at once");
        assertNull(table.currentSegment());
    }

    @Test
    void releasedLeaseIsNotReclaimedAgain() {
        Segment s = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY));
        table.unLock(KEY);
        table.endSegment(s);
        assertEquals(0, stats.reclaimed(ReclaimCause.SEGMENT_END));
        assertEquals(1, stats.released());
    }

    @Test
    void unlockFromAnotherSegmentIsIgnoredAndCounted() {
        Segment owner = table.beginSegment("ack");
        assertTrue(table.tryLock(KEY));
        Segment inner = table.beginSegment("pop"); // nested: still not the owner
        table.endSegment(inner);
        Thread other = new Thread(() -> {
            Segment s = table.beginSegment("pop");
            table.unLock(KEY);
            table.endSegment(s);
        });
        other.start();
        join(other);
        assertTrue(table.isLocked(KEY), "another segment's unlock must not release the owner's lease");
        assertEquals(1, stats.strayUnlocks());
        table.unLock(KEY);
        table.endSegment(owner);
        assertFalse(table.isLocked(KEY));
    }

    @Test
    void nestedSegmentMayReleaseItsOutersLease() {
        Segment outer = table.beginSegment("ack");
        assertTrue(table.tryLock(KEY));
        Segment inner = table.beginSegment("pop");
        table.unLock(KEY);
        table.endSegment(inner);
        table.endSegment(outer);
        assertEquals(1, stats.released());
        assertEquals(0, stats.strayUnlocks());
    }

    @Test
    void unownedLeaseIsReclaimedOnlyAfterItsBound() {
        settings.unownedLeaseMs = 5_000;
        assertTrue(table.tryLock(KEY)); // outside every segment, like the buffer-merge thread
        clock.advanceMillis(4_999);
        table.sweep();
        assertTrue(table.isLocked(KEY));
        clock.advanceMillis(2);
        table.sweep();
        assertFalse(table.isLocked(KEY));
        assertEquals(1, stats.reclaimed(ReclaimCause.UNOWNED_BOUND));
    }

    @Test
    void segmentOwnedLeaseIsNeverExpiredBySweep() {
        Segment s = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY));
        clock.advanceMillis(TimeUnit.HOURS.toMillis(2));
        table.sweep();
        assertTrue(table.isLocked(KEY), "a live segment's lease is never swept");
        table.unLock(KEY);
        table.endSegment(s);
    }

    @Test
    void illegalTransitionThrows() {
        assertTrue(table.tryLock(KEY));
        Lease lease = table.heldByCurrentThread(KEY);
        table.unLock(KEY);
        assertEquals(LeaseState.RELEASED, lease.state());
        assertThrows(IllegalLeaseTransitionException.class,
            () -> lease.transition(lease.stage(), Lease.Stage.held(null)));
        assertThrows(IllegalLeaseTransitionException.class,
            () -> lease.transition(Lease.Stage.held(null), Lease.Stage.held(null)));
    }

    @Test
    void disabledGuardKeepsStockSemantics() {
        settings.enabled = false;
        assertTrue(table.tryLock(KEY)); // with the guard off requests run outside segments
        assertTrue(table.isLocked(KEY), "stock: a forgotten lock stays until the sweep");
        clock.advanceMillis(59_000);
        table.sweep();
        assertTrue(table.isLocked(KEY));
        clock.advanceMillis(2_000);
        table.sweep();
        assertFalse(table.isLocked(KEY), "stock recovery after 60 s");
        assertEquals(1, stats.reclaimed(ReclaimCause.STOCK_SWEEP));
    }

    @Test
    void idleFreeEntriesAreRetiredButHeldOnesStay() {
        assertTrue(table.tryLock("a@g@0"));
        assertTrue(table.tryLock("b@g@0"));
        table.unLock("b@g@0");
        settings.unownedLeaseMs = TimeUnit.HOURS.toMillis(1);
        clock.advanceMillis(61_000);
        table.sweep();
        assertEquals(1, table.size(), "only the held entry is left");
        assertTrue(table.isLocked("a@g@0"));
    }

    @Test
    void forceReleaseEndsWhateverHoldsTheKey() {
        Segment s = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY));
        assertTrue(table.forceRelease(KEY) != null);
        assertFalse(table.isLocked(KEY));
        table.unLock(KEY); // the owner's own unlock later is stray
        table.endSegment(s);
        assertEquals(1, stats.reclaimed(ReclaimCause.FORCED));
        assertEquals(0, stats.reclaimed(ReclaimCause.SEGMENT_END));
        assertNull(table.forceRelease(KEY));
    }

    @Test
    void segmentThatFailedOnALockReleasedMeanwhileWakesPops() {
        AtomicBoolean woke = new AtomicBoolean();
        LockListeners l = new LockListeners();
        l.add(new LockListener() {
            @Override
            public void wakePops(String key) {
                woke.set(true);
            }
        });
        LockTable t = new LockTable(clock, settings, l);
        assertTrue(t.tryLock(KEY)); // held outside segments by this thread
        Thread popper = new Thread(() -> {
            Segment s = t.beginSegment("pop");
            assertFalse(t.tryLock(KEY));
            t.endSegment(s);
        });
        popper.start();
        join(popper);
        woke.set(false);
        // release with the contended flag already consumed: only the segment-end check could wake the pop
        t.unLock(KEY);
        assertTrue(woke.get(), "release of a contended lock wakes parked pops");
    }

    /**
     * The segment-end check on its own: a pop fails on a lease, that lease ends while the pop's segment is still
     * running (the release's own wake-up comes before the pop parked), so only the segment's end can wake it. A key
     * whose lease is still the holder at the segment's end is not woken.
     */
    @Test
    void segmentEndWakesPopsOnlyWhenTheLeaseItFailedOnEnded() {
        List<String> woken = new ArrayList<>();
        LockListeners l = new LockListeners();
        l.add(new LockListener() {
            @Override
            public void wakePops(String key) {
                woken.add(key);
            }
        });
        LockTable t = new LockTable(clock, settings, l);
        String other = "t@g@1";
        assertTrue(t.tryLock(KEY)); // held outside segments by this thread
        assertTrue(t.tryLock(other));

        Segment s = t.beginSegment("pop");
        assertFalse(t.tryLock(KEY));
        assertFalse(t.tryLock(other));
        assertTrue(woken.isEmpty());
        assertNotNull(t.forceRelease(KEY)); // the release's own wake-up comes before the pop parked
        assertEquals(Collections.singletonList(KEY), woken);
        woken.clear();
        t.endSegment(s);
        assertEquals(Collections.singletonList(KEY), woken, "only the key whose lease ended since the failure");
        assertNotNull(t.forceRelease(other));
    }

    /**
     * Upstream issue 10750: the stock sweep could remove an entry while a thread was taking it, leaving two holders.
     * The interleaving, forced with a clock that blocks the thread between seeing the entry free and its CAS:
     * A sees the entry free -> the sweep retires and removes it -> B locks a fresh entry -> A's CAS must fail.
     */
    @Test
    @Timeout(10)
    void sweepRacingReacquireNeverGivesTwoHolders() throws Exception {
        CountDownLatch aSawFree = new CountDownLatch(1);
        CountDownLatch resumeA = new CountDownLatch(1);
        LockClock blockingClock = new LockClock() {
            @Override
            public long nanoTime() {
                if (Thread.currentThread().getName().equals("A") && aSawFree.getCount() > 0) {
                    aSawFree.countDown();
                    await(resumeA);
                }
                return clock.nanoTime();
            }
        };
        LockListeners l = new LockListeners();
        l.add(checker);
        LockTable t = new LockTable(blockingClock, settings, l, 0);
        assertTrue(t.tryLock(KEY));
        t.unLock(KEY); // the entry exists and is free

        boolean[] aResult = new boolean[1];
        Thread a = new Thread(() -> aResult[0] = t.tryLock(KEY), "A");
        a.start();
        assertTrue(aSawFree.await(5, TimeUnit.SECONDS));
        t.sweep(); // retires the free entry A is about to CAS
        assertEquals(0, t.size());
        assertTrue(t.tryLock(KEY), "B takes the lock on a fresh entry");
        resumeA.countDown();
        join(a);
        assertFalse(aResult[0], "A must not lock the retired entry");
        assertEquals(List.of(), checker.violations);
        assertEquals(1, t.heldLocks().size());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(Thread t) {
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
