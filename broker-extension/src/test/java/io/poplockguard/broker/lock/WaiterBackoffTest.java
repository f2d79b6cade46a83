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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stock orderly ack waits with {@code while (!tryLock(key)) {}}. Behind a held lock that loop must turn into a few
 * yields and then parks with a growing bound, end at the deadline with a retryable error, and be woken by the
 * release; a single failure (a pop skipping a busy queue) must not wait at all.
 *
 * <p>Driven step by step on one thread: a {@link ManualClock} and a {@link RecordingPauser} that records every yield
 * and park instead of doing it (a park moves the clock by its full bound, unless the thread was unparked). Only
 * {@link #aRealWaiterParksAndTheReleaseUnparksIt} uses real threads.
 */
@Tag("unit")
class WaiterBackoffTest {
    private static final String KEY = "t@g@0";
    private static final String OTHER_KEY = "t@g@1";
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long US = TimeUnit.MICROSECONDS.toNanos(1);
    private static final List<String> EIGHT_YIELDS = Collections.nCopies(WaiterBackoff.YIELDS, "yield");

    private final ManualClock clock = new ManualClock();
    private final TestSettings settings = new TestSettings();
    private final LockStats stats = new LockStats();
    private final Recorder events = new Recorder();
    private final RecordingPauser pauser = new RecordingPauser();
    private final LockTable table;

    WaiterBackoffTest() {
        LockListeners listeners = new LockListeners();
        listeners.add(stats);
        listeners.add(events);
        table = new LockTable(clock, pauser, settings, listeners, LockTable.IDLE_RETIRE_NANOS);
    }

    @Test
    void aSingleFailedTryLockReturnsAtOnce() {
        assertTrue(table.tryLock(KEY)); // held outside every segment, never released here
        long t0 = clock.nanoTime();
        Segment pop = table.beginSegment("pop");
        assertFalse(table.tryLock(KEY));
        table.endSegment(pop);

        assertEquals(List.of(), pauser.calls, "a pop skipping a busy queue neither yields nor parks");
        assertEquals(t0, clock.nanoTime());
        assertEquals(0, stats.parkedNanos());
        assertEquals(1, stats.contended());
    }

    @Test
    void repeatsYieldEightTimesThenParkFrom50MicrosDoublingTo10Millis() {
        assertTrue(table.tryLock(KEY));
        long t0 = clock.nanoTime();
        Segment ack = table.beginSegment("ack");
        for (int i = 0; i < 1 + 8 + 11; i++) {
            assertFalse(table.tryLock(KEY));
        }
        table.endSegment(ack);

        List<String> expected = new ArrayList<>(EIGHT_YIELDS);
        long[] parks = {50 * US, 100 * US, 200 * US, 400 * US, 800 * US, 1_600 * US, 3_200 * US, 6_400 * US,
            10 * MS, 10 * MS, 10 * MS}; // 12.8 ms is capped at 10
        long parkedTotal = 0;
        for (long p : parks) {
            expected.add("park " + p);
            parkedTotal += p;
        }
        assertEquals(expected, pauser.calls);
        assertEquals(parkedTotal, clock.nanoTime() - t0, "the fake parks slept their full bound on the clock");
        assertEquals(parkedTotal, stats.parkedNanos(), "the park time reported comes from the clock");
        assertEquals(parks.length, events.parkedNanos.size());
        assertEquals(Collections.nCopies(parks.length, 1), pauser.waitersWhileParked, "queued while parked");
        assertEquals(0, table.entryFor(KEY).waiterCount(), "and dequeued after");
        assertNotNull(pauser.blocker);
        assertEquals(0, stats.waitDeadlineExceeded());
    }

    @Test
    void aGapOfMoreThan20MillisStartsANewWait() {
        settings.waitDeadlineMs = 30;
        assertTrue(table.tryLock(KEY));
        Segment ack = table.beginSegment("ack");
        assertFalse(table.tryLock(KEY)); // first failure: a new wait
        clock.advanceMillis(20);
        assertFalse(table.tryLock(KEY)); // 20 ms after the last return: still the same wait
        assertEquals(List.of("yield"), pauser.calls);

        clock.advanceMillis(21);
        // 41 ms after the first failure, past the 30 ms deadline: it would throw if this were the same wait
        assertFalse(table.tryLock(KEY));
        assertEquals(List.of("yield"), pauser.calls, "a new wait's first failure returns at once");
        assertFalse(table.tryLock(KEY));
        assertEquals(List.of("yield", "yield"), pauser.calls, "and its repeats yield again");
        table.endSegment(ack);
        assertEquals(0, stats.waitDeadlineExceeded());
    }

    @Test
    void aFailureOnAnotherKeyOrASuccessStartsANewWait() {
        assertTrue(table.tryLock(KEY));
        assertTrue(table.tryLock(OTHER_KEY));
        Segment ack = table.beginSegment("ack");
        assertFalse(table.tryLock(KEY));
        assertFalse(table.tryLock(KEY));
        assertFalse(table.tryLock(OTHER_KEY)); // another key: a new wait, returns at once
        assertFalse(table.tryLock(KEY)); // and back: a new wait again
        assertEquals(List.of("yield"), pauser.calls);

        assertFalse(table.tryLock(KEY)); // yield
        assertTrue(table.tryLock("t@g@2")); // a success resets the wait
        assertFalse(table.tryLock(KEY));
        assertEquals(List.of("yield", "yield"), pauser.calls);
        table.endSegment(ack);
    }

    @Test
    void failuresOutsideEverySegmentOrWithTheGuardOffNeverWait() {
        assertTrue(table.tryLock(KEY));
        for (int i = 0; i < 20; i++) {
            assertFalse(table.tryLock(KEY), "the buffer-merge scan fails on hot keys without waiting");
        }
        settings.enabled = false;
        Segment ack = table.beginSegment("ack");
        for (int i = 0; i < 20; i++) {
            assertFalse(table.tryLock(KEY), "stock semantics with the guard off");
        }
        table.endSegment(ack);
        assertEquals(List.of(), pauser.calls);
    }

    @Test
    void theDeadlineThrowsWithTheWaitedTimeAndIsReported() {
        settings.waitDeadlineMs = 100;
        assertTrue(table.tryLock(KEY));
        long t0 = clock.nanoTime();
        Segment ack = table.beginSegment("ack");
        PopLockWaitTimeoutException timeout = null;
        int calls = 0;
        while (timeout == null && calls < 1_000) {
            calls++;
            try {
                assertFalse(table.tryLock(KEY));
            } catch (PopLockWaitTimeoutException e) {
                timeout = e;
            }
        }
        assertNotNull(timeout, "the wait ends at the deadline");
        assertEquals(KEY, timeout.key());
        assertEquals(100, timeout.waitedMs());
        assertEquals(100 * MS, clock.nanoTime() - t0);
        // 12.75 ms of growing parks, eight of 10 ms, and the last one cut to what was left of the deadline
        assertEquals("park " + 7_250 * US, pauser.calls.get(pauser.calls.size() - 1));
        assertEquals(1 + 8 + 8 + 8 + 1 + 1, calls);
        assertEquals(1, stats.waitDeadlineExceeded());
        assertEquals(List.of(KEY + " " + 100 * MS), events.deadlines, "reported with the waited nanos");
        assertTrue(table.isLocked(KEY), "the holder's lock is untouched");

        int before = pauser.calls.size();
        assertFalse(table.tryLock(KEY));
        assertEquals(before, pauser.calls.size(), "after the deadline the next failure starts a new wait");
        table.endSegment(ack);
    }

    /**
     * The holder's segment encloses the waiter's (as a read's continuation runs inside the segment that delivers it),
     * so one thread plays both: the waiter parks, and while it is parked the holder unlocks.
     */
    @Test
    void aReleaseUnparksTheQueuedWaiter() {
        Segment holder = table.beginSegment("pop");
        assertTrue(table.tryLock(KEY));
        Segment ack = table.beginSegment("ack");
        for (int i = 0; i < 1 + 8; i++) {
            assertFalse(table.tryLock(KEY)); // the first failure and the eight yields
        }
        long t0 = clock.nanoTime();
        pauser.whileParked = () -> table.unLock(KEY);
        assertFalse(table.tryLock(KEY), "this call parked; the lock was free only once it was parked");

        assertEquals(List.of(Thread.currentThread()), pauser.unparked, "the release unparked the queued waiter");
        assertEquals(List.of(1), pauser.waitersWhileParked);
        assertEquals(t0, clock.nanoTime(), "woken at once, not at the end of its 50 us bound");
        assertEquals(List.of(0L), events.parkedNanos);
        assertEquals(1, stats.released());
        assertEquals(0, table.entryFor(KEY).waiterCount());

        assertTrue(table.tryLock(KEY), "the woken waiter takes the lock");
        table.unLock(KEY);
        assertEquals(1, pauser.unparked.size(), "a release with nobody queued unparks nobody");
        table.endSegment(ack);
        table.endSegment(holder);
    }

    /**
     * The one test on real time, tagged slow: it needs a second real thread and the OS scheduler, so it takes as long
     * as the machine takes to schedule and park it. Everything else above is on the manual clock; only here do
     * {@link LockPauser#SYSTEM}'s parkNanos and unpark meet a real parked thread. The waiter's park bound is stretched
     * to a minute, so only the release's unpark can wake it before the join gives up.
     */
    @Test
    @Tag("slow")
    @Timeout(60)
    void aRealWaiterParksAndTheReleaseUnparksIt() throws Exception {
        settings.waitDeadlineMs = 120_000;
        CountDownLatch parking = new CountDownLatch(1);
        List<Thread> unparked = new CopyOnWriteArrayList<>();
        LockPauser real = new LockPauser() {
            @Override
            public void yieldOnce() {
                LockPauser.SYSTEM.yieldOnce();
            }

            @Override
            public void park(Object blocker, long nanos) {
                parking.countDown(); // the waiter is in the entry's queue from here until park returns
                LockPauser.SYSTEM.park(blocker, TimeUnit.MINUTES.toNanos(1));
            }

            @Override
            public void unpark(Thread thread) {
                unparked.add(thread);
                LockPauser.SYSTEM.unpark(thread);
            }
        };
        LockStats realStats = new LockStats();
        LockTable t = new LockTable(LockClock.SYSTEM, real, settings, realStats, LockTable.IDLE_RETIRE_NANOS);
        assertTrue(t.tryLock(KEY)); // held by this thread outside every segment
        AtomicBoolean acquired = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            Segment s = t.beginSegment("ack");
            try {
                while (!t.tryLock(KEY)) {
                    // the stock busy loop
                }
                acquired.set(true);
                t.unLock(KEY);
            } catch (Throwable e) {
                failure.set(e);
            } finally {
                t.endSegment(s);
            }
        }, "orderly-ack");
        waiter.start();
        assertTrue(parking.await(30, TimeUnit.SECONDS), "the waiter parks");
        t.unLock(KEY);
        waiter.join(30_000);

        assertFalse(waiter.isAlive(), "the release woke the parked waiter");
        assertNull(failure.get());
        assertTrue(acquired.get(), "and it took the lock");
        assertSame(waiter, unparked.get(0));
        assertEquals(2, realStats.released());
    }

    /** Records every pause instead of pausing; a park moves the manual clock by its bound, unless unparked first. */
    private final class RecordingPauser implements LockPauser {
        final List<String> calls = new ArrayList<>();
        final List<Integer> waitersWhileParked = new ArrayList<>();
        final List<Thread> unparked = new ArrayList<>();
        /** What the rest of the world does while the thread is parked (runs once). */
        Runnable whileParked;
        Object blocker;
        private boolean permit;

        @Override
        public void yieldOnce() {
            calls.add("yield");
        }

        @Override
        public void park(Object blocker, long nanos) {
            calls.add("park " + nanos);
            this.blocker = blocker;
            waitersWhileParked.add(table.entryFor(KEY).waiterCount());
            Runnable r = whileParked;
            whileParked = null;
            if (r != null) {
                r.run();
            }
            if (permit) {
                permit = false; // unparked: returns at once, like LockSupport.parkNanos with the permit available
                return;
            }
            clock.advanceNanos(nanos);
        }

        @Override
        public void unpark(Thread thread) {
            unparked.add(thread);
            if (thread == Thread.currentThread()) {
                permit = true;
            }
        }
    }

    private static final class Recorder implements LockListener {
        final List<Long> parkedNanos = new ArrayList<>();
        final List<String> deadlines = new ArrayList<>();

        @Override
        public void parked(String key, long nanos) {
            parkedNanos.add(nanos);
        }

        @Override
        public void waitDeadlineExceeded(String key, long waitedNanos) {
            deadlines.add(key + " " + waitedNanos);
        }
    }
}
