/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.check;

import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.it.client.PopTestClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/** Asks a guarded broker for its lock table (the plugin's admin request) to check it is empty at quiescence. */
public final class LockTableProbe {
    private LockTableProbe() {
    }

    /** The locks still held, as the broker's JSON "locks" array text; "[]" when none. */
    public static String heldLocks(String brokerAddr, String brokerName) throws Exception {
        return member(lockTable(brokerAddr, brokerName), "locks", '[', ']');
    }

    /**
     * The guard's counters (acquired, released, reclaimed by cause, stray unlocks, ...) as the broker's JSON object
     * text, whatever counters this plugin version has.
     */
    public static String counters(String brokerAddr, String brokerName) throws Exception {
        return member(lockTable(brokerAddr, brokerName), "counters", '{', '}');
    }

    private static String lockTable(String brokerAddr, String brokerName) throws Exception {
        try (PopTestClient c = new PopTestClient(brokerAddr, brokerName)) {
            RemotingCommand r = c.adminRequest(LockTableProcessor.LOCK_TABLE);
            if (r.getCode() != ResponseCode.SUCCESS) {
                throw new IllegalStateException("lock-table request refused by " + brokerAddr + ": code " + r.getCode()
                    + " " + r.getRemark());
            }
            return PopTestClient.body(r);
        }
    }

    /** The text of the top-level member {@code name} (an array or object opened by {@code open}); the whole JSON if absent. */
    private static String member(String json, String name, char open, char close) {
        int at = json.indexOf("\"" + name + "\":" + open);
        if (at < 0) {
            return json;
        }
        int start = at + name.length() + 3;
        int depth = 0;
        for (int i = start; i < json.length(); i++) {
            char ch = json.charAt(i);
            depth += ch == open ? 1 : ch == close ? -1 : 0;
            if (depth == 0) {
                return json.substring(start, i + 1);
            }
        }
        return json;
    }
}
