package io.poplockguard.broker.admin;

import io.poplockguard.broker.lock.LockStats;
import io.poplockguard.broker.lock.LockView;
import io.poplockguard.broker.trace.Json;
import java.util.List;
import java.util.Map;

/** The lock-table response body: locks (longest held first), counters and the hold-time histogram. */
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
            int q = v.key.lastIndexOf('@');
            int g = q <= 0 ? -1 : v.key.lastIndexOf('@', q - 1);
            sb.append(i == 0 ? "" : ",").append("{\"key\":\"").append(Json.escape(v.key)).append('"');
            if (g > 0) {
                sb.append(",\"topic\":\"").append(Json.escape(v.key.substring(0, g)))
                    .append("\",\"consumerGroup\":\"").append(Json.escape(v.key.substring(g + 1, q)))
                    .append("\",\"queueId\":").append(v.key.substring(q + 1));
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
