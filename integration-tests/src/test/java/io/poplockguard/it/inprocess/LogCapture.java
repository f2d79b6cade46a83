/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import java.util.ArrayList;
import java.util.List;
import org.apache.rocketmq.logging.ch.qos.logback.classic.Level;
import org.apache.rocketmq.logging.ch.qos.logback.classic.Logger;
import org.apache.rocketmq.logging.ch.qos.logback.classic.spi.ILoggingEvent;
import org.apache.rocketmq.logging.ch.qos.logback.core.read.ListAppender;
import org.apache.rocketmq.logging.org.slf4j.LoggerFactory;

/** Collects what the broker's (shaded logback) loggers of these names log while it is open. */
final class LogCapture implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final List<Logger> loggers = new ArrayList<>();

    LogCapture(String... loggerNames) {
        appender.start();
        for (String name : loggerNames) {
            Object l = LoggerFactory.getLogger(name);
            if (!(l instanceof Logger)) {
                throw new IllegalStateException("logger " + name + " is a " + l.getClass().getName()
                    + ", not the broker's shaded logback: cannot capture it");
            }
            ((Logger) l).addAppender(appender);
            loggers.add((Logger) l);
        }
    }

    /** The formatted messages logged at ERROR that contain {@code text}. */
    List<String> errors(String text) {
        List<ILoggingEvent> events;
        synchronized (appender) { // AppenderBase.doAppend holds this monitor while it appends
            events = new ArrayList<>(appender.list);
        }
        List<String> out = new ArrayList<>();
        for (ILoggingEvent e : events) {
            if (e.getLevel() == Level.ERROR && e.getFormattedMessage().contains(text)) {
                out.add(e.getFormattedMessage());
            }
        }
        return out;
    }

    @Override
    public void close() {
        for (Logger l : loggers) {
            l.detachAppender(appender);
        }
        appender.stop();
    }
}
