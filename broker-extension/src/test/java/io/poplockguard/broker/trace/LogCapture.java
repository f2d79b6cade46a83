/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.trace;

import java.util.ArrayList;
import java.util.List;
import org.apache.rocketmq.logging.ch.qos.logback.classic.Level;
import org.apache.rocketmq.logging.ch.qos.logback.classic.Logger;
import org.apache.rocketmq.logging.ch.qos.logback.classic.spi.ILoggingEvent;
import org.apache.rocketmq.logging.ch.qos.logback.core.read.ListAppender;
import org.apache.rocketmq.logging.org.slf4j.LoggerFactory;

/** Collects what one of the broker's (shaded logback) loggers logs at WARN and above while it is open. */
public final class LogCapture implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger logger;

    public LogCapture(String loggerName) {
        Object l = LoggerFactory.getLogger(loggerName);
        if (!(l instanceof Logger)) {
            throw new IllegalStateException("logger " + loggerName + " is a " + l.getClass().getName()
                + ", not the broker's shaded logback: cannot capture it");
        }
        logger = (Logger) l;
        appender.start();
        logger.addAppender(appender);
    }

    /** "LEVEL message" of every event at WARN or above, in order. */
    public List<String> warnings() {
        List<ILoggingEvent> events;
        synchronized (appender) { // AppenderBase.doAppend holds this monitor while it appends
            events = new ArrayList<>(appender.list);
        }
        List<String> out = new ArrayList<>();
        for (ILoggingEvent e : events) {
            if (e.getLevel().isGreaterOrEqual(Level.WARN)) {
                out.add(e.getLevel() + " " + e.getFormattedMessage());
            }
        }
        return out;
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
