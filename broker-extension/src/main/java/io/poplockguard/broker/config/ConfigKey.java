/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.config;

import java.util.Locale;

/**
 * Every broker.conf key of the guard: its name, default, and allowed values. One place, used for validation, for
 * the error messages and for the README table.
 */
public enum ConfigKey {
    ENABLE("popLockGuardEnable", Kind.BOOLEAN, "false", 0, 0,
        "turns the guard on; false leaves (or puts back) the broker's stock pop-lock behaviour, live"),
    STRICT("popLockGuardStrict", Kind.BOOLEAN, "false", 0, 0,
        "refuse to start when the broker's shape is not what the guard expects, instead of running stock"),
    UNOWNED_LEASE_MS("popLockGuardUnownedLeaseMs", Kind.LONG, "30000", 1_000, 3_600_000,
        "a lock taken outside every request (the buffer-merge thread, the RocksDB pop path's cache thread) is"
            + " reclaimed after this"),
    READ_BOUND_MS("popLockGuardReadBoundMs", Kind.LONG, "30000", 100, 3_600_000,
        "a lock handed to a store read that never completes is reclaimed after this, or sooner once the pop's client stopped waiting"),
    // 1 s: answered well inside the gRPC clients' default 3 s request timeout (proxy hop included), and a burst of
    // waiting acks holds the broker's small ack executor (or a Local-mode proxy's threads) a third as long
    WAIT_DEADLINE_MS("popLockGuardWaitDeadlineMs", Kind.LONG, "1000", 10, 60_000,
        "an orderly ack or change-invisible-time waits this long for a queue lock, then the client gets SYSTEM_BUSY"),
    TRACE_FILE("popLockGuardTraceFile", Kind.PATH, "", 0, 0,
        "when set, every acquire/release/reclaim is appended to this file as a JSON line (for the test harness)"),
    ALLOW_FORCE_RELEASE("popLockGuardAllowForceRelease", Kind.BOOLEAN, "false", 0, 0,
        "allows the admin forced-release request (off by default; with ACL on, admin accounts only)"),
    LEAK_STACKS("popLockGuardLeakStacks", Kind.BOOLEAN, "false", 0, 0,
        "records where each queue lock is taken, so every reclaim logs the stack that leaked it (costs a stack walk per lock), live");

    public enum Kind { BOOLEAN, LONG, PATH }

    public static final String PREFIX = "popLockGuard";

    private final String key;
    private final Kind kind;
    private final String defaultValue;
    private final long min;
    private final long max;
    private final String description;

    ConfigKey(String key, Kind kind, String defaultValue, long min, long max, String description) {
        this.key = key;
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.min = min;
        this.max = max;
        this.description = description;
    }

    public String key() {
        return key;
    }

    public Kind kind() {
        return kind;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** "true or false", "1000..3600000 (ms)", "a file path, or empty for off". */
    public String allowed() {
        switch (kind) {
            case BOOLEAN:
                return "true or false";
            case LONG:
                return min + ".." + max + " (ms)";
            default:
                return "a file path, or empty for off";
        }
    }

    /** Parses and checks a raw value; throws {@link IllegalArgumentException} with the reason (no key in it). */
    Object parse(String raw) {
        String v = raw == null ? "" : raw.trim();
        switch (kind) {
            case BOOLEAN:
                String b = v.toLowerCase(Locale.ROOT);
                if (b.equals("true") || b.equals("false")) {
                    return Boolean.valueOf(b);
                }
                throw new IllegalArgumentException("is not a boolean");
            case LONG:
                long n;
                try {
                    n = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("is not a whole number");
                }
                if (n < min || n > max) {
                    throw new IllegalArgumentException("is out of range");
                }
                return n;
            default:
                return v;
        }
    }

    public static ConfigKey byName(String name) {
        for (ConfigKey k : values()) {
            if (k.key.equals(name)) {
                return k;
            }
        }
        return null;
    }
}
