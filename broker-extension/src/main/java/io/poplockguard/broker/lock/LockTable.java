package io.poplockguard.broker.lock;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The guarded pop queue locks: a drop-in for the semantics of the broker's {@code QueueLockManager} (non-blocking
 * {@code tryLock(key)}, {@code unLock(key)}) that enforces the invariant of docs/design.md:
 * <ul>
 *   <li>every successful tryLock makes a {@link Lease} owned by the running {@link Segment} (or by none);</li>
 *   <li>when a segment ends, each lease it still HOLDS is reclaimed ({@link #endSegment});</li>
 *   <li>a lease handed to an in-flight store read is BOUND and ends with the read's continuation, or at the read
 *       bound; a lease with no owning segment ends at the unowned bound ({@link #sweep});</li>
 *   <li>an unlock never releases another segment's lease ({@link #unLock});</li>
 *   <li>expiry removes only free entries, by CAS to a terminal state, so mutual exclusion always holds.</li>
 * </ul>
 * With the guard disabled the table keeps the stock semantics: no reclaim at segment end, no parking, and the stock
 * recovery of locks older than 60 s, once a minute.
 */
public final class LockTable {
    /** Free entries unused for this long are removed (the stock sweep's age). */
    static final long IDLE_RETIRE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** Stock recovery: a lock older than this is taken back by the disabled-mode sweep. */
    static final long STOCK_RECLAIM_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final ConcurrentHashMap<String, LockEntry> entries = new ConcurrentHashMap<>(1024);
    /** The calling thread's segment chain and back-off state, in one object so the lock path does one lookup. */
    private final ThreadLocal<PerThread> perThread = ThreadLocal.withInitial(PerThread::new);
    private final AtomicLong leaseIds = new AtomicLong();
    private final AtomicLong segmentIds = new AtomicLong();
    private final LockClock clock;
    private final LockTableSettings settings;
    private final LockListener listener;
    private final WaiterBackoff backoff;
    private final long idleRetireNanos;

    public LockTable(LockClock clock, LockTableSettings settings, LockListener listener) {
        this(clock, settings, listener, IDLE_RETIRE_NANOS);
    }

    /** Tests shorten the idle age to make every sweep race with re-acquisition. */
    LockTable(LockClock clock, LockTableSettings settings, LockListener listener, long idleRetireNanos) {
        this.clock = clock;
        this.settings = settings;
        this.listener = listener;
        this.backoff = new WaiterBackoff(clock, listener);
        this.idleRetireNanos = idleRetireNanos;
    }

    // ---------------------------------------------------------------- segments

    /** Starts a segment on the calling thread; always pair with {@link #endSegment} in a finally block. */
    public Segment beginSegment(String kind) {
        PerThread t = perThread.get();
        Segment s = new Segment(segmentIds.incrementAndGet(), kind, t.segment);
        t.segment = s;
        t.backoff.reset();
        return s;
    }

    /**
     * Ends the segment: enforces the invariant by reclaiming every lease it still holds, then wakes pops parked
     * behind locks it failed to take that were released meanwhile (those pops registered in long polling after the
     * release's own wake-up had already found nobody).
     */
    public void endSegment(Segment s) {
        try {
            if (!settings.guardEnabled()) {
                return; // turned off mid-request: stock behaviour, the 60 s sweep recovers what is left
            }
            for (Lease lease : s.leases()) {
                // State first, then owner: a continuation adopting a bound lease sets the owner before its
                // BOUND -> HELD CAS, so seeing HELD here means the owner read below is already the adopter's.
                if (lease.state() == LeaseState.HELD && lease.owner() == s) {
                    LockEntry e = entries.get(lease.key());
                    if (e != null) {
                        end(e, lease, LeaseState.HELD, LeaseState.RECLAIMED, ReclaimCause.SEGMENT_END);
                    }
                }
            }
            List<Segment.FailedLock> failed = s.failedLocks();
            if (failed != null) {
                for (Segment.FailedLock f : failed) {
                    if (f.entry.releaseCount != f.releaseCount) {
                        listener.wakePops(f.key);
                    }
                }
            }
        } finally {
            perThread.get().segment = s.outer();
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
            long releases = e.releaseCount; // read before the holder, so a release in between is noticed later
            Lease cur = e.holder();
            if (cur == null) {
                Lease lease = new Lease(leaseIds.incrementAndGet(), key, seg, clock.nanoTime(),
                    Thread.currentThread().getId());
                if (e.casHolder(null, lease)) {
                    // lastUsedNanos is not touched here: a held entry is never idle, and end() stamps it
                    if (seg != null) {
                        seg.add(lease);
                    }
                    t.backoff.reset();
                    listener.acquired(lease);
                    return true;
                }
                continue; // lost the race: re-read (it may be held now, or retired)
            }
            if (cur == LockEntry.RETIRED) {
                entries.remove(key, e); // help the sweep finish, then use a fresh entry
                continue;
            }
            e.contended = true;
            listener.contended(key);
            if (settings.guardEnabled()) {
                if (seg != null) {
                    seg.failedToLock(key, e, releases);
                }
                backoff.onFailure(t.backoff, key, e, settings.waitDeadlineMs(), seg != null);
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
     * Releases the caller's lease. Invariant (guard on): an unlock never releases someone else's lease - a lease
     * owned by a segment is released only from that segment (or one nested in it), see {@link #mayRelease}; anything
     * else is a stray unlock, counted and ignored. With the guard off any unlock releases, as in the stock manager.
     */
    public void unLock(String key) {
        LockEntry e = entries.get(key);
        Lease cur = e == null ? null : e.holder();
        if (cur == null || cur == LockEntry.RETIRED) {
            listener.strayUnlock(key, "notHeld");
            return;
        }
        if (settings.guardEnabled() && !mayRelease(cur)) {
            listener.strayUnlock(key, "heldByOther");
            return;
        }
        LeaseState from = cur.state();
        if (!from.isLive() || !end(e, cur, from, LeaseState.RELEASED, null)) {
            listener.strayUnlock(key, "alreadyEnded");
        }
    }

    /**
     * Who may release a lease with the guard on: its owning segment (or one nested in it); for a lease taken outside
     * every segment, any thread outside every segment, as in the stock manager.
     */
    private boolean mayRelease(Lease lease) {
        Segment seg = perThread.get().segment;
        Segment owner = lease.owner();
        return owner == null ? seg == null : seg != null && seg.isOrEncloses(owner);
    }

    /**
     * The one place a lease ends. Whoever wins the state CAS is the only one to clear the holder, so a lease is
     * released or reclaimed exactly once and the holder is never cleared under a newer lease.
     */
    private boolean end(LockEntry e, Lease lease, LeaseState from, LeaseState to, ReclaimCause cause) {
        if (!lease.transition(from, to)) {
            return false;
        }
        long now = clock.nanoTime();
        listener.ended(lease, cause, now - lease.acquiredNanos());
        e.recordRelease(now);
        if (!e.casHolder(lease, null)) {
            throw new IllegalStateException("lock entry holder changed under live lease " + lease);
        }
        e.unparkWaiters();
        if (e.contended && settings.guardEnabled()) {
            e.contended = false;
            listener.wakePops(lease.key());
        }
        return true;
    }

    // ---------------------------------------------------------------- store reads

    /**
     * The lease for {@code key} that the calling thread is responsible for: owned by its current segment chain, or
     * taken by this very thread outside every segment. Null when the thread does not hold the lock.
     */
    public Lease heldByCurrentThread(String key) {
        LockEntry e = entries.get(key);
        Lease l = e == null ? null : e.holder();
        if (l == null || l == LockEntry.RETIRED || l.state() != LeaseState.HELD) {
            return null;
        }
        Segment seg = perThread.get().segment;
        Segment owner = l.owner();
        if (owner != null) {
            return seg != null && seg.isOrEncloses(owner) ? l : null;
        }
        return l.threadId() == Thread.currentThread().getId() ? l : null;
    }

    /** The owning segment returns while a read it started is in flight: the read now carries the lease. */
    public boolean bindToRead(Lease lease) {
        lease.markBound(clock.nanoTime());
        return lease.transition(LeaseState.HELD, LeaseState.BOUND);
    }

    /** The read completed: its continuation segment takes over the lease (and reclaims it at its end if unreleased). */
    public boolean adoptAfterRead(Lease lease, Segment continuation) {
        lease.setOwner(continuation);
        if (lease.transition(LeaseState.BOUND, LeaseState.HELD)) {
            continuation.add(lease);
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- housekeeping

    /**
     * One housekeeping pass. Guard on: reclaims unowned leases past their bound and bound leases whose read outlived
     * the read bound, and retires idle free entries. Guard off: the stock recovery, every lock older than 60 s.
     * Never throws for one bad entry; returns the number of entries seen.
     */
    public int sweep() {
        long now = clock.nanoTime();
        boolean guard = settings.guardEnabled();
        long unowned = TimeUnit.MILLISECONDS.toNanos(settings.unownedLeaseMs());
        long readBound = TimeUnit.MILLISECONDS.toNanos(settings.readBoundMs());
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
            LeaseState st = l.state();
            if (!guard) {
                if (st.isLive() && now - l.acquiredNanos() > STOCK_RECLAIM_NANOS) {
                    end(e, l, st, LeaseState.RECLAIMED, ReclaimCause.STOCK_SWEEP);
                }
            } else if (st == LeaseState.HELD && l.owner() == null && now - l.acquiredNanos() > unowned) {
                end(e, l, LeaseState.HELD, LeaseState.RECLAIMED, ReclaimCause.UNOWNED_BOUND);
            } else if (st == LeaseState.BOUND && now - l.boundAtNanos() > readBound) {
                end(e, l, LeaseState.BOUND, LeaseState.RECLAIMED, ReclaimCause.READ_BOUND);
            }
        }
        return seen;
    }

    /** Operator's forced release of whatever lease holds {@code key}. Returns the lease ended, or null if free. */
    public Lease forceRelease(String key) {
        LockEntry e = entries.get(key);
        Lease l = e == null ? null : e.holder();
        if (l == null || l == LockEntry.RETIRED) {
            return null;
        }
        LeaseState st = l.state();
        return st.isLive() && end(e, l, st, LeaseState.RECLAIMED, ReclaimCause.FORCED) ? l : null;
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
                    TimeUnit.NANOSECONDS.toMillis(now - l.acquiredNanos()), e.waiterCount(), l.id()));
            }
        }
        out.sort((a, b) -> Long.compare(b.heldMs, a.heldMs));
        return out;
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
    }
}
