/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The guarded pop locks (PopMessageProcessor's queue locks and, on the RocksDB pop path, PopConsumerService's
 * consumer locks, see {@link LockKey}).
 *
 * <p><b>Concurrency.</b> Shared between threads: the map of entries ({@code LockEntry}, a ConcurrentHashMap), each
 * entry's fields, each {@link Lease}'s stage and announced flag, and a segment's ended flag. The rest of a segment
 * and the back-off state are confined to one thread.
 * <ul>
 *   <li><i>Holder.</i> A lock is held exactly when its entry's {@code holder} is a lease. {@link #tryLock} takes it by
 *       CAS null -> lease, which publishes the lease (final fields; its first stage an ordered store made before the
 *       CAS). The sweep retires only a free entry, by CAS null -> RETIRED; a thread still holding the retired entry
 *       fails its CAS, sees RETIRED, helps remove it from the map and takes a fresh one.</li>
 *   <li><i>Stage.</i> A lease's state, responsible segment and read bound are one immutable {@code Lease.Stage},
 *       replaced by CAS on identity ({@code Lease.transition}); a party decides on one stage and CASes that same one.
 *       Whoever wins the CAS out of a live stage into a final one is the only party that clears the holder
 *       ({@code end}: CAS lease -> null, in a finally, after the listeners were told of the end). Third parties (sweep,
 *       forced release) end only announced leases, whose acquire the listeners have seen.</li>
 *   <li><i>Missed releases.</i> A segment that fails to lock remembers the lease it failed on; lease objects are
 *       never reused, so once the entry's holder is anything else that lease has ended, and the segment wakes the
 *       pops it parked at its end. {@code end} unparks the entry's waiters after it cleared the holder, and each waiter
 *       enqueued before re-checking the holder, so no parked waiter misses a release. The entry's {@code contended}
 *       flag is only a hint for the release's own wake-up.</li>
 *   <li><i>Thread-confined.</i> A {@link Segment} and its lists belong to the thread that runs it (other threads read
 *       its final fields and its {@code ended} flag); the thread's innermost segment and back-off state are
 *       per-thread ({@code PerThread}, in a ThreadLocal). A lease BOUND to a read has no segment; the continuation
 *       that adopts it (BOUND -> HELD, a CAS) runs in a new segment on the thread that completes the read's future
 *       (or the one handing the read over, if it completed meanwhile).</li>
 * </ul>
 * Time comes only from the {@link LockClock} and waiting only goes through the {@code LockPauser}, both passed in.
 * The invariant and why it holds: docs/design.md, sections "The invariant" and "Leases" (the lease life cycle, also in
 * {@link LeaseState}, and its "Store reads" and "Segment end and orphans"); the back-off: "Waiters".
 *
 * <p>A drop-in for the semantics of the broker's {@code QueueLockManager} (non-blocking {@code tryLock(key)},
 * {@code unLock(key)}) that enforces the invariant of docs/design.md:
 * <ul>
 *   <li>every successful tryLock makes a {@link Lease} owned by the running {@link Segment} (or by none);</li>
 *   <li>when a segment ends, each store read started under its leases is handed over and each lease it still HOLDS is
 *       reclaimed ({@link #endSegment});</li>
 *   <li>a lease handed to an in-flight store read is BOUND: the read's continuation adopts it, or the read bound takes
 *       it back and the read is abandoned; a lease with no owning segment ends at the unowned bound, one left HELD by
 *       an ended segment at the next sweep ({@link #sweep});</li>
 *   <li>an unlock never releases another segment's lease ({@link #unLock});</li>
 *   <li>expiry removes only free entries, by CAS to a terminal state, so mutual exclusion always holds.</li>
 * </ul>
 * With the guard disabled the table keeps the stock semantics: no parking, no wake-ups, and the stock recovery of
 * locks older than 60 s, once a minute (segments already running finish by the guard's rules).
 */
public final class LockTable {
    /** Free entries unused for this long are removed (the stock sweep's age). */
    static final long IDLE_RETIRE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** Stock recovery: a lock older than this is taken back by the disabled-mode sweep. */
    static final long STOCK_RECLAIM_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final ConcurrentHashMap<String, LockEntry> entries = new ConcurrentHashMap<>(1024);
    /** The calling thread's segment chain and back-off state, in one object so the lock path does one lookup. */
    private final ThreadLocal<PerThread> perThread = ThreadLocal.withInitial(PerThread::new);
    /** Lease and segment ids, handed to threads in blocks ({@link IdBlock}): threads share no counter per lock. */
    private final AtomicLong leaseIds = new AtomicLong();
    private final AtomicLong segmentIds = new AtomicLong();
    private final LockClock clock;
    private final LockPauser pauser;
    private final LockTableSettings settings;
    private final LockListener listener;
    private final WaiterBackoff backoff;
    private final long idleRetireNanos;

    public LockTable(LockClock clock, LockTableSettings settings, LockListener listener) {
        this(clock, LockPauser.SYSTEM, settings, listener, IDLE_RETIRE_NANOS);
    }

    /** Tests shorten the idle age to make every sweep race with re-acquisition. */
    LockTable(LockClock clock, LockTableSettings settings, LockListener listener, long idleRetireNanos) {
        this(clock, LockPauser.SYSTEM, settings, listener, idleRetireNanos);
    }

    /** Tests pass a pauser that records the waits instead of yielding and parking (with a manual clock). */
    LockTable(LockClock clock, LockPauser pauser, LockTableSettings settings, LockListener listener,
        long idleRetireNanos) {
        this.clock = clock;
        this.pauser = pauser;
        this.settings = settings;
        this.listener = listener;
        this.backoff = new WaiterBackoff(clock, pauser, listener);
        this.idleRetireNanos = idleRetireNanos;
    }

    // ---------------------------------------------------------------- segments

    /** Starts a segment on the calling thread; always pair with {@link #endSegment} in a finally block. */
    public Segment beginSegment(String kind) {
        return beginSegment(kind, 0);
    }

    /**
     * Starts a segment serving a request whose client waits {@code clientWaitsMs} more for the answer (negative:
     * unknown). A store read handed a lease by this segment (or its continuations) is bounded by that deadline when it
     * is sooner than popLockGuardReadBoundMs: a pop nobody waits for no longer needs the queue.
     */
    public Segment beginRequestSegment(String kind, long clientWaitsMs) {
        long deadline = 0;
        if (clientWaitsMs >= 0) {
            deadline = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(clientWaitsMs);
            deadline = deadline == 0 ? 1 : deadline; // 0 means "no deadline"
        }
        return beginSegment(kind, deadline);
    }

    /** {@code requestDeadlineNanos}: on the table's clock, 0 for none. */
    Segment beginSegment(String kind, long requestDeadlineNanos) {
        PerThread t = perThread.get();
        Segment s = new Segment(t.segmentIds.next(segmentIds), kind, t.segment, requestDeadlineNanos);
        t.segment = s;
        t.backoff.reset();
        return s;
    }

    /**
     * Ends the segment and enforces the invariant for everything it took: store reads started under its leases are
     * handed over (delivered here if done, else the lease is bound to the read), leases it still holds are
     * reclaimed, then pops parked behind locks it failed to take that were released meanwhile are woken (they
     * registered in long polling after the release's own wake-up had found nobody).
     *
     * <p>A segment begun with the guard on ends by the guard's rules even if the guard was switched off since:
     * otherwise its leaked lease would be owned by a finished segment, which no rule of the disabled mode recovers
     * quickly. Whatever a failure cuts short here is left HELD by an ended segment, which the sweep reclaims as
     * {@link ReclaimCause#ORPHANED}.
     */
    public void endSegment(Segment s) {
        try {
            try {
                handOverReads(s);
            } finally {
                reclaimHeld(s);
            }
            wakePopsParkedBehind(s);
        } finally {
            s.markEnded();
            perThread.get().segment = s.outer();
        }
    }

    private void handOverReads(Segment s) {
        for (Segment.ReadUnderLease r; (r = s.pollRead()) != null; ) {
            Lease.Stage st = r.lease.stage();
            if (st.state != LeaseState.HELD || st.owner != s) {
                r.read.abandon(); // the lease was taken (forced release) before the read could have it
                continue;
            }
            if (r.read.isDone()) {
                // The stock stages run now, on this thread, under the lock; any read or lock they start joins this
                // segment and is handled by this same loop or the reclaim below.
                r.read.deliver();
                continue;
            }
            long now = clock.nanoTime();
            Lease.Stage bound = Lease.Stage.bound(now, readExpiry(s, now), s.requestDeadlineNanos(), r.read);
            if (!r.lease.transition(st, bound)) {
                r.read.abandon();
                continue;
            }
            Lease lease = r.lease;
            // Every stage of the stock code is attached by now (the segment that started the read has returned), so
            // whenever the read completes the continuation runs them under the adopted lock.
            r.read.whenDone(() -> continueAfterRead(lease, bound));
        }
    }

    private long readExpiry(Segment s, long now) {
        long bound = now + TimeUnit.MILLISECONDS.toNanos(settings.readBoundMs());
        long deadline = s.requestDeadlineNanos();
        if (deadline == 0 || deadline - bound >= 0) {
            return bound;
        }
        return deadline - now > 0 ? deadline : now;
    }

    /** The read completed: a new segment adopts the lease (if it is still the read's) and runs the stock stages. */
    private void continueAfterRead(Lease lease, Lease.Stage bound) {
        Segment c = beginSegment("read", bound.requestDeadlineNanos);
        try {
            if (lease.transition(bound, c.heldStage())) {
                c.add(lease);
                bound.read.deliver();
            } else {
                // Invariant: a read whose lease was taken never delivers. Whoever took it has abandoned the read
                // (the pop was answered with nothing read); this discards the result.
                bound.read.abandon();
            }
        } finally {
            endSegment(c);
        }
    }

    private void reclaimHeld(Segment s) {
        for (int i = 0, n = s.leaseCount(); i < n; i++) {
            Lease lease = s.lease(i);
            Lease.Stage st = lease.stage();
            if (st.state == LeaseState.HELD && st.owner == s) {
                LockEntry e = entries.get(lease.key());
                if (e != null) {
                    end(e, lease, st, LeaseState.RECLAIMED, ReclaimCause.SEGMENT_END);
                }
            }
        }
    }

    private void wakePopsParkedBehind(Segment s) {
        for (Segment.FailedLock f : s.failedLocks()) {
            if (f.releasedSince()) {
                listener.wakePops(f.key);
            }
        }
    }

    public Segment currentSegment() {
        return perThread.get().segment;
    }

    // ---------------------------------------------------------------- lock / unlock

    public boolean tryLock(String key) {
        PerThread t = perThread.get();
        Segment seg = t.segment;
        for (;;) {
            LockEntry e = entryFor(key);
            Lease cur = e.holder();
            if (cur == null) {
                Throwable at = settings.leakStacks() ? new Throwable("queue lock taken here, key=" + key) : null;
                Lease lease = new Lease(t.leaseIds.next(leaseIds), key, seg == null ? Lease.Stage.HELD_UNOWNED : seg.heldStage(),
                    clock.nanoTime(), Thread.currentThread().getId(), at);
                if (e.casHolder(null, lease)) {
                    // lastUsedNanos is not touched here: a held entry is never idle, and end() stamps it
                    if (seg != null) {
                        seg.add(lease);
                    }
                    t.backoff.reset();
                    try {
                        listener.acquired(lease);
                    } finally {
                        lease.markAnnounced();
                    }
                    return true;
                }
                continue; // lost the race: re-read (it may be held now, or retired)
            }
            if (cur == LockEntry.RETIRED) {
                entries.remove(key, e); // help the sweep finish, then use a fresh entry
                continue;
            }
            if (!e.contended) {
                e.contended = true; // written only when it changes: failing threads on a hot key share no cache line
            }
            listener.contended(key);
            // Only a segment's own repeated failures are a waiter: a thread outside every segment (the buffer-merge
            // scan) fails on hot keys again and again without waiting for them, and must never be slowed down.
            if (seg != null && settings.guardEnabled()) {
                seg.failedToLock(key, e, cur);
                backoff.onFailure(t.backoff, key, e, settings.waitDeadlineMs());
            }
            return false;
        }
    }

    LockEntry entryFor(String key) {
        LockEntry e = entries.get(key);
        if (e == null) {
            LockEntry fresh = new LockEntry(clock.nanoTime());
            e = entries.putIfAbsent(key, fresh);
            if (e == null) {
                e = fresh;
            }
        }
        return e;
    }

    /**
     * Releases the caller's lease. Invariant (guard on): an unlock never releases someone else's lease - see
     * {@link #mayRelease}; anything else is a stray unlock, counted and ignored. With the guard off any unlock
     * releases, as in the stock manager.
     */
    public void unLock(String key) {
        LockEntry e = entries.get(key);
        Lease cur = e == null ? null : e.holder();
        if (cur == null || cur == LockEntry.RETIRED) {
            listener.strayUnlock(key, "notHeld");
            return;
        }
        Lease.Stage st = cur.stage();
        if (!st.state.isLive()) {
            listener.strayUnlock(key, "alreadyEnded");
            return;
        }
        if (settings.guardEnabled() && !mayRelease(st)) {
            listener.strayUnlock(key, "heldByOther");
            return;
        }
        if (!end(e, cur, st, LeaseState.RELEASED, null)) {
            listener.strayUnlock(key, "alreadyEnded");
        }
    }

    /**
     * Who may release a lease with the guard on: its owning segment (or one nested in it); for a lease taken outside
     * every segment, any thread outside every segment, as in the stock manager. A lease a store read carries is
     * released by nobody: the read's continuation adopts it first.
     */
    private boolean mayRelease(Lease.Stage st) {
        if (st.state != LeaseState.HELD) {
            return false;
        }
        Segment seg = perThread.get().segment;
        return st.owner == null ? seg == null : seg != null && seg.isOrEncloses(st.owner);
    }

    /**
     * The one place a lease ends. Whoever wins the CAS out of {@code from} is the only one to clear the holder, so a
     * lease is released or reclaimed exactly once and the holder is never cleared under a newer lease. A lease taken
     * from a store read abandons the read, so its pop is answered and its late result never delivered.
     */
    private boolean end(LockEntry e, Lease lease, Lease.Stage from, LeaseState to, ReclaimCause cause) {
        if (!lease.transition(from, Lease.Stage.terminal(to))) {
            return false;
        }
        long now = clock.nanoTime();
        try {
            // ended() runs while the holder is still set, so a trace orders this end before the next acquire.
            listener.ended(lease, cause, now - lease.acquiredNanos());
        } finally {
            // Invariant: once the CAS is won the holder is cleared, whatever a listener threw; otherwise the key
            // would stay locked by a dead lease that no unlock, sweep or forced release can end.
            e.stampUsed(now);
            if (!e.casHolder(lease, null)) {
                throw new IllegalStateException("lock entry holder changed under live lease " + lease);
            }
            e.unparkWaiters(pauser);
            if (e.contended && settings.guardEnabled()) {
                e.contended = false;
                listener.wakePops(lease.key());
            }
        }
        if (from.state == LeaseState.BOUND) {
            abandon(from);
        }
        return true;
    }

    /**
     * Answers the stock continuation of a read that lost its lease, in a segment of its own: it may pop on (a pop
     * over every queue chains the next queue's read), and whatever it reads keeps the request's deadline, which has
     * usually passed by now, so such a read gives its queue back at the next sweep.
     */
    private void abandon(Lease.Stage bound) {
        PendingRead read = bound.read;
        Segment s = beginSegment("readAbandoned", bound.requestDeadlineNanos);
        try {
            read.abandon();
        } finally {
            endSegment(s);
        }
    }

    // ---------------------------------------------------------------- store reads

    /**
     * The lease for {@code key} that the calling thread is responsible for: owned by its current segment chain, or
     * taken by this very thread outside every segment. Null when the thread does not hold the lock.
     */
    public Lease heldByCurrentThread(String key) {
        LockEntry e = entries.get(key);
        Lease l = e == null ? null : e.holder();
        if (l == null || l == LockEntry.RETIRED) {
            return null;
        }
        Lease.Stage st = l.stage();
        if (st.state != LeaseState.HELD) {
            return null;
        }
        if (st.owner != null) {
            Segment seg = perThread.get().segment;
            return seg != null && seg.isOrEncloses(st.owner) ? l : null;
        }
        return l.threadId() == Thread.currentThread().getId() ? l : null;
    }

    /**
     * A store read still in flight was started under {@code lease} (held by the calling thread, see
     * {@link #heldByCurrentThread}). The read is handed over when the segment responsible for the lease ends: not
     * before, because the stock code attaches its stages to the read's future only after the read call returns.
     * Returns false for a lease taken outside every segment (there is no segment end to wait for).
     */
    public boolean deferRead(Lease lease, PendingRead read) {
        Lease.Stage st = lease.stage();
        if (st.state != LeaseState.HELD || st.owner == null) {
            return false;
        }
        st.owner.addRead(lease, read); // the owner is in the calling thread's chain: confined to this thread
        return true;
    }

    // ---------------------------------------------------------------- housekeeping

    /**
     * One housekeeping pass. Guard on: reclaims unowned leases past their bound, leases left HELD by an ended
     * segment, and leases whose read outlived its bound; retires idle free entries. Guard off: the stock recovery,
     * every lock older than 60 s. Each decision is made on one stage snapshot and applied by a CAS on that same
     * snapshot, so a lease that moved on meanwhile is left alone. Returns the number of entries seen.
     */
    public int sweep() {
        long now = clock.nanoTime();
        boolean guard = settings.guardEnabled();
        long unowned = TimeUnit.MILLISECONDS.toNanos(settings.unownedLeaseMs());
        int seen = 0;
        for (Map.Entry<String, LockEntry> me : entries.entrySet()) {
            seen++;
            LockEntry e = me.getValue();
            Lease l = e.holder();
            if (l == null) {
                // Invariant: only a free entry is retired, and atomically; a racing tryLock either won (we fail the
                // CAS) or will see RETIRED and use a fresh entry.
                if (now - e.lastUsedNanos >= idleRetireNanos && e.waiterCount() == 0 && e.casHolder(null, LockEntry.RETIRED)) {
                    entries.remove(me.getKey(), e);
                }
                continue;
            }
            if (l == LockEntry.RETIRED) {
                entries.remove(me.getKey(), e);
                continue;
            }
            Lease.Stage st = l.stage();
            ReclaimCause cause = null;
            if (!l.isAnnounced()) {
                continue; // being taken right now: its acquire is not reported yet, see Lease.isAnnounced
            }
            if (!guard) {
                if (st.state.isLive() && now - l.acquiredNanos() > STOCK_RECLAIM_NANOS) {
                    cause = ReclaimCause.STOCK_SWEEP;
                }
            } else if (st.state == LeaseState.HELD) {
                if (st.owner == null ? now - l.acquiredNanos() > unowned : st.owner.isEnded()) {
                    cause = st.owner == null ? ReclaimCause.UNOWNED_BOUND : ReclaimCause.ORPHANED;
                }
            } else if (st.state == LeaseState.BOUND && now - st.expiresAtNanos >= 0) {
                cause = ReclaimCause.READ_BOUND;
            }
            if (cause != null) {
                end(e, l, st, LeaseState.RECLAIMED, cause);
            }
        }
        return seen;
    }

    /**
     * Operator's forced release of whatever lease holds {@code key}. Returns the lease ended, or null if the key is
     * free (or its lock is being taken at this very moment: see {@link Lease#isAnnounced}).
     */
    public Lease forceRelease(String key) {
        LockEntry e = entries.get(key);
        Lease l = e == null ? null : e.holder();
        if (l == null || l == LockEntry.RETIRED || !l.isAnnounced()) {
            return null;
        }
        Lease.Stage st = l.stage();
        return st.state.isLive() && end(e, l, st, LeaseState.RECLAIMED, ReclaimCause.FORCED) ? l : null;
    }

    // ---------------------------------------------------------------- views

    /** The held locks, longest held first. */
    public List<LockView> heldLocks() {
        long now = clock.nanoTime();
        List<LockView> out = new ArrayList<>();
        for (Map.Entry<String, LockEntry> me : entries.entrySet()) {
            LockEntry e = me.getValue();
            Lease l = e.holder();
            if (l != null && l != LockEntry.RETIRED) {
                out.add(new LockView(me.getKey(), l.state().name(), l.ownerLabel(),
                    TimeUnit.NANOSECONDS.toMillis(now - l.acquiredNanos()), e.waiterCount(), l.id(), takenAt(l)));
            }
        }
        out.sort((a, b) -> Long.compare(b.heldMs, a.heldMs));
        return out;
    }

    /** The frames of a lease's capture point, skipping the lock table's own. */
    private static String[] takenAt(Lease l) {
        Throwable at = l.acquiredAt();
        if (at == null) {
            return new String[0];
        }
        List<String> frames = new ArrayList<>();
        for (StackTraceElement f : at.getStackTrace()) {
            if (frames.isEmpty() && f.getClassName().startsWith(LockTable.class.getPackage().getName())) {
                continue;
            }
            frames.add(f.toString());
        }
        return frames.toArray(new String[0]);
    }

    public boolean isLocked(String key) {
        LockEntry e = entries.get(key);
        Lease l = e == null ? null : e.holder();
        return l != null && l != LockEntry.RETIRED;
    }

    /** Entries in the table, held or idle. */
    public int size() {
        return entries.size();
    }

    /**
     * Per-thread lock state. The object stays with the thread for the table's life (a pool thread keeps one small
     * object), so starting and ending a segment writes a field instead of adding and removing a ThreadLocal entry.
     */
    private static final class PerThread {
        /** The innermost running segment, null outside every segment. */
        Segment segment;
        final WaiterBackoff.State backoff = new WaiterBackoff.State();
        final IdBlock leaseIds = new IdBlock();
        final IdBlock segmentIds = new IdBlock();
    }

    /** One thread's share of an id counter: ids unique in the table, increasing per thread, not across threads. */
    private static final class IdBlock {
        /** Ids are taken from the shared counter this many at a time. */
        private static final long SIZE = 1024;
        private long next;
        private long limit;

        long next(AtomicLong counter) {
            if (next == limit) {
                next = counter.getAndAdd(SIZE) + 1;
                limit = next + SIZE;
            }
            return next++;
        }
    }
}
