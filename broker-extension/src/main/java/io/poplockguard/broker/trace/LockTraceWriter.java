/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.trace;

import io.poplockguard.broker.lock.Lease;
import io.poplockguard.broker.lock.LockListener;
import io.poplockguard.broker.lock.ReclaimCause;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.common.constant.LoggerName;
import org.apache.rocketmq.logging.org.slf4j.Logger;
import org.apache.rocketmq.logging.org.slf4j.LoggerFactory;

/**
 * popLockGuardTraceFile: every acquire, release and reclaim as a JSON line, for the harness's mutual-exclusion
 * checker. Events are queued and formatted and written by one daemon thread, so the pop path never does file I/O
 * and never formats.
 *
 * <p>Failures never reach the lock table. A line that cannot be formatted is dropped and counted (the first one is
 * logged at WARN) and the writer goes on. Anything else that stops the writer thread - the file cannot be written
 * (IOException, checked or not), an Error - closes the trace at once: producers see {@code closed} and neither
 * capture nor queue another event, the queued ones are counted as dropped, and one ERROR names the file and the
 * cause. A trace closed normally ends with {@code {"event":"dropped","count":N}} if it lost any line.
 *
 * <p>Ordering: {@code seq} is taken inside the lock table's callbacks, which run after the holder is set (acquire)
 * and before it is cleared (end); sorting by seq therefore orders each release before the next acquire of its key.
 * Each opening of the file starts with a {@code "start"} line: seq and lease ids count from there.
 */
public final class LockTraceWriter implements LockListener, Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(LoggerName.BROKER_LOGGER_NAME);
    private final AtomicLong seq = new AtomicLong();
    private final LinkedBlockingQueue<TraceEvent> events = new LinkedBlockingQueue<>(1_000_000);
    private final AtomicLong dropped = new AtomicLong();
    private final File file;
    private final Sink out;
    private final Formatter formatter;
    private final Thread writer;
    private volatile boolean closed;

    public LockTraceWriter(File file) throws IOException {
        this(file, fileSink(file), LockTraceWriter::json);
    }

    /** Tests put a failing sink or formatter in; {@code file} is then only named in messages. */
    LockTraceWriter(File file, Sink out, Formatter formatter) throws IOException {
        this.file = file;
        this.out = out;
        this.formatter = formatter;
        // A restarted broker appends to the same file with seq and lease ids from 1 again: mark where it starts.
        try {
            this.out.write("{\"event\":\"start\",\"millis\":" + System.currentTimeMillis() + "}\n");
            this.out.flush();
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw e;
        }
        this.writer = new Thread(this::drain, "PopLockGuardTraceWriter");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public void acquired(Lease lease) {
        emit("acquire", lease, null);
    }

    @Override
    public void ended(Lease lease, ReclaimCause cause, long heldNanos) {
        emit(cause == null ? "release" : "reclaim", lease, cause);
    }

    private void emit(String event, Lease lease, ReclaimCause cause) {
        if (closed) {
            return;
        }
        // the lease's owner changes over its life: what goes in the line is captured now, formatted later
        TraceEvent e = new TraceEvent(seq.incrementAndGet(), System.nanoTime(), event, lease.key(), lease.id(),
            lease.ownerLabel(), cause == null ? null : cause.label());
        if (!events.offer(e)) {
            dropped.incrementAndGet();
        }
    }

    /** One lock event, as the lock table reported it: what its trace line says. */
    static final class TraceEvent {
        final long seq;
        final long nanos;
        final String event;
        final String key;
        final long lease;
        final String owner;
        /** The reclaim cause's label, or null. */
        final String cause;

        TraceEvent(long seq, long nanos, String event, String key, long lease, String owner, String cause) {
            this.seq = seq;
            this.nanos = nanos;
            this.event = event;
            this.key = key;
            this.lease = lease;
            this.owner = owner;
            this.cause = cause;
        }
    }

    /** Turns an event into its JSON line (without the newline). */
    interface Formatter {
        String format(TraceEvent e);
    }

    static String json(TraceEvent e) {
        StringBuilder sb = new StringBuilder(160);
        sb.append("{\"seq\":").append(e.seq)
            .append(",\"nanos\":").append(e.nanos)
            .append(",\"event\":\"").append(e.event)
            .append("\",\"key\":\"").append(Json.escape(e.key))
            .append("\",\"lease\":").append(e.lease)
            .append(",\"owner\":\"").append(Json.escape(e.owner)).append('"');
        if (e.cause != null) {
            sb.append(",\"cause\":\"").append(e.cause).append('"');
        }
        return sb.append('}').toString();
    }

    /** Where the lines go: the trace file, appended to. */
    interface Sink {
        void write(String s) throws IOException;

        void flush() throws IOException;

        void close() throws IOException;
    }

    private static Sink fileSink(File file) throws IOException {
        File dir = file.getAbsoluteFile().getParentFile();
        if (dir != null && !dir.isDirectory() && !dir.mkdirs()) {
            throw new IOException("cannot create directory " + dir);
        }
        BufferedWriter w = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(file, true),
            StandardCharsets.UTF_8));
        return new Sink() {
            @Override
            public void write(String s) throws IOException {
                w.write(s);
            }

            @Override
            public void flush() throws IOException {
                w.flush();
            }

            @Override
            public void close() throws IOException {
                w.close();
            }
        };
    }

    private void drain() {
        try {
            boolean formatFailureLogged = false;
            while (!closed || !events.isEmpty()) {
                TraceEvent e = events.poll(100, TimeUnit.MILLISECONDS);
                if (e == null) {
                    out.flush();
                    continue;
                }
                String line;
                try {
                    line = formatter.format(e);
                } catch (RuntimeException formatFailure) {
                    // this line only: the file is fine, the next line may well be
                    dropped.incrementAndGet();
                    if (!formatFailureLogged) {
                        formatFailureLogged = true;
                        LOG.warn("PopLockGuard trace line dropped, it could not be formatted (logged once, later ones"
                            + " are only counted), file={}, key={}, error={}", file, e.key, formatFailure.toString(),
                            formatFailure);
                    }
                    continue;
                }
                out.write(line + '\n');
            }
            if (dropped.get() > 0) {
                out.write("{\"event\":\"dropped\",\"count\":" + dropped.get() + "}\n");
            }
            out.close();
        } catch (Throwable t) {
            stop(t);
        }
    }

    /** The writer thread cannot go on: the trace ends here, once, and says so. */
    private void stop(Throwable cause) {
        closed = true; // first: producers stop capturing and queueing at once
        int lost = events.size();
        events.clear();
        long total = dropped.addAndGet(lost);
        LOG.error("PopLockGuard trace writer stopped, no more lock events are traced and the file ends here, file={},"
            + " droppedLines={}, error={}", file, total, String.valueOf(cause), cause);
        closeQuietly();
        if (cause instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeQuietly() {
        try {
            out.close();
        } catch (Throwable ignored) {
            // the file is already reported as broken, or was never written
        }
    }

    // ------------------------------------------------------------------ for tests

    boolean isClosed() {
        return closed;
    }

    /** Events waiting for the writer thread. */
    int queued() {
        return events.size();
    }

    /** Lines lost: queue full, a line that could not be formatted, the queue left when the writer stopped. */
    long dropped() {
        return dropped.get();
    }

    /** Writes out what is queued and closes the file (at once if the writer already stopped). */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
