/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.admin;

import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.broker.lock.LockStats;
import io.poplockguard.broker.lock.LockView;
import io.poplockguard.broker.trace.Json;
import java.util.List;
import java.util.Map;

/**
 * The lock-table response body: locks (longest held first, each with its kind: queue or consumer, see LockKey),
 * counters and the hold-time histogram.
 */
final class LockTableJson {
    private LockTableJson() {
    }

    static String render(boolean installed, boolean enabled, String brokerVersion, List<LockView> locks,
        LockStats stats) {
        StringBuilder sb = new StringBuilder(256 + locks.size() * 160);
        sb.append("{\"installed\":").append(installed)
            .append(",\"enabled\":").append(enabled)
            .append(",\"brokerVersion\":\"").append(Json.escape(brokerVersion)).append('"')
            .append(",\"locks\":[");
        for (int i = 0; i < locks.size(); i++) {
            LockView v = locks.get(i);
            LockKey k = LockKey.tryParse(v.key);
            sb.append(i == 0 ? "" : ",").append("{\"key\":\"").append(Json.escape(v.key)).append('"');
            if (k != null) {
                sb.append(",\"kind\":\"").append(k.kind.label)
                    .append("\",\"topic\":\"").append(Json.escape(k.topic))
                    .append("\",\"consumerGroup\":\"").append(Json.escape(k.group))
                    .append("\",\"queueId\":").append(k.queueId);
            }
            sb.append(",\"state\":\"").append(v.state)
                .append("\",\"owner\":\"").append(Json.escape(v.owner))
                .append("\",\"heldMs\":").append(v.heldMs)
                .append(",\"waiters\":").append(v.waiters)
                .append(",\"lease\":").append(v.leaseId);
            if (v.takenAt.length > 0) {
                sb.append(",\"takenAt\":[");
                for (int f = 0; f < v.takenAt.length; f++) {
                    sb.append(f == 0 ? "\"" : ",\"").append(Json.escape(v.takenAt[f])).append('"');
                }
                sb.append(']');
            }
            sb.append('}');
        }
        sb.append("],\"counters\":{");
        boolean first = true;
        for (Map.Entry<String, Long> e : stats.counters().entrySet()) {
            sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
            first = false;
        }
        sb.append("},\"holdTimeMs\":{");
        for (int i = 0; i <= LockStats.HOLD_BUCKETS_MS.length; i++) {
            String label = i < LockStats.HOLD_BUCKETS_MS.length ? "le" + LockStats.HOLD_BUCKETS_MS[i] : "inf";
            sb.append(i == 0 ? "" : ",").append('"').append(label).append("\":").append(stats.holdCount(i));
        }
        return sb.append("}}").toString();
    }
}
