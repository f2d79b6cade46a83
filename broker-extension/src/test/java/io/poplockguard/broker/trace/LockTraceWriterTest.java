/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.lock.LockClock;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.lock.LockTableSettings;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.rocketmq.common.constant.LoggerName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The trace writer's thread meets failures: a line that cannot be formatted is dropped, counted and logged once, and
 * the writer goes on; a file that cannot be written (IOException, unchecked, or an Error) ends the trace at once -
 * closed, so producers neither format nor queue any more, one ERROR with the file and the cause - and the lock table
 * the writer listens to works on as before. Failures are injected through the writer's Sink and Formatter; the tests
 * wait on the writer thread itself (join) or on close(), never on time.
 */
@Tag("unit")
class LockTraceWriterTest {
    private static final File FILE = new File("/plg-test/lock-trace.jsonl");
    private static final LockTableSettings GUARD_ON = new LockTableSettings() {
        @Override
        public boolean guardEnabled() {
            return true;
        }

        @Override
        public long unownedLeaseMs() {
            return 30_000;
        }

        @Override
        public long readBoundMs() {
            return 30_000;
        }

        @Override
        public long waitDeadlineMs() {
            return 1_000;
        }
    };

    static Stream<Throwable> sinkFailures() {
        return Stream.of(new IOException("disk gone"), new UncheckedIOException(new IOException("disk gone")),
            new IllegalStateException("disk gone"), new OutOfMemoryError("disk gone"));
    }

    @ParameterizedTest
    @MethodSource("sinkFailures")
    @Timeout(30)
    void aFileThatCannotBeWrittenEndsTheTraceAtOnce(Throwable failure) throws Exception {
        MemorySink sink = new MemorySink(line -> line.contains("\"seq\":2,"), failure);
        CountingFormatter formatter = new CountingFormatter(e -> false);
        try (LogCapture log = new LogCapture(LoggerName.BROKER_LOGGER_NAME)) {
            LockTraceWriter w = new LockTraceWriter(FILE, sink, formatter);
            LockTable table = new LockTable(LockClock.SYSTEM, GUARD_ON, w); // no LockListeners: nothing may escape
            lockAndUnlock(table, "a@g@0"); // seq 1 and 2: writing 2 fails

            Thread writer = sink.awaitFailure();
            writer.join(10_000);
            assertFalse(writer.isAlive(), "the writer thread ends");
            assertTrue(w.isClosed(), "a writer that stopped is closed, so producers stop");
            assertTrue(sink.closed, "the file is closed");

            int formatted = formatter.calls.get();
            for (int i = 0; i < 1_000; i++) {
                lockAndUnlock(table, "b@g@" + i);
            }
            assertEquals(0, w.queued(), "nothing is queued once the writer stopped");
            assertEquals(formatted, formatter.calls.get(), "nothing is formatted once the writer stopped");
            assertTrue(table.heldLocks().isEmpty(), "the lock table works as before");
            assertTrue(table.tryLock("c@g@0") && !table.isLocked("d@g@0"));
            table.unLock("c@g@0");
            assertFalse(table.isLocked("c@g@0"));

            List<String> logged = log.warnings();
            assertEquals(1, logged.size(), logged.toString());
            String line = logged.get(0);
            assertTrue(line.startsWith("ERROR ") && line.contains(FILE.toString()) && line.contains("disk gone"), line);
            w.close(); // after the writer died: returns, logs nothing more
            assertEquals(1, log.warnings().size(), log.warnings().toString());
        }
    }

    @Test
    @Timeout(30)
    void aLineThatCannotBeFormattedIsDroppedCountedAndLoggedOnce() throws Exception {
        MemorySink sink = new MemorySink(line -> false, null);
        CountingFormatter formatter = new CountingFormatter(e -> e.key.startsWith("bad"));
        try (LogCapture log = new LogCapture(LoggerName.BROKER_LOGGER_NAME)) {
            LockTraceWriter w = new LockTraceWriter(FILE, sink, formatter);
            LockTable table = new LockTable(LockClock.SYSTEM, GUARD_ON, w);
            lockAndUnlock(table, "a@g@0");
            lockAndUnlock(table, "bad1@g@0");
            lockAndUnlock(table, "b@g@0");
            lockAndUnlock(table, "bad2@g@0");
            lockAndUnlock(table, "c@g@0");
            w.close(); // drains the queue, then closes the file

            List<String> keys = new ArrayList<>();
            for (String l : sink.lines()) {
                if (l.contains("\"key\"")) {
                    keys.add(l.replaceAll(".*\"event\":\"(\\w+)\",\"key\":\"([^\"]+)\".*\n", "$1 $2"));
                }
            }
            assertEquals(List.of("acquire a@g@0", "release a@g@0", "acquire b@g@0", "release b@g@0",
                "acquire c@g@0", "release c@g@0"), keys, sink.lines().toString());
            assertEquals(4, w.dropped());
            String last = sink.lines().get(sink.lines().size() - 1);
            assertEquals("{\"event\":\"dropped\",\"count\":4}\n", last);
            assertTrue(sink.closed);
            assertTrue(table.heldLocks().isEmpty());

            List<String> logged = log.warnings();
            assertEquals(1, logged.size(), logged.toString());
            assertTrue(logged.get(0).contains(FILE.toString()) && logged.get(0).contains("cannot format bad1"),
                logged.get(0));
        }
    }

    private static void lockAndUnlock(LockTable table, String key) {
        assertTrue(table.tryLock(key), key);
        table.unLock(key);
    }

    /** The trace file in memory; the first write that {@code failOn} matches throws {@code failure}, once. */
    private static final class MemorySink implements LockTraceWriter.Sink {
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        private final Predicate<String> failOn;
        private final Throwable failure;
        private volatile Thread failedOn;
        volatile boolean closed;
        private final java.util.concurrent.CountDownLatch failed = new java.util.concurrent.CountDownLatch(1);

        MemorySink(Predicate<String> failOn, Throwable failure) {
            this.failOn = failOn;
            this.failure = failure;
        }

        @Override
        public void write(String s) throws IOException {
            if (failure != null && failed.getCount() > 0 && failOn.test(s)) {
                failedOn = Thread.currentThread();
                failed.countDown();
                if (failure instanceof IOException) {
                    throw (IOException) failure;
                } else if (failure instanceof RuntimeException) {
                    throw (RuntimeException) failure;
                }
                throw (Error) failure;
            }
            lines.add(s);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            closed = true;
        }

        List<String> lines() {
            synchronized (lines) {
                return new ArrayList<>(lines);
            }
        }

        /** The thread whose write failed, once it has. */
        Thread awaitFailure() throws InterruptedException {
            assertTrue(failed.await(10, java.util.concurrent.TimeUnit.SECONDS), "the failing write happened");
            assertNotNull(failedOn);
            return failedOn;
        }
    }

    /** The real JSON formatter, counting its calls; throws for the events {@code failFor} matches. */
    private static final class CountingFormatter implements LockTraceWriter.Formatter {
        final AtomicInteger calls = new AtomicInteger();
        private final Predicate<LockTraceWriter.TraceEvent> failFor;

        CountingFormatter(Predicate<LockTraceWriter.TraceEvent> failFor) {
            this.failFor = failFor;
        }

        @Override
        public String format(LockTraceWriter.TraceEvent e) {
            calls.incrementAndGet();
            if (failFor.test(e)) {
                throw new IllegalArgumentException("cannot format " + e.key);
            }
            return LockTraceWriter.json(e);
        }
    }
}
