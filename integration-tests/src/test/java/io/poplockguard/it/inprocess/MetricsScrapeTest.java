/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.it.client.PopTestClient;
import io.poplockguard.it.cluster.LoopbackPorts;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.rocketmq.broker.processor.PopMessageProcessor;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.client.consumer.PopStatus;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The guard's instruments on the broker's own meter, read the way operators read them: scraping the broker's
 * Prometheus endpoint (metricsExporterType=PROM) after real pops, a contended lock, a stray unlock, a forced release
 * and an orderly ack parked behind a held lock.
 */
@Tag("inprocess")
class MetricsScrapeTest {
    private static final String TOPIC = "metrics-topic";
    private static final String GROUP = "metrics-group";

    @Test
    @Timeout(120)
    void lockInstrumentsAreScrapedFromTheBrokersPrometheusEndpoint() throws Exception {
        int promPort = LoopbackPorts.freePort();
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true", "popLockGuardAllowForceRelease=true", "metricsExporterType=PROM",
            "metricsPromExporterHost=127.0.0.1", "metricsPromExporterPort=" + promPort);
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            b.createTopic(TOPIC, 1);
            b.createGroup(GROUP, false);
            b.put(TOPIC, 0, 4);
            PopResult pop = c.pop(TOPIC, GROUP, 0, 2, 0, false, 5_000).get(10, TimeUnit.SECONDS);
            assertEquals(PopStatus.FOUND, pop.getPopStatus());

            PopMessageProcessor.QueueLockManager locks = b.controller().getPopMessageProcessor().getQueueLockManager();
            // a key of a group that never popped: the broker's own holders of the popped queue's key (the pop's
            // release just after its answer, the buffer-merge scan every 5 ms) would race the test's tryLock
            String key = LockKey.queue(TOPIC, "metrics-test-only", 0);
            assertTrue(locks.tryLock(key));
            assertFalse(locks.tryLock(key), "contended");
            locks.unLock(LockKey.queue(TOPIC, "nobody", 0)); // a stray unlock: nothing held there
            RemotingCommand forced = forceRelease(c, key);
            assertEquals(ResponseCode.SUCCESS, forced.getCode(), forced.getRemark());
            LockWaitProbe.prepare(b, true);
            LockWaitProbe.orderlyAckWaiterCpuShare(b, c, 300); // an orderly ack parks behind a held lock

            String metrics = scrape(promPort);
            List<String> ours = lines(metrics, "rocketmq_pop_lock_");
            System.out.println(String.join("\n", ours));
            assertTrue(value(metrics, "rocketmq_pop_lock_acquisitions_total", "lock=\"queue\"") >= 2,
                "pop + test lock, labelled with the lock kind: " + ours);
            assertTrue(value(metrics, "rocketmq_pop_lock_contended_total", "") >= 1, ours.toString());
            assertEquals(1, value(metrics, "rocketmq_pop_lock_reclaimed_total", "cause=\"forced\""), ours.toString());
            assertTrue(value(metrics, "rocketmq_pop_lock_stray_unlocks_total", "reason=\"notHeld\"") >= 1, ours.toString());
            assertEquals(0, value(metrics, "rocketmq_pop_lock_held", ""), "nothing held now: " + ours);
            // the guard's view set the hold-time buckets (120 s is ours, the SDK default stops at 10 s)
            assertTrue(metrics.matches("(?s).*rocketmq_pop_lock_hold_time\\w*_bucket\\{[^}]*le=\"120000\\.0\".*"), ours.toString());
            assertTrue(metrics.matches("(?s).*rocketmq_pop_lock_hold_time\\w*_count\\{.*"), ours.toString());
            assertTrue(value(metrics, "rocketmq_pop_lock_waiter_park_time_milliseconds_count", "") >= 1,
                "the orderly ack parked: " + ours);
            for (String line : ours) {
                if (!line.startsWith("#")) {
                    assertTrue(line.contains("cluster=\"plg-test-cluster\""), "the broker's own labels: " + line);
                    // labels from fixed sets only (lock="queue" names the kind of lock, not a queue)
                    assertFalse(line.matches(".*[{,](topic|consumer_group|group|queue_id|queueId|key)=.*"),
                        "no per-queue or per-group labels: " + line);
                }
            }
        }
    }

    private static RemotingCommand forceRelease(PopTestClient c, String key) throws Exception {
        RemotingCommand r = RemotingCommand.createRequestCommand(LockTableProcessor.FORCE_RELEASE, null);
        r.addExtField(LockTableProcessor.KEY_FIELD, key);
        return c.invoke(r);
    }

    /** The summed value of a metric's samples whose labels contain {@code labelPart}. */
    private static double value(String metrics, String name, String labelPart) {
        // a sample line: name{labels} value [timestamp] (the exporter of 5.3.x appends a timestamp, 5.5.x does not)
        Pattern p = Pattern.compile("^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)( -?[0-9]+)?$", Pattern.MULTILINE);
        Matcher m = p.matcher(metrics);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            if (m.group(1) != null && m.group(1).contains(labelPart) || labelPart.isEmpty()) {
                sum += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        assertTrue(found, name + " with " + labelPart + " not exported");
        return sum;
    }

    private static List<String> lines(String metrics, String prefix) {
        List<String> out = new ArrayList<>();
        for (String l : metrics.split("\n")) {
            if (l.startsWith(prefix) || l.startsWith("# HELP " + prefix) || l.startsWith("# TYPE " + prefix)) {
                out.add(l);
            }
        }
        return out;
    }

    static String scrape(int port) throws Exception {
        HttpURLConnection con = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/metrics").openConnection();
        con.setConnectTimeout(3_000);
        con.setReadTimeout(10_000);
        assertEquals(200, con.getResponseCode());
        try (InputStream in = con.getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
