/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.lock;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bounded model checking of {@link LockTable} with Lincheck 3.7 (model-checking strategy: each scenario is run under
 * many thread interleavings, switching threads at the table's shared-memory accesses, fewest switches first).
 *
 * <p>How the checks are made meaningful: every operation returns void, so Lincheck's linearizability check is
 * trivially satisfied; the invariants are checked by a {@link Recorder} (the table's listener, plus snapshots the
 * operations take of the table) and reported by each configuration's {@code @Validate} method, which runs at
 * quiescence and fails with the list of violations - Lincheck then prints the interleaving that led there. The
 * recorder's methods are excluded from the interleaving search (they run atomically and are not traced), so the
 * explored switch points are those of the table. Only the table's public surface is used (tryLock, unLock,
 * beginSegment/endSegment, sweep, forceRelease, the settings' guard switch, the manual clock); store reads
 * (bindToRead/adoptAfterRead) are left out while their API changes.
 *
 * <p>One configuration per invariant, each with its own operations, so one failure does not hide another:
 * <ul>
 *   <li>{@link MutualExclusion}: at most one live (HELD or BOUND) lease per key; a segment's lease is not ended by
 *       anyone but that segment while it is in its critical section (stray unlocks are ignored);</li>
 *   <li>{@link HeldEntryReachable}: a live lease stays the holder of the entry the table's map returns for its key,
 *       under sweeps (idle retire, unowned bound) and forced releases;</li>
 *   <li>{@link NoOrphanWithGuardFlicker}: at quiescence no lease is HELD by a segment that ended, and every entry is
 *       free or held by an unowned lease - with an operator switching the guard off and on again;</li>
 *   <li>{@link WakeAfterFailedTryLock}: a lock released after a tryLock failed in a segment (before that segment
 *       ended, or while the tryLock ran) is followed by {@code wakePops(key)} no earlier than the point where that
 *       pop parks in long polling (taken as late as possible: just before its segment ends);</li>
 *   <li>{@link ListenerTraceOrder}: per key the listener sees acquired(L1) ended(L1) acquired(L2) ..., the order
 *       LockListener promises to the trace;</li>
 *   <li>{@link ListenerErrorInEnded}: the quiescence invariant when a listener throws an Error from ended().</li>
 * </ul>
 *
 * <p>Each configuration runs hand-picked scenarios (the smallest ones that can break its invariant), then
 * {@code modelcheck.iterations} random ones of {@code modelcheck.threads} threads; every scenario is explored under up
 * to {@code modelcheck.invocations} interleavings (Lincheck stops earlier once it has seen them all). The bounds are
 * system properties set by broker-extension/pom.xml: a bounded run in {@code mvn test}, a long one with
 * {@code -Pmodelcheck-long}. Defects known in the current code are listed in {@link #KNOWN_DEFECTS}: when the checker
 * reproduces one the test is reported as skipped (aborted) with the interleaving written to target/modelcheck/; with
 * {@code -Dmodelcheck.strict=true} they fail like any other violation. A known defect that no longer reproduces fails
 * the test, so the list is kept honest.
 */
@Tag("modelcheck") // run by broker-extension/pom.xml's surefire execution "modelcheck", in a JVM of its own
public class LockTableModelCheckTest {
    /** Invariants the current LockTable is known to violate (reviewed defects), see the class comment. */
    static final Set<String> KNOWN_DEFECTS = new HashSet<>(Arrays.asList(
    ));

    static final int ITERATIONS = Integer.getInteger("modelcheck.iterations", 0);
    static final int INVOCATIONS = Integer.getInteger("modelcheck.invocations", 300);
    static final int THREADS = Integer.getInteger("modelcheck.threads", 2);
    static final int ACTORS_PER_THREAD = Integer.getInteger("modelcheck.actorsPerThread", 2);
    static final boolean STRICT = Boolean.getBoolean("modelcheck.strict");
    static final long INVOCATION_TIMEOUT_MS = Long.getLong("modelcheck.invocationTimeoutMs", 300_000);
    static final Path REPORT_DIR = Paths.get(System.getProperty("modelcheck.reportDir", "target/modelcheck"));

    // ------------------------------------------------------------------------------------------------ the tests

    @Test
    void mutualExclusion() {
        check("mutualExclusion", MutualExclusion.class, ACTORS_PER_THREAD,
            scenario(MutualExclusion.class, "pop(0)", "pop(0)"),
            scenario(MutualExclusion.class, "pop(0) pop(0)", "strayUnlock(0) pop(0)"),
            scenario(MutualExclusion.class, "leakyPop(0)", "pop(0) strayUnlock(0)"),
            scenario(MutualExclusion.class, "unownedPop(0)", "pop(0)", "strayUnlock(0)"),
            scenario(MutualExclusion.class, "pop(0) pop(1)", "pop(1) leakyPop(0)"));
    }

    @Test
    void heldEntryReachable() {
        check("heldEntryReachable", HeldEntryReachable.class, ACTORS_PER_THREAD,
            scenario(HeldEntryReachable.class, "pop", "sweepAfterAMinute"),
            scenario(HeldEntryReachable.class, "sweepAfterAMinute pop", "pop sweepAfterAMinute"),
            scenario(HeldEntryReachable.class, "unownedLeak pop", "sweepAfterAMinute pop"),
            scenario(HeldEntryReachable.class, "pop", "forceRelease"),
            scenario(HeldEntryReachable.class, "leakyPop", "forceRelease pop"));
    }

    @Test
    void noOrphanWithGuardFlicker() {
        check("noOrphanWithGuardFlicker", NoOrphanWithGuardFlicker.class, ACTORS_PER_THREAD,
            scenario(NoOrphanWithGuardFlicker.class, "leakyPop", "guardFlicker"),
            scenario(NoOrphanWithGuardFlicker.class, "pop", "guardFlicker"),
            scenario(NoOrphanWithGuardFlicker.class, "leakyPop pop", "guardFlicker pop"));
    }

    @Test
    void wakeAfterFailedTryLock() {
        check("wakeAfterFailedTryLock", WakeAfterFailedTryLock.class, ACTORS_PER_THREAD,
            // the lock taken beforehand outside every segment, released while a pop tries it: the smallest race
            scenarioAfter(WakeAfterFailedTryLock.class, "unownedLock", "unownedUnlock", "pop"),
            scenario(WakeAfterFailedTryLock.class, "pop", "pop"),
            scenario(WakeAfterFailedTryLock.class, "leakyPop", "pop"),
            scenario(WakeAfterFailedTryLock.class, "pop", "pop", "pop"));
    }

    @Test
    void listenerTraceOrder() {
        check("listenerTraceOrder", ListenerTraceOrder.class, ACTORS_PER_THREAD,
            scenario(ListenerTraceOrder.class, "pop", "forceRelease pop"),
            scenario(ListenerTraceOrder.class, "leakyPop", "forceRelease"));
    }

    @Test
    void asyncReadHandOver() {
        check("asyncReadHandOver", AsyncReadHandOver.class, ACTORS_PER_THREAD,
            scenario(AsyncReadHandOver.class, "popWithRead", "completeRead"),
            scenario(AsyncReadHandOver.class, "popWithRead", "completeRead", "sweepAfterReadBound"),
            scenario(AsyncReadHandOver.class, "popWithRead pop", "completeRead", "forceRelease"),
            scenario(AsyncReadHandOver.class, "popWithRead", "sweepAfterReadBound completeRead", "pop"));
    }

    @Test
    void listenerErrorInEnded() {
        check("listenerErrorInEnded", ListenerErrorInEnded.class, 1,
            scenario(ListenerErrorInEnded.class, "pop", "pop"),
            scenario(ListenerErrorInEnded.class, "leakyPop", "pop"));
    }

    /**
     * Runs the hand-picked scenarios of one configuration (each explored under up to {@link #INVOCATIONS}
     * interleavings; Lincheck stops early once a scenario's interleavings are exhausted), then {@link #ITERATIONS}
     * random scenarios of {@link #THREADS} threads.
     */
    private static void check(String invariant, Class<?> configuration, int actorsPerThread,
                              ExecutionScenario... scenarios) {
        ModelCheckingOptions options = new ModelCheckingOptions()
            .iterations(ITERATIONS)
            .invocationsPerIteration(INVOCATIONS)
            .threads(THREADS)
            .actorsPerThread(actorsPerThread)
            .actorsBefore(0)
            .actorsAfter(0)
            // The recorder is the test's eyes, not part of the system under test: no switch points inside it.
            .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(
                name -> name.startsWith(Recorder.class.getName()) || name.startsWith(Recorder.class.getCanonicalName()))
                .allMethods().ignore())
            // The sweep walks the table's map, created with capacity 1024: 2048 bins, most of them empty. Instrumented,
            // that walk exceeds Lincheck's loop bound (a false "The execution has hung") and costs ~70 ms a run, so
            // the map's iteration classes are single steps. Nothing else of the map is: inside an atomic section
            // Lincheck does not see an object escape (e.g. a lock entry stored by the Node constructor), takes it for
            // a thread-local object and puts no switch point at its fields (holder, contended, the segment's
            // leases) - hiding exactly the races this test is after.
            .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(LockTableModelCheckTest::isMapIteration)
                .allMethods().treatAsAtomic())
            // Id counters (lease and segment ids) and the manual clock: which thread draws the next id first, or reads
            // the frozen clock at which step, changes nothing that is checked; no switch points there.
            .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(
                name -> name.equals("java.util.concurrent.atomic.AtomicLong") || name.equals(ManualClock.class.getName()))
                .allMethods().ignore());
        if (configuration != NoOrphanWithGuardFlicker.class) {
            // Only the guard flicker changes the settings; elsewhere reading them is not an interleaving choice.
            options.addGuarantee(ManagedStrategyGuaranteeKt.forClasses(
                name -> name.equals(TestSettings.class.getName())).allMethods().ignore());
        }
        // Lincheck reports an invocation that runs longer than its timeout (10 s by default) as hung; on a loaded
        // 2-core machine the first invocations (which instrument the classes) can take that long without any
        // deadlock. The Java-visible name of the Kotlin-internal setter carries the module suffix.
        options.invocationTimeout$lincheck(INVOCATION_TIMEOUT_MS);
        for (ExecutionScenario s : scenarios) {
            options.addCustomScenario(s);
        }
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        long instancesStart = Model.INSTANCES.get();
        AssertionError failure = null;
        try {
            options.check(configuration);
        } catch (AssertionError e) {
            failure = e;
        }
        String took = String.format("%d runs, %d ms, %d ms CPU", Model.INSTANCES.get() - instancesStart,
            (System.nanoTime() - start) / 1_000_000, (processCpuNanos() - cpuStart) / 1_000_000);
        boolean known = KNOWN_DEFECTS.contains(invariant);
        if (failure == null) {
            System.out.printf("[modelcheck] %s: no violation in %d hand-picked + %d random scenarios, up to %d"
                + " interleavings each (%s)%n", invariant, scenarios.length, ITERATIONS, INVOCATIONS, took);
            if (known && !STRICT) {
                fail(invariant + " is listed in KNOWN_DEFECTS but the model checker no longer finds it"
                    + " (fixed? then remove it from the list)");
            }
            return;
        }
        Path report = writeReport(invariant, failure);
        String summary = summary(failure.getMessage());
        System.out.printf("[modelcheck] %s: VIOLATED (%s), full trace in %s%n%s%n", invariant, took, report, summary);
        if (known && !STRICT) {
            Assumptions.abort("KNOWN DEFECT reproduced for " + invariant + " (trace in " + report
                + "; -Dmodelcheck.strict=true makes it fail)");
        }
        throw failure;
    }

    /** ConcurrentHashMap's iteration classes (Traverser, BaseIterator, EntryIterator, EntrySetView, ...). */
    static boolean isMapIteration(String className) {
        String prefix = "java.util.concurrent.ConcurrentHashMap";
        if (!className.startsWith(prefix + ".") && !className.startsWith(prefix + "$")) {
            return false;
        }
        String nested = className.substring(prefix.length() + 1);
        return nested.endsWith("Iterator") || nested.equals("Traverser") || nested.endsWith("View");
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean
            ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : 0;
    }

    /**
     * A scenario of {@code configuration}'s operations, one string per thread: operation names separated by spaces,
     * int arguments in parentheses, e.g. {@code scenario(C.class, "pop(0) pop(1)", "strayUnlock(0)")}.
     */
    static ExecutionScenario scenario(Class<?> configuration, String... threads) {
        return scenarioAfter(configuration, "", threads);
    }

    /** As {@link #scenario}, after {@code init}: operations run by the first thread before the parallel part. */
    static ExecutionScenario scenarioAfter(Class<?> configuration, String init, String... threads) {
        List<List<Actor>> parallel = new ArrayList<>();
        for (String thread : threads) {
            parallel.add(actors(configuration, thread));
        }
        return new ExecutionScenario(actors(configuration, init), parallel, Collections.emptyList(), null);
    }

    private static List<Actor> actors(Class<?> configuration, String thread) {
            List<Actor> actors = new ArrayList<>();
            if (thread.trim().isEmpty()) {
                return actors;
            }
            for (String op : thread.trim().split("\\s+")) {
                int paren = op.indexOf('(');
                String name = paren < 0 ? op : op.substring(0, paren);
                List<Object> args = new ArrayList<>();
                if (paren >= 0) {
                    for (String a : op.substring(paren + 1, op.length() - 1).split(",")) {
                        args.add(Integer.parseInt(a.trim()));
                    }
                }
                actors.add(new Actor(operation(configuration, name, args.size()), args));
            }
            return actors;
    }

    private static Method operation(Class<?> configuration, String name, int arity) {
        for (Method m : configuration.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == arity && m.isAnnotationPresent(Operation.class)) {
                return m;
            }
        }
        throw new IllegalArgumentException("no @Operation " + name + "/" + arity + " in " + configuration);
    }

    private static Path writeReport(String invariant, Throwable failure) {
        Path file = REPORT_DIR.resolve(invariant + ".txt");
        try {
            Files.createDirectories(REPORT_DIR);
            Files.write(file, String.valueOf(failure.getMessage()).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            System.out.println("[modelcheck] could not write " + file + ": " + e);
        }
        return file;
    }

    /** The failure up to Lincheck's detailed trace: the violations, the scenario and the short interleaving. */
    static String summary(String message) {
        if (message == null) {
            return "";
        }
        int detailed = message.indexOf("Detailed trace:");
        return detailed < 0 ? message : message.substring(0, detailed);
    }

    // ------------------------------------------------------------------------------------------------ the model

    static String key(int k) {
        return "t@g@" + k;
    }

    /** What a listener throws in {@link ListenerErrorInEnded}: an Error, so LockListeners would not catch it. */
    static final class ListenerError extends Error {
        private static final long serialVersionUID = 1L;

        ListenerError() {
            super("listener failed in ended()", null, false, false);
        }
    }

    /**
     * The shared state of one Lincheck invocation (a fresh instance each time): a table on a frozen clock with
     * mutable settings, and the recorder as its listener. Subclasses pick the operations and the invariants.
     */
    abstract static class Model {
        private static final Field ENTRIES;

        static {
            try {
                ENTRIES = LockTable.class.getDeclaredField("entries");
                ENTRIES.setAccessible(true);
            } catch (NoSuchFieldException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Instances made: one per explored interleaving (plus a few for Lincheck's sequential specification). */
        static final AtomicLong INSTANCES = new AtomicLong();

        final ManualClock clock = new ManualClock();
        final TestSettings settings = new TestSettings();
        final Recorder rec;
        final LockTable table;

        Model(boolean listenerThrowsInEnded, boolean segmentLeaseMayBeTakenBack) {
            INSTANCES.incrementAndGet();
            rec = new Recorder(listenerThrowsInEnded, segmentLeaseMayBeTakenBack);
            table = new LockTable(clock, settings, rec);
            try {
                @SuppressWarnings("unchecked")
                Map<String, LockEntry> entries = (Map<String, LockEntry>) ENTRIES.get(table);
                rec.entries = entries;
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * A pop: in a segment, tryLock; if it succeeded, the critical section (the recorder checks that no other
         * lease is live and ours is the holder), then unLock; endSegment. A failure records where the pop would park
         * in long polling (just before the segment ends), for the wake-up invariant.
         */
        void pop(String key) {
            Segment s = table.beginSegment("pop");
            try {
                if (table.tryLock(key)) {
                    rec.criticalSection(s, key);
                    rec.ownerUnlocking();
                    try {
                        table.unLock(key);
                    } finally {
                        rec.ownerUnlocked(key);
                    }
                } else {
                    rec.tryLockFailed(s, key);
                }
            } catch (Throwable t) {
                rec.threw("pop", t);
            } finally {
                endSegment(s);
            }
        }

        /** A pop that returns without unlocking (the 5.2.0-5.3.0 isPopShouldStop leak): the segment end reclaims. */
        void leakyPop(String key) {
            Segment s = table.beginSegment("pop");
            try {
                if (table.tryLock(key)) {
                    rec.criticalSection(s, key);
                } else {
                    rec.tryLockFailed(s, key);
                }
            } catch (Throwable t) {
                rec.threw("leakyPop", t);
            } finally {
                endSegment(s);
            }
        }

        /** An unlock from a segment that does not hold the lock: must be ignored with the guard on. */
        void strayUnlock(String key) {
            Segment s = table.beginSegment("ack");
            try {
                table.unLock(key);
            } catch (Throwable t) {
                rec.threw("strayUnlock", t);
            } finally {
                endSegment(s);
            }
        }

        /** A lock outside every segment (the buffer-merge thread), released if taken. */
        void unownedPop(String key) {
            try {
                if (table.tryLock(key)) {
                    rec.criticalSection(null, key);
                    table.unLock(key);
                }
            } catch (Throwable t) {
                rec.threw("unownedPop", t);
            }
        }

        /** A lock outside every segment that is never released: only the unowned bound ends it. */
        void unownedLeak(String key) {
            try {
                if (table.tryLock(key)) {
                    rec.criticalSection(null, key);
                }
            } catch (Throwable t) {
                rec.threw("unownedLeak", t);
            }
        }

        void unownedUnlock(String key) {
            try {
                table.unLock(key);
            } catch (Throwable t) {
                rec.threw("unownedUnlock", t);
            }
        }

        /** A minute passes, then the housekeeping pass: idle entries retire, unowned leases reach their bound. */
        void sweepAfterAMinute() {
            clock.advanceMillis(61_000);
            try {
                table.sweep();
            } catch (Throwable t) {
                rec.threw("sweep", t);
            }
        }

        void forceRelease(String key) {
            try {
                table.forceRelease(key);
            } catch (Throwable t) {
                rec.threw("forceRelease", t);
            }
        }

        /** An operator turns the guard off and on again (popLockGuardEnable is live-changeable). */
        void guardFlicker() {
            settings.enabled = false;
            settings.enabled = true;
        }

        void endSegment(Segment s) {
            rec.beforeEndSegment(s);
            try {
                table.endSegment(s);
            } catch (Throwable t) {
                rec.threw("endSegment", t);
            } finally {
                rec.segmentEnded(s);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ configurations

    /** Exclusion: pops, leaking pops, stray unlocks and unowned locks over two keys, guard on. */
    @Param(name = "key", gen = IntGen.class, conf = "0:1")
    public static class MutualExclusion extends Model {
        public MutualExclusion() {
            super(false, false);
        }

        @Operation
        public void pop(@Param(name = "key") int k) {
            pop(key(k));
        }

        @Operation
        public void leakyPop(@Param(name = "key") int k) {
            leakyPop(key(k));
        }

        @Operation
        public void strayUnlock(@Param(name = "key") int k) {
            strayUnlock(key(k));
        }

        @Operation
        public void unownedPop(@Param(name = "key") int k) {
            unownedPop(key(k));
        }

        @Validate
        public void validate() {
            rec.validate(Check.EXCLUSION, Check.REACHABLE, Check.QUIESCENT, Check.NO_EXCEPTION);
        }
    }

    /** Reachability: sweeps that retire idle entries and reclaim unowned leases, forced releases, one key. */
    public static class HeldEntryReachable extends Model {
        public HeldEntryReachable() {
            super(false, true);
        }

        @Operation
        public void pop() {
            pop(key(0));
        }

        @Operation
        public void leakyPop() {
            leakyPop(key(0));
        }

        @Operation
        public void unownedLeak() {
            unownedLeak(key(0));
        }

        @Operation
        public void sweepAfterAMinute() {
            super.sweepAfterAMinute();
        }

        @Operation
        public void forceRelease() {
            forceRelease(key(0));
        }

        @Validate
        public void validate() {
            rec.validate(Check.REACHABLE, Check.EXCLUSION, Check.NO_EXCEPTION);
        }
    }

    /** No orphan at quiescence: pops and leaking pops while an operator turns the guard off and on, one key. */
    public static class NoOrphanWithGuardFlicker extends Model {
        public NoOrphanWithGuardFlicker() {
            super(false, false);
        }

        @Operation
        public void pop() {
            pop(key(0));
        }

        @Operation
        public void leakyPop() {
            leakyPop(key(0));
        }

        @Operation
        public void guardFlicker() {
            super.guardFlicker();
        }

        @Validate
        public void validate() {
            rec.validate(Check.QUIESCENT);
        }
    }

    /** Wake-ups: pops on one key, guard on; some fail and park in long polling before their segment ends. */
    public static class WakeAfterFailedTryLock extends Model {
        public WakeAfterFailedTryLock() {
            super(false, false);
        }

        @Operation
        public void pop() {
            pop(key(0));
        }

        @Operation
        public void leakyPop() {
            leakyPop(key(0));
        }

        @Operation
        public void unownedLock() {
            unownedLeak(key(0));
        }

        /** An unlock outside every segment (releases an unowned lease, as the stock manager would). */
        @Operation
        public void unownedUnlock() {
            unownedUnlock(key(0));
        }

        @Validate
        public void validate() {
            rec.validate(Check.WAKE);
        }
    }

    /**
     * The order of the listener's callbacks, which the trace and the harness's exclusion check rely on (LockListener:
     * "sequence numbers taken inside the callbacks order a release before the next acquire of the key"): per key,
     * acquired(L) then ended(L), one lease at a time. Pops racing a forced release, one key.
     */
    public static class ListenerTraceOrder extends Model {
        public ListenerTraceOrder() {
            super(false, true);
        }

        @Operation
        public void pop() {
            pop(key(0));
        }

        @Operation
        public void leakyPop() {
            leakyPop(key(0));
        }

        @Operation
        public void forceRelease() {
            forceRelease(key(0));
        }

        @Validate
        public void validate() {
            rec.validate(Check.TRACE_ORDER);
        }
    }

    /** Quiescence when the listener throws an Error from its first ended() (an OOM in a trace writer, say). */
    public static class ListenerErrorInEnded extends Model {
        public ListenerErrorInEnded() {
            super(true, false);
        }

        @Operation
        public void pop() {
            pop(key(0));
        }

        @Operation
        public void leakyPop() {
            leakyPop(key(0));
        }

        @Validate
        public void validate() {
            rec.validate(Check.QUIESCENT, Check.EXCLUSION);
        }
    }

    /**
     * Store reads under a lease: a pop whose read is still in flight when it returns, the store completing it on
     * another thread, the read bound's sweep, a forced release and other pops. Checked: the stock stages given the
     * read's result run only under the lock, each read is answered once (delivered or abandoned), exclusion, and
     * quiescence (no lease left HELD by an ended segment, table-made continuations included).
     */
    public static class AsyncReadHandOver extends Model {
        private volatile ModelRead read;

        public AsyncReadHandOver() {
            super(false, true);
            settings.readBoundMs = 1_000;
        }

        @Operation
        public void popWithRead() {
            String key = key(0);
            Segment s = table.beginSegment("pop");
            try {
                if (table.tryLock(key)) {
                    rec.criticalSection(s, key);
                    // As ReadGuard does: only a lease the thread still holds carries the read (a forced release may
                    // have taken it right after the tryLock; the read then runs unguarded, as in the stock broker).
                    Lease lease = table.heldByCurrentThread(key);
                    if (lease != null) {
                        ModelRead r = new ModelRead(this, key);
                        if (!table.deferRead(lease, r) && !rec.forcedRelease) {
                            rec.violation("a lease HELD by the running segment refused its read");
                        }
                        read = r;
                    }
                } else {
                    rec.tryLockFailed(s, key);
                }
            } catch (Throwable t) {
                rec.threw("popWithRead", t);
            } finally {
                endSegment(s);
            }
        }

        /** The store completes the read on this thread (a no-op if no read was started yet). */
        @Operation
        public void completeRead() {
            ModelRead r = read;
            if (r != null) {
                try {
                    r.complete();
                } catch (Throwable t) {
                    rec.threw("completeRead", t);
                }
            }
        }

        @Operation
        public void sweepAfterReadBound() {
            clock.advanceMillis(1_001);
            try {
                table.sweep();
            } catch (Throwable t) {
                rec.threw("sweep", t);
            }
        }

        @Operation
        public void forceRelease() {
            forceRelease(key(0));
        }

        @Operation
        public void pop() {
            pop(key(0));
        }

        @Validate
        public void validate() {
            for (Lease l : rec.leases) {
                Segment owner = l.owner();
                if (l.state() == LeaseState.HELD && owner != null && owner.isEnded()) {
                    rec.violation("orphan at quiescence: " + l + " is HELD by the ended " + owner.label());
                }
            }
            rec.validate(Check.EXCLUSION, Check.REACHABLE, Check.QUIESCENT, Check.NO_EXCEPTION);
        }
    }

    /**
     * A store read in flight, as the lock table sees one. Its answer stands for the stock stages: they note whether
     * they ran under the lock, then unlock (the stock {@code whenComplete(unLock)}).
     */
    static final class ModelRead implements PendingRead {
        private final Model m;
        private final String key;
        private final java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
        private final List<Runnable> waiting = new ArrayList<>();
        private boolean done;

        ModelRead(Model m, String key) {
            this.m = m;
            this.key = key;
        }

        void complete() {
            List<Runnable> run;
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
                run = new ArrayList<>(waiting);
            }
            for (Runnable r : run) {
                r.run();
            }
        }

        @Override
        public synchronized boolean isDone() {
            return done;
        }

        @Override
        public void deliver() {
            if (!answered.compareAndSet(false, true)) {
                m.rec.violation("read of " + key + " delivered after it was already answered");
                return;
            }
            // A forced release takes the lock from whoever holds it, mid-stage too (as for a synchronous read): only
            // without one must the stages run under the lock.
            if (m.table.heldByCurrentThread(key) == null && !m.rec.forcedRelease) {
                m.rec.violation("read of " + key + " delivered to the stock stages without the lock");
            }
            m.table.unLock(key);
        }

        @Override
        public void abandon() {
            if (answered.compareAndSet(false, true)) {
                m.table.unLock(key); // the stock stages run with nothing read; their unlock is stray
            }
        }

        @Override
        public void whenDone(Runnable action) {
            synchronized (this) {
                if (!done) {
                    waiting.add(action);
                    return;
                }
            }
            action.run();
        }
    }

    // ------------------------------------------------------------------------------------------------ the recorder

    enum Check {
        /** At most one live lease per key; a segment's lease is only ended by that segment (no force, no sweep). */
        EXCLUSION,
        /** Every live lease is the holder of the entry the table's map returns for its key. */
        REACHABLE,
        /** All segments ended: no HELD lease of an ended segment; each entry free or held by a live unowned lease. */
        QUIESCENT,
        /** After a failed tryLock, a release before the segment ends is followed by wakePops at or after the park. */
        WAKE,
        /** Per key the callbacks read acquired(L1) ended(L1) acquired(L2) ended(L2) ...: what a trace reader expects. */
        TRACE_ORDER,
        /** No operation threw. */
        NO_EXCEPTION
    }

    /**
     * The table's listener and the operations' observer. Its methods run atomically under the model checker (see the
     * guarantee in {@link #check}), so a snapshot it takes of the table is consistent, and the sequence number it
     * stamps on each event is the event's position in the explored interleaving.
     */
    static final class Recorder implements LockListener {
        private final boolean throwInEnded;
        private final boolean leaseMayBeTakenBack;
        private boolean thrownInEnded;
        Map<String, LockEntry> entries;

        private final AtomicLong seq = new AtomicLong();
        private final ConcurrentLinkedQueue<Lease> leases = new ConcurrentLinkedQueue<>();
        private final Set<Segment> endedSegments = ConcurrentHashMap.newKeySet();
        private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> exceptions = new ConcurrentLinkedQueue<>();
        /** key -> sequence numbers of ended() (a release or reclaim of that key). */
        private final ConcurrentHashMap<String, ConcurrentLinkedQueue<Long>> releases = new ConcurrentHashMap<>();
        /** key -> sequence number of the last wakePops(key). */
        private final ConcurrentHashMap<String, Long> lastWake = new ConcurrentHashMap<>();
        private final ConcurrentLinkedQueue<FailedTryLock> failures = new ConcurrentLinkedQueue<>();
        /** Every acquired/ended callback in the order made: "+" acquired, "-" ended. */
        private final ConcurrentLinkedQueue<Object[]> callbacks = new ConcurrentLinkedQueue<>();
        /** Threads between their own unLock call and its return, to tell their stray unlocks apart. */
        private final Set<Thread> unlockingOwners = ConcurrentHashMap.newKeySet();

        Recorder(boolean throwInEnded, boolean leaseMayBeTakenBack) {
            this.throwInEnded = throwInEnded;
            this.leaseMayBeTakenBack = leaseMayBeTakenBack;
        }

        // ---------------------------------------------------------------- listener callbacks (inside the table)

        @Override
        public void acquired(Lease lease) {
            seq.incrementAndGet();
            callbacks.add(new Object[] {"+", lease});
            // Called after the holder CAS: the previous lease of the key must have left its live state already. (The
            // lease itself may have been ended meanwhile, by a forced release or a sweep: then nothing overlaps.)
            for (Lease other : leases) {
                if (other != lease && lease.state().isLive() && other.key().equals(lease.key())
                    && other.state().isLive()) {
                    violations.add("two live leases for " + lease.key() + " at acquire: " + other + " and " + lease);
                }
            }
            leases.add(lease);
        }

        @Override
        public void ended(Lease lease, ReclaimCause cause, long heldNanos) {
            if (cause == ReclaimCause.FORCED) {
                forcedRelease = true;
            }
            long n = seq.incrementAndGet();
            callbacks.add(new Object[] {"-", lease});
            releases.computeIfAbsent(lease.key(), k -> new ConcurrentLinkedQueue<>()).add(n);
            if (throwInEnded && !thrownInEnded) {
                thrownInEnded = true;
                throw new ListenerError();
            }
        }

        @Override
        public void wakePops(String key) {
            lastWake.put(key, seq.incrementAndGet());
        }

        @Override
        public void strayUnlock(String key, String reason) {
            seq.incrementAndGet();
            if (unlockingOwners.contains(Thread.currentThread()) && !leaseMayBeTakenBack) {
                violations.add("the owner's own unLock(" + key + ") was a stray unlock (" + reason
                    + "): someone else ended its lease inside its critical section");
            }
        }

        // ---------------------------------------------------------------- observations by the operations

        /** Just after a successful tryLock, inside the critical section. */
        void criticalSection(Segment s, String key) {
            seq.incrementAndGet();
            Lease mine = null;
            long me = Thread.currentThread().getId();
            for (Lease l : leases) {
                if (l.key().equals(key) && l.owner() == s && l.threadId() == me && l.state().isLive()) {
                    mine = l;
                }
            }
            LockEntry e = entries.get(key);
            Lease holder = e == null ? null : e.holder();
            int live = 0;
            for (Lease l : leases) {
                if (l.key().equals(key) && l.state().isLive()) {
                    live++;
                }
            }
            if (live > 1) {
                violations.add(live + " live leases for " + key + " in a critical section: " + liveLeases(key));
            }
            if (!leaseMayBeTakenBack) {
                if (mine == null) {
                    violations.add("tryLock(" + key + ") returned true but the caller has no live lease; holder "
                        + holder);
                } else if (holder != mine) {
                    violations.add("in the critical section of " + mine + " the entry's holder is " + holder);
                }
            }
            violations.addAll(unreachable(key, "in a critical section"));
        }

        void ownerUnlocking() {
            unlockingOwners.add(Thread.currentThread());
        }

        void ownerUnlocked(String key) {
            unlockingOwners.remove(Thread.currentThread());
            violations.addAll(unreachable(key, "after an unlock"));
        }

        /** Just after tryLock returned false in segment {@code s}. */
        void tryLockFailed(Segment s, String key) {
            long n = seq.incrementAndGet();
            LockEntry e = entries.get(key);
            Lease holder = e == null ? null : e.holder();
            // The tryLock saw the lock held; if it is not held by a live lease now, that lease was released while the
            // tryLock ran (the release has at least begun: its ended() came before this point).
            boolean releasedMeanwhile = holder == null || holder == LockEntry.RETIRED || !holder.state().isLive();
            failures.add(new FailedTryLock(s, key, n, releasedMeanwhile));
        }

        /** The pop parks in long polling (at the latest) here, just before its segment ends. */
        void beforeEndSegment(Segment s) {
            long n = seq.incrementAndGet();
            for (FailedTryLock f : failures) {
                if (f.segment == s) {
                    f.parkSeq = n;
                }
            }
        }

        void segmentEnded(Segment s) {
            long n = seq.incrementAndGet();
            endedSegments.add(s);
            for (FailedTryLock f : failures) {
                if (f.segment == s) {
                    f.endSeq = n;
                }
            }
        }

        /** Set when a lease ended by an operator's forced release. */
        volatile boolean forcedRelease;

        void violation(String what) {
            seq.incrementAndGet();
            violations.add(what);
        }

        void threw(String op, Throwable t) {
            seq.incrementAndGet();
            if (!(t instanceof ListenerError)) {
                exceptions.add(op + " threw " + t);
            }
        }

        // ---------------------------------------------------------------- checks

        /** Live leases of {@code key} that are not the holder of the entry the table's map returns for the key. */
        private List<String> unreachable(String key, String where) {
            List<String> out = new ArrayList<>();
            for (Lease l : leases) {
                if (!l.key().equals(key) || !l.state().isLive()) {
                    continue;
                }
                LockEntry e = entries.get(key);
                Lease holder = e == null ? null : e.holder();
                if (holder != l) {
                    out.add("live " + l + " is not reachable " + where + ": entries.get(" + key + ") is "
                        + (e == null ? "absent" : "an entry held by " + holder));
                }
            }
            return out;
        }

        private List<Lease> liveLeases(String key) {
            List<Lease> out = new ArrayList<>();
            for (Lease l : leases) {
                if (l.key().equals(key) && l.state().isLive()) {
                    out.add(l);
                }
            }
            return out;
        }

        void validate(Check... checks) {
            List<String> found = new ArrayList<>();
            Set<Check> set = new HashSet<>(Arrays.asList(checks));
            if (set.contains(Check.EXCLUSION) || set.contains(Check.REACHABLE)) {
                for (String v : violations) {
                    found.add(v);
                }
            }
            Set<String> keys = new HashSet<>();
            for (Lease l : leases) {
                keys.add(l.key());
            }
            keys.addAll(entries.keySet());
            List<String> sortedKeys = new ArrayList<>(keys);
            Collections.sort(sortedKeys);
            if (set.contains(Check.EXCLUSION)) {
                for (String key : sortedKeys) {
                    List<Lease> live = liveLeases(key);
                    if (live.size() > 1) {
                        found.add("at quiescence " + live.size() + " live leases for " + key + ": " + live);
                    }
                }
            }
            if (set.contains(Check.REACHABLE)) {
                for (String key : sortedKeys) {
                    found.addAll(unreachable(key, "at quiescence"));
                }
            }
            if (set.contains(Check.QUIESCENT)) {
                for (Lease l : leases) {
                    if (l.state() == LeaseState.HELD && l.owner() != null && endedSegments.contains(l.owner())) {
                        found.add("orphan at quiescence: " + l + " is HELD but its segment ended");
                    }
                }
                for (String key : sortedKeys) {
                    LockEntry e = entries.get(key);
                    Lease h = e == null ? null : e.holder();
                    if (h == null || h == LockEntry.RETIRED) {
                        continue;
                    }
                    if (!h.state().isLive()) {
                        found.add("entry " + key + " is stuck at quiescence: its holder is the ended " + h
                            + " (every later tryLock fails, no sweep clears it)");
                    } else if (h.owner() != null) {
                        found.add("entry " + key + " is held at quiescence by " + h
                            + " although every segment ended");
                    }
                }
            }
            if (set.contains(Check.WAKE)) {
                for (FailedTryLock f : failures) {
                    // Releases of the key after the failure and before the segment ended (or during the tryLock).
                    long lastRelease = f.releasedDuringTryLock ? f.failSeq : -1;
                    ConcurrentLinkedQueue<Long> rs = releases.get(f.key);
                    if (rs != null) {
                        for (long r : rs) {
                            if (r > f.failSeq && r < f.endSeq) {
                                lastRelease = Math.max(lastRelease, r);
                            }
                        }
                    }
                    if (lastRelease < 0) {
                        continue;
                    }
                    long needFrom = Math.max(f.parkSeq, lastRelease);
                    Long w = lastWake.get(f.key);
                    if (w == null || w < needFrom) {
                        found.add("lost wake-up: " + f.segment.label() + " failed tryLock(" + f.key + ") at #"
                            + f.failSeq + (f.releasedDuringTryLock ? " while the lock was being released" : "")
                            + ", parked at #" + f.parkSeq + ", the lock was released (last ended() at #"
                            + lastRelease + ") before its segment ended at #" + f.endSeq + ", but the last wakePops("
                            + f.key + ") was " + (w == null ? "never" : "at #" + w));
                    }
                }
            }
            if (set.contains(Check.TRACE_ORDER)) {
                Map<String, Lease> open = new java.util.HashMap<>();
                StringBuilder order = new StringBuilder();
                for (Object[] c : callbacks) {
                    Lease l = (Lease) c[1];
                    order.append(' ').append(c[0].equals("+") ? "acquired(" : "ended(").append(l.id()).append(')');
                }
                for (Object[] c : callbacks) {
                    Lease l = (Lease) c[1];
                    Lease cur = open.get(l.key());
                    if (c[0].equals("+")) {
                        if (cur != null) {
                            found.add("callback order: acquired(lease " + l.id() + ") while lease " + cur.id()
                                + " was acquired and not yet ended; callbacks:" + order);
                        }
                        open.put(l.key(), l);
                    } else if (cur != l) {
                        found.add("callback order: ended(lease " + l.id() + ") but the open lease is "
                            + (cur == null ? "none" : "lease " + cur.id()) + "; callbacks:" + order);
                    } else {
                        open.remove(l.key());
                    }
                }
            }
            if (set.contains(Check.NO_EXCEPTION)) {
                found.addAll(exceptions);
            }
            if (!found.isEmpty()) {
                throw new AssertionError("invariant violated:\n  " + String.join("\n  ", found));
            }
        }
    }

    static final class FailedTryLock {
        final Segment segment;
        final String key;
        final long failSeq;
        final boolean releasedDuringTryLock;
        volatile long parkSeq = Long.MAX_VALUE;
        volatile long endSeq = Long.MAX_VALUE;

        FailedTryLock(Segment segment, String key, long failSeq, boolean releasedDuringTryLock) {
            this.segment = segment;
            this.key = key;
            this.failSeq = failSeq;
            this.releasedDuringTryLock = releasedDuringTryLock;
        }
    }
}
