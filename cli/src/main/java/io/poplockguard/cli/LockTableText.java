/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.cli;

import com.alibaba.fastjson2.JSONArray;
import com.alibaba.fastjson2.JSONObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The human-readable forms of the broker's lock-table JSON: the locks as a table, the counters as a list. */
final class LockTableText {
    private LockTableText() {
    }

    /** The held locks, longest held first. */
    static String locks(JSONObject table) {
        JSONArray locks = table.getJSONArray("locks");
        List<JSONObject> rows = new ArrayList<>();
        for (int i = 0; locks != null && i < locks.size(); i++) {
            rows.add(locks.getJSONObject(i));
        }
        rows.sort((a, b) -> Long.compare(b.getLongValue("heldMs"), a.getLongValue("heldMs")));
        StringBuilder sb = new StringBuilder(header(table));
        if (rows.isEmpty()) {
            return sb.append("no pop lock is held\n").toString();
        }
        String fmt = "%-60s %-8s %-8s %10s %8s  %s%n";
        sb.append(String.format(fmt, "KEY (topic@group@queueId | group@topic)", "KIND", "STATE", "HELD_MS", "WAITERS",
            "OWNER"));
        for (JSONObject r : rows) {
            String kind = r.getString("kind");
            sb.append(String.format(fmt, r.getString("key"), kind == null ? "-" : kind, r.getString("state"),
                r.getLongValue("heldMs"),
                r.getIntValue("waiters"), r.getString("owner")));
            JSONArray takenAt = r.getJSONArray("takenAt"); // only with popLockGuardLeakStacks=true
            for (int f = 0; takenAt != null && f < takenAt.size(); f++) {
                sb.append(f == 0 ? "    taken at " : "             ").append(takenAt.getString(f)).append('\n');
            }
        }
        return sb.toString();
    }

    /** The counters and the hold-time histogram. */
    static String stats(JSONObject table) {
        StringBuilder sb = new StringBuilder(header(table));
        JSONObject counters = table.getJSONObject("counters");
        if (counters != null) {
            for (Map.Entry<String, Object> e : counters.entrySet()) {
                sb.append(String.format("%-28s %d%n", e.getKey(), ((Number) e.getValue()).longValue()));
            }
        }
        JSONObject hold = table.getJSONObject("holdTimeMs");
        if (hold != null) {
            sb.append("hold time (ms):");
            for (Map.Entry<String, Object> e : hold.entrySet()) {
                sb.append(' ').append(e.getKey()).append('=').append(e.getValue());
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String header(JSONObject table) {
        return "broker " + table.getString("brokerVersion") + ", guard " + (table.getBooleanValue("enabled") ? "on" : "OFF")
            + ", " + (table.getJSONArray("locks") == null ? 0 : table.getJSONArray("locks").size()) + " lock(s) held\n";
    }
}
