/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.check;

import io.poplockguard.broker.lock.LockKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mutual exclusion from the plugin's lock trace (popLockGuardTraceFile): replaying acquire / release / reclaim in
 * seq order, a key may have at most one live lease, an end must end the live one, and at quiescence none is live.
 * A restarted broker appends a new incarnation (a "start" line) with its own seq and lease ids; each is checked alone.
 * Reclaims are tallied by cause and by the kind of segment that owned the lease (a reclaim ends a lease cleanly, so it
 * is no violation here; whether a scenario may have any is the suite's claim).
 *
 * <p>Keys are checked one by one, whatever their kind: queue locks ({@code topic@group@queueId}) and, on the RocksDB
 * pop path, consumer locks ({@code group@topic}, one per group and topic). Events are tallied by kind
 * ({@link LockKey#kindOf}), so a suite can tell which path its pops took.
 */
public final class TraceExclusionChecker {
    private static final Pattern LINE = Pattern.compile(
        "\\{\"seq\":(\\d+),\"nanos\":\\d+,\"event\":\"(acquire|release|reclaim)\",\"key\":\"([^\"]+)\",\"lease\":(\\d+),"
            + "\"owner\":\"([^\"#]*)[^\"]*\"(,\"cause\":\"(\\w+)\")?\\}");

    /** What the trace showed. */
    public static final class Report {
        public int events;
        public final List<String> violations = new ArrayList<>();
        public final Map<String, Long> liveAtEnd = new HashMap<>();
        /** Reclaims by cause ("segmentEnd", "readBound", ...), and by cause and owner kind ("segmentEnd/read"). */
        public final Map<String, Integer> reclaims = new java.util.TreeMap<>();
        /** Events by the kind of their key: "queue", "consumer" (LockKey.Kind labels). */
        public final Map<String, Integer> eventsByKind = new java.util.TreeMap<>();

        /** Events on keys of this kind ("queue" or "consumer"). */
        public int events(LockKey.Kind kind) {
            return eventsByKind.getOrDefault(kind.label, 0);
        }

        /** Reclaims with this cause (as the trace names it), whatever segment owned the lease. */
        public int reclaimed(String cause) {
            return reclaims.getOrDefault(cause, 0);
        }

        public boolean ok() {
            return violations.isEmpty() && liveAtEnd.isEmpty();
        }

        @Override
        public String toString() {
            return events + " lock events" + (eventsByKind.containsKey(LockKey.Kind.CONSUMER.label) ? " " + eventsByKind
                : "") + ", " + violations.size() + " exclusion violations"
                + (violations.isEmpty() ? "" : " " + violations.subList(0, Math.min(5, violations.size())))
                + ", live at end " + liveAtEnd + (reclaims.isEmpty() ? "" : ", reclaims " + reclaims);
        }
    }

    private TraceExclusionChecker() {
    }

    public static Report check(Path trace) throws IOException {
        Report report = new Report();
        if (trace == null || !Files.exists(trace)) {
            report.violations.add("no trace file " + trace);
            return report;
        }
        List<String[]> incarnation = new ArrayList<>();
        for (String line : Files.readAllLines(trace, StandardCharsets.UTF_8)) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.contains("\"event\":\"start\"")) {
                // a broker (re)started: the previous process's locks died with it
                checkIncarnation(incarnation, report, false);
                incarnation.clear();
                continue;
            }
            if (line.contains("\"event\":\"dropped\"")) {
                report.violations.add("the trace dropped events: " + line);
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                report.violations.add("malformed trace line: " + line);
                continue;
            }
            incarnation.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(4)});
            report.eventsByKind.merge(LockKey.kindOf(m.group(3)).label, 1, Integer::sum);
            if (m.group(2).equals("reclaim")) {
                String cause = m.group(7) == null ? "unknown" : m.group(7);
                report.reclaims.merge(cause, 1, Integer::sum);
                report.reclaims.merge(cause + "/" + (m.group(5).isEmpty() ? "none" : m.group(5)), 1, Integer::sum);
            }
        }
        checkIncarnation(incarnation, report, true);
        return report;
    }

    /** One process's events: replayed in seq order; its live leases count only for the last (running) process. */
    private static void checkIncarnation(List<String[]> events, Report report, boolean last) {
        events.sort(Comparator.comparingLong(e -> Long.parseLong(e[0])));
        report.events += events.size();
        Map<String, Long> live = new HashMap<>();
        for (String[] e : events) {
            long lease = Long.parseLong(e[3]);
            if (e[1].equals("acquire")) {
                Long prev = live.putIfAbsent(e[2], lease);
                if (prev != null) {
                    report.violations.add("seq " + e[0] + ": lease " + lease + " acquired " + e[2] + " while lease "
                        + prev + " was live");
                }
            } else if (!Long.valueOf(lease).equals(live.get(e[2]))) {
                report.violations.add("seq " + e[0] + ": " + e[1] + " of lease " + lease + " on " + e[2]
                    + " which was not the live lease");
            } else {
                live.remove(e[2]);
            }
        }
        if (last) {
            report.liveAtEnd.putAll(live);
        }
    }
}
