/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutual exclusion under stress: many threads over few keys, segments that forget to unlock (the isPopShouldStop
 * leak), threads outside any segment (the buffer-merge thread), stray unlocks, and a sweeper that retires every free
 * entry on every pass (idle age 0) so re-acquisition races the sweep constantly. Two independent checks: the table's
 * own event stream (ExclusionChecker) and the threads' critical sections (an occupancy CAS per key).
 */
@Tag("unit")
class LockTableStressTest {
    private static final int THREADS = 8;
    private static final int KEYS = 4;
    private static final long RUN_MS = 2_000;

    @Test
    @Timeout(60)
    void noOverlapAndEveryLockFreeAtTheEnd() throws Exception {
        TestSettings settings = new TestSettings();
        ExclusionChecker checker = new ExclusionChecker();
        LockStats stats = new LockStats();
        LockListeners listeners = new LockListeners();
        listeners.add(checker);
        listeners.add(stats);
        LockTable table = new LockTable(LockClock.SYSTEM, settings, listeners, 0);

        AtomicReferenceArray<Thread> occupant = new AtomicReferenceArray<>(KEYS);
        List<String> sectionViolations = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicLong forgotten = new AtomicLong();
        AtomicLong acquiredBySegments = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();

        for (int t = 0; t < THREADS; t++) {
            final boolean outsideSegments = t == 0; // like the buffer-merge thread
            threads.add(new Thread(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                while (!stop.get()) {
                    int k = rnd.nextInt(KEYS);
                    String key = "topic@group@" + k;
                    Segment seg = outsideSegments ? null : table.beginSegment("pop");
                    try {
                        if (!table.tryLock(key)) {
                            if (rnd.nextInt(20) == 0) {
                                table.unLock(key); // a stray unlock from a segment that does not hold the lock
                            }
                            continue;
                        }
                        if (!outsideSegments) {
                            acquiredBySegments.incrementAndGet();
                        }
                        Thread me = Thread.currentThread();
                        if (!occupant.compareAndSet(k, null, me)) {
                            sectionViolations.add(me.getName() + " entered " + key + " held by " + occupant.get(k));
                        }
                        if (rnd.nextInt(4) == 0) {
                            Thread.yield();
                        }
                        occupant.compareAndSet(k, me, null);
                        if (!outsideSegments && rnd.nextInt(10) < 3) {
                            forgotten.incrementAndGet(); // early return without unlock: the segment end reclaims
                            continue;
                        }
                        table.unLock(key);
                    } finally {
                        if (seg != null) {
                            table.endSegment(seg);
                        }
                    }
                }
            }, "stress-" + t));
        }
        Thread sweeper = new Thread(() -> {
            while (!stop.get()) {
                table.sweep();
            }
        }, "sweeper");
        threads.forEach(Thread::start);
        sweeper.start();
        Thread.sleep(RUN_MS);
        stop.set(true);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        sweeper.join(10_000);
        table.sweep();

        assertEquals(List.of(), checker.violations, "table event stream");
        assertEquals(List.of(), sectionViolations, "critical sections");
        assertEquals(0, checker.liveCount(), "live leases at the end");
        assertTrue(table.heldLocks().isEmpty(), "held locks at the end: " + table.size());
        assertEquals(forgotten.get(), stats.reclaimed(ReclaimCause.SEGMENT_END),
            "every forgotten unlock reclaimed at its segment end, nothing else");
        assertEquals(stats.acquired(), stats.released() + stats.reclaimed(ReclaimCause.SEGMENT_END));
        assertTrue(acquiredBySegments.get() > 1_000, "the stress did work: " + acquiredBySegments.get());
        assertTrue(stats.contended() > 0 && stats.strayUnlocks() > 0, "contention and stray unlocks happened");
    }
}
