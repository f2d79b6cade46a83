/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.scenario;

import io.poplockguard.it.client.PopTestClient;
import io.poplockguard.it.cluster.Cluster;
import io.poplockguard.it.cluster.ThreadCpu;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.UUID;
import org.apache.rocketmq.client.apis.ClientException;
import org.apache.rocketmq.client.apis.consumer.ConsumeResult;
import org.apache.rocketmq.client.apis.consumer.PushConsumer;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.MessageView;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.AckStatus;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.client.consumer.PopStatus;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * Runs a scenario against a cluster, op by op, with real clients: a producer through the name server, classic
 * remoting pop/ack/change-invisible-time straight to the brokers, and the brokers' own admin requests for live
 * config and faults. What ran is recorded as a replayable file (ops with their relative start times).
 */
public final class ScenarioRunner implements AutoCloseable {
    /** The user property holding a message's sequence number in its message group (produce with messageGroups). */
    public static final String SEQUENCE_PROPERTY = "plgSeq";
    private final Cluster cluster;
    private final RunResult result;
    /** Concurrent: consumers running in the background share the clients. */
    private final Map<Integer, PopTestClient> clients = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, List<MessageExt>> held = new HashMap<>();
    private final Map<String, Integer> deliveredByGroup = new HashMap<>();
    private DefaultMQProducer producer;
    private GrpcConsumers grpc;
    /** Ops started with background=true, joined by awaitBackground (and at the end of the run). */
    private final List<Future<?>> background = new ArrayList<>();
    /** What each background pop received (group, messages), joined into {@link #held} by awaitBackground. */
    private final List<Map.Entry<String, List<MessageExt>>> backgroundPops = new ArrayList<>();
    private ExecutorService backgroundPool;
    /** Consumer JVMs (consumerProcesses, killConsumers), made on first use. */
    private ConsumerProcesses consumerProcesses;
    private long startNanos;
    private int nextKey;
    /** The next sequence number of each message group, over the whole run. */
    private final Map<String, Integer> nextSeq = new HashMap<>();

    public ScenarioRunner(Cluster cluster, String label) {
        this.cluster = cluster;
        this.result = new RunResult(label);
    }

    /** The result being filled in, readable while the run goes on (for progress reports). */
    public RunResult result() {
        return result;
    }

    /** Runs the ops in order (each waits for its {@code at} if given); returns what was measured. */
    public RunResult run(List<Op> ops) throws Exception {
        startNanos = System.nanoTime();
        double cpu0 = cpu();
        for (Op op : ops) {
            long wait = op.at() - elapsedMs();
            if (op.at() >= 0 && wait > 0) {
                Thread.sleep(wait);
            }
            result.recorded.add(ScenarioFile.line(op, elapsedMs()));
            try {
                execute(op);
            } catch (Exception e) {
                throw new IllegalStateException("op " + op + " failed on " + result.label + ": " + e
                    + "\nbroker log tail:\n" + cluster.brokerLogTail(op.broker(), 20), e);
            }
        }
        awaitBackground();
        result.durationMs = elapsedMs();
        result.brokerCpuSeconds = cpu() - cpu0;
        result.storeFaultsInjected = storeFaultsInjected();
        if (cluster.spec().tieredStore()) {
            result.tieredReads = tieredReads();
        }
        return result;
    }

    /** Lines of the tiered store's log that record a read of its files, summed over the brokers (-1 if unreadable). */
    private long tieredReads() throws InterruptedException {
        Thread.sleep(500); // the broker's log appenders are asynchronous
        long sum = 0;
        for (int i = 0; i < cluster.brokerCount(); i++) {
            Path home = cluster.brokerHome(i);
            Path log = home == null ? null : home.resolve("logs/rocketmqlogs/tiered_store.log");
            if (log == null || !Files.isRegularFile(log)) {
                return -1;
            }
            try (java.util.stream.Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
                sum += lines.filter(l -> l.contains("MessageFetcher#getMessageFromTieredStoreAsync, topic=")).count();
            } catch (IOException | java.io.UncheckedIOException e) {
                return -1;
            }
        }
        return sum;
    }

    /** The fault store's faultStoreInjected summed over the brokers; -1 when no broker has the fault store. */
    private long storeFaultsInjected() {
        long sum = -1;
        for (int i = 0; i < cluster.brokerCount(); i++) {
            try {
                String v = client(i).brokerConfig().getProperty("faultStoreInjected");
                if (v != null) {
                    sum = Math.max(sum, 0) + Long.parseLong(v.trim());
                }
            } catch (Exception unreachable) {
                // a broker left down by the scenario: its count is unknown
            }
        }
        return sum;
    }

    /** Writes what ran as a scenario file that replays against any cluster. */
    public void record(Path file) throws IOException {
        Files.write(file, result.recorded, StandardCharsets.UTF_8);
    }

    private void execute(Op op) throws Exception {
        int b = op.broker();
        switch (op.type()) {
            case CREATE_TOPIC:
                for (int i = 0; i < cluster.brokerCount(); i++) {
                    if (op.bool("fifo")) {
                        FifoTopic.create(cluster.brokerAddr(i), op.str("topic"), op.integer("queues", 1));
                    } else {
                        client(i).createTopic(op.str("topic"), op.integer("queues", 1));
                    }
                }
                break;
            case CREATE_GROUP:
                for (int i = 0; i < cluster.brokerCount(); i++) {
                    client(i).createGroup(op.str("group"), op.bool("orderly"),
                        !op.fields().containsKey("consumeEnable") || op.bool("consumeEnable"));
                }
                break;
            case PRODUCE:
                produce(op, b);
                break;
            case POP:
                if (op.bool("background")) {
                    // what the pop gets is held apart and joins the group's held messages at awaitBackground, so
                    // the ops running meanwhile never share a list with it
                    List<MessageExt> got = new ArrayList<>();
                    backgroundPops.add(new java.util.AbstractMap.SimpleEntry<>(op.str("group"), got));
                    background.add(backgroundPool().submit(() -> {
                        popUntil(op, b, got);
                        return null;
                    }));
                } else {
                    popUntil(op, b, held(op.str("group")));
                }
                break;
            case ACK:
                ackAll(op.str("group"), b);
                break;
            case BATCH_ACK: {
                List<MessageExt> mine = held(op.str("group"));
                if (!mine.isEmpty()) {
                    AckStatus st = client(b).batchAck(mine, op.str("topic"), op.str("group"), 5_000)
                        .get(10, TimeUnit.SECONDS).getStatus();
                    if (st != AckStatus.OK) {
                        synchronized (result) {
                            result.unansweredAcks++;
                        }
                    } else {
                        for (MessageExt m : mine) {
                            result.recordAck(op.str("group"), m.getKeys());
                        }
                    }
                    mine.clear();
                }
                break;
            }
            case CHANGE_INVISIBLE:
                for (MessageExt m : held(op.str("group"))) {
                    client(b).changeInvisibleTimeRaw(m, op.str("group"), op.integer("ms", 0), 5_000).get(10, TimeUnit.SECONDS);
                }
                break;
            case CRASH:
                held(op.str("group")).clear();
                break;
            case DRAIN:
                drain(op, b);
                break;
            case CONSUME:
                if (op.bool("background")) {
                    background.add(backgroundPool().submit(() -> {
                        consume(op);
                        return null;
                    }));
                } else {
                    consume(op);
                }
                break;
            case GRPC_RECEIVE:
                grpcReceive(op);
                break;
            case GRPC_ACK: {
                SimpleConsumer c = grpc().consumer(op.str("group"), null);
                List<MessageView> toAck = new ArrayList<>(grpc().held(op.str("group")));
                grpc().held(op.str("group")).clear();
                Callable<Void> acks = () -> {
                    for (MessageView v : toAck) {
                        grpcAck(c, v, op);
                    }
                    return null;
                };
                if (op.bool("background")) {
                    background.add(backgroundPool().submit(acks)); // the next ops run while the acks wait
                } else {
                    acks.call();
                }
                break;
            }
            case AWAIT_BACKGROUND:
                awaitBackground();
                break;
            case CONSUMER_PROCESSES:
                consumerProcesses().start(op.str("topic"), op.str("group"), op.integer("consumers", 1),
                    op.integer("ackPercent", 100), op.integer("invisibleMs", 60_000));
                break;
            case KILL_CONSUMERS:
                consumerProcesses().killAll();
                break;
            case FLAP_GUARD:
                background.add(backgroundPool().submit(() -> {
                    flapGuard(op.integer("periodMs", 2_000), op.integer("durationMs", 10_000));
                    return null;
                }));
                break;
            case FLAP_CONSUME_ENABLE: {
                Callable<Void> flap = () -> {
                    flapConsumeEnable(op.str("group"), op.integer("periodMs", 500), op.integer("durationMs", 5_000));
                    return null;
                };
                if (op.bool("background")) {
                    background.add(backgroundPool().submit(flap));
                } else {
                    flap.call();
                }
                break;
            }
            case MARK:
                result.marks.add(new RunResult.Mark(op.str("label"), elapsedMs()));
                break;
            case GRPC_PUSH:
                grpcPush(op);
                break;
            case FAULT:
                for (int i : op.bool("allBrokers") ? allBrokers() : new int[] {b}) {
                    if (op.str("topic") != null) {
                        client(i).updateBrokerConfig("faultStoreTopic", op.str("topic"));
                    }
                    if (op.str("group") != null) {
                        client(i).updateBrokerConfig("faultStoreGroup", op.str("group"));
                    }
                    client(i).updateBrokerConfig("faultStoreReadMode", op.str("mode"));
                }
                break;
            case CONFIG:
                for (int i : op.bool("allBrokers") ? allBrokers() : new int[] {b}) {
                    client(i).updateBrokerConfig(op.str("key"), op.str("value"));
                }
                break;
            case KILL_BROKER:
                cluster.killBroker(b);
                break;
            case RESTART_BROKER:
                cluster.restartBroker(b);
                break;
            case WAIT:
                if (op.bool("busiestThread")) {
                    waitMeasuringThreads(b, op.integer("ms", 0));
                } else {
                    Thread.sleep(op.integer("ms", 0));
                }
                break;
            default:
                throw new IllegalStateException("unhandled op " + op.type());
        }
    }

    /** Waits for every op started in the background (each has its own bounded retries). */
    private void awaitBackground() throws Exception {
        for (Future<?> f : background) {
            f.get(120, TimeUnit.SECONDS);
        }
        background.clear();
        for (Map.Entry<String, List<MessageExt>> p : backgroundPops) {
            held(p.getKey()).addAll(p.getValue());
        }
        backgroundPops.clear();
    }

    private ExecutorService backgroundPool() {
        if (backgroundPool == null) {
            backgroundPool = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "scenario-background");
                t.setDaemon(true);
                return t;
            });
        }
        return backgroundPool;
    }

    private void drain(Op op, int b) throws Exception {
        String group = op.str("group");
        int expect = op.integer("expect", -1);
        long start = System.nanoTime();
        long limitMs = op.integer("limitMs", 60_000);
        boolean first = true;
        int turn = 0;
        boolean untilAcked = op.bool("untilAcked");
        while ((untilAcked ? !result.allAcked(op.str("topic"), group, drainedLongEnough(start))
            : expect >= 0 ? deliveredByGroup.getOrDefault(group, 0) < expect : !result.lost().isEmpty())
            && TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < limitMs) {
            int broker = op.fields().containsKey("broker") ? b : turn++ % cluster.brokerCount();
            int got = pop(op, broker, 1_000, op.integer("queue", -1), held(group));
            if (got > 0) {
                b = broker;
                if (first && result.stallMs < 0) {
                    result.stallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                }
                first = false;
                ackAll(group, b);
            }
        }
        if (first && result.stallMs < 0 && (untilAcked ? result.allAcked(op.str("topic"), group)
            : expect >= 0 ? deliveredByGroup.getOrDefault(group, 0) >= expect : result.lost().isEmpty())) {
            result.stallMs = 0;
        }
    }

    /**
     * A drain until acked gives a message whose ack went unanswered this long to come back (revive puts an unacked
     * message back within its invisible time plus the revive scan); after that the ack is taken as having landed.
     */
    private static final long UNCERTAIN_ACK_WAIT_MS = 30_000;

    private static boolean drainedLongEnough(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos) >= UNCERTAIN_ACK_WAIT_MS;
    }

    /** Pops (at least once) until untilCount messages arrived into {@code into}; at most 30 s. */
    private void popUntil(Op op, int b, List<MessageExt> into) throws Exception {
        int until = op.integer("untilCount", 0);
        long deadline = System.currentTimeMillis() + 30_000;
        int got = 0;
        do {
            got += pop(op, b, op.integer("pollMs", 300), op.integer("queue", -1), into);
        } while (got < until && System.currentTimeMillis() < deadline);
        if (got < until) {
            throw new IllegalStateException("popped " + got + " of untilCount=" + until + " within 30 s");
        }
    }

    /** How long a consumer waits before it pops again after its pop was refused (NO_PERMISSION). */
    private static final long REFUSED_POP_BACKOFF_MS = 50;

    /** A pop the broker answered NO_PERMISSION: the group's consumeEnable is off (flapConsumeEnable, createGroup). */
    private static boolean refused(ExecutionException e) {
        return e.getCause() instanceof org.apache.rocketmq.client.exception.MQBrokerException
            && ((org.apache.rocketmq.client.exception.MQBrokerException) e.getCause()).getResponseCode()
                == org.apache.rocketmq.remoting.protocol.ResponseCode.NO_PERMISSION;
    }

    /** One pop; what arrives is added to {@code into} (the caller acks it) and to the run's bookkeeping. */
    private int pop(Op op, int b, int pollMs, int queue, List<MessageExt> into) throws Exception {
        String group = op.str("group");
        long t0 = System.nanoTime();
        PopResult r;
        try {
            r = client(b).pop(op.str("topic"), group, queue, op.integer("max", 8), pollMs, op.bool("orderly"),
                pollMs + 3_000, op.integer("invisibleMs", 60_000)).get(pollMs + 10_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException unanswered) {
            if (refused(unanswered)) {
                // the group's consumeEnable is off: an answer, not a timeout; pop again a little later, as a consumer
                // backs off after an error (not the 3 s of the push consumer's default: the group may be on by then)
                synchronized (result) {
                    result.refusedPops++;
                }
                Thread.sleep(REFUSED_POP_BACKOFF_MS);
                return 0;
            }
            synchronized (result) {
                result.unansweredPops++;
            }
            return 0;
        }
        if (r.getPopStatus() != PopStatus.FOUND || r.getMsgFoundList() == null) {
            return 0;
        }
        into.addAll(r.getMsgFoundList());
        synchronized (result) {
            result.popLatenciesMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            deliveredByGroup.merge(group, r.getMsgFoundList().size(), Integer::sum);
            java.util.Set<String> queues = new java.util.HashSet<>();
            long now = elapsedMs();
            for (MessageExt m : r.getMsgFoundList()) {
                result.recordDelivery(group, m.getKeys(), m.getBornTimestamp());
                String from = RunResult.isRevived(m) ? "retry" : cluster.brokerName(b) + "/" + m.getQueueId();
                result.note(m.getKeys(), now, "delivered " + from + " to the test JVM");
                if (!RunResult.isRevived(m)) {
                    queues.add(from);
                }
            }
            result.deliveries.add(new long[] {now, result.delivered.size()});
            for (String q : queues) {
                result.queueDeliveries.add(new RunResult.QueueDelivery(now, q));
            }
        }
        return r.getMsgFoundList().size();
    }

    /** Receives through the proxy with the gRPC SimpleConsumer until untilCount arrived (at least one attempt). */
    private void grpcReceive(Op op) throws Exception {
        String group = op.str("group");
        SimpleConsumer c = grpc().consumer(group, op.str("topic"));
        long start = System.nanoTime();
        int until = op.integer("untilCount", 0);
        int got = 0;
        do {
            long t0 = System.nanoTime();
            List<MessageView> views;
            try {
                views = c.receive(op.integer("max", 8), Duration.ofMillis(op.integer("invisibleMs", 60_000)));
            } catch (ClientException | RuntimeException noAnswer) {
                // a RuntimeException is gRPC's own UNAVAILABLE: the channel to a restarted proxy fails calls at once
                // until its reconnect back-off has passed, so wait a little before the next try
                synchronized (result) {
                    result.unansweredPops++;
                }
                Thread.sleep(100);
                continue;
            }
            if (views.isEmpty()) {
                continue;
            }
            got += views.size();
            synchronized (result) {
                if (op.bool("stall") && result.stallMs < 0) {
                    result.stallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                }
                result.popLatenciesMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                for (MessageView v : views) {
                    result.recordDelivery(group, key(v), v.getBornTimestamp());
                }
                result.deliveries.add(new long[] {elapsedMs(), result.delivered.size()});
            }
            for (MessageView v : views) {
                if (!op.fields().containsKey("ack") || op.bool("ack")) {
                    grpcAck(c, v, op);
                } else {
                    grpc().held(group).add(v);
                }
            }
        } while (got < until && TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < op.integer("limitMs", 30_000));
    }

    /**
     * Acks as a FIFO consumer must (the next message of its queue comes only after this one is acked): a failed ack
     * is counted and retried every second until it succeeds or the op's ackLimitMs (default 30 s) passed, then it
     * counts as unanswered.
     */
    private void grpcAck(SimpleConsumer c, MessageView v, Op op) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(op.integer("ackLimitMs", 30_000));
        while (true) {
            try {
                c.ack(v);
                result.recordAck(op.str("group"), key(v));
                return;
            } catch (ClientException | RuntimeException e) {
                result.ackFailed(e);
                if (System.nanoTime() + TimeUnit.SECONDS.toNanos(1) > deadline) {
                    result.ackUnanswered();
                    return;
                }
                Thread.sleep(1_000);
            }
        }
    }

    /**
     * A PushConsumer on the group until untilCount messages arrived for the first time in this op (or limitMs passed);
     * each delivery is recorded (duplicates, order within message groups) and answered SUCCESS, so the client acks.
     * Closing it waits for its receive calls still parked in the proxy's long polling (up to the proxy's
     * grpcClientConsumerMaxLongPollingTimeoutMillis, 20 s by default), so the op ends that much after the last message.
     */
    private void grpcPush(Op op) throws Exception {
        String group = op.str("group");
        int until = op.integer("untilCount", 0);
        long start = System.nanoTime();
        java.util.concurrent.atomic.AtomicInteger fresh = new java.util.concurrent.atomic.AtomicInteger();
        try (PushConsumer consumer = grpc().push(group, op.str("topic"), v -> {
            synchronized (result) {
                if (op.bool("stall") && result.stallMs < 0) {
                    result.stallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                }
                if (result.recordDelivery(group, key(v), v.getBornTimestamp())) {
                    fresh.incrementAndGet();
                }
                result.deliveries.add(new long[] {elapsedMs(), result.delivered.size()});
            }
            return ConsumeResult.SUCCESS;
        })) {
            long deadline = start + TimeUnit.MILLISECONDS.toNanos(op.integer("limitMs", 30_000));
            while (fresh.get() < until && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
    }

    /** The harness's unique key of a message received through gRPC. */
    private static String key(MessageView v) {
        return v.getKeys().iterator().next();
    }

    /** Sleeps, sampling broker b's threads before and after; records the busiest non-JVM thread over the wait. */
    private void waitMeasuringThreads(int b, long ms) throws InterruptedException {
        Map<String, Double> before = cluster.brokerThreadCpuSeconds(b);
        long t0 = System.nanoTime();
        Thread.sleep(ms);
        Map<String, Double> after = cluster.brokerThreadCpuSeconds(b);
        long windowMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        ThreadCpu.Busiest top = ThreadCpu.busiest(before, after, windowMs);
        if (top != null) {
            result.busiestThreadName = top.name();
            result.busiestThreadCpuShare = top.share();
        }
        ThreadCpu.Busiest waiter = ThreadCpu.busiest(before, after, windowMs, ThreadCpu::ackWaiter);
        if (waiter != null) {
            result.ackWaiterThreadName = waiter.name();
            result.ackWaiterCpuShare = waiter.share();
        }
    }

    private GrpcConsumers grpc() {
        if (grpc == null) {
            grpc = new GrpcConsumers(cluster.proxyGrpcAddr());
        }
        return grpc;
    }

    /** Concurrent consumers for a while; each acks ackPercent of its messages and drops the rest (revived later). */
    private void consume(Op op) throws Exception {
        int n = op.integer("consumers", 1);
        long until = System.currentTimeMillis() + op.integer("durationMs", 1_000);
        int ackPercent = op.integer("ackPercent", 100);
        List<java.util.concurrent.Future<?>> running = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            for (int c = 0; c < n; c++) {
                final int consumer = c;
                running.add(pool.submit(() -> {
                    java.util.Random rnd = new java.util.Random(consumer);
                    int turn = consumer;
                    while (System.currentTimeMillis() < until) {
                        int b = turn++ % cluster.brokerCount();
                        List<MessageExt> mine = new ArrayList<>();
                        pop(op, b, op.integer("pollMs", 500), -1, mine);
                        List<MessageExt> toAck = new ArrayList<>();
                        for (MessageExt m : mine) {
                            if (rnd.nextInt(100) < ackPercent) {
                                toAck.add(m);
                            }
                        }
                        ack(op.str("group"), b, toAck);
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : running) {
                f.get(op.integer("durationMs", 1_000) + 60_000L, TimeUnit.MILLISECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private void ackAll(String group, int b) throws Exception {
        ack(group, b, held(group));
        held(group).clear();
    }

    /** Acks the messages on broker {@code b}; an unanswered or refused ack is counted, not fatal. */
    private void ack(String group, int b, List<MessageExt> messages) throws Exception {
        for (MessageExt m : messages) {
            boolean ok;
            boolean answered = true;
            try {
                ok = client(b).ack(m, group, 5_000).get(10, TimeUnit.SECONDS).getStatus() == AckStatus.OK;
            } catch (ExecutionException unanswered) {
                ok = false;
                answered = false;
            }
            if (ok) {
                result.recordAck(group, m.getKeys());
                result.note(m.getKeys(), elapsedMs(), "acked on " + cluster.brokerName(b));
            } else {
                synchronized (result) {
                    result.unansweredAcks++;
                }
                if (!answered) {
                    result.ackUncertain(m.getKeys(), elapsedMs(), "ack on " + cluster.brokerName(b) + " unanswered");
                }
            }
        }
    }

    /**
     * Sends count messages with unique keys: to one queue of one broker, or spread over queues and every broker. With
     * messageGroups, message i is in group "g" + (i % messageGroups), and the spreading goes by group, so that each
     * group stays in one queue (its order is only kept there).
     */
    private void produce(Op op, int b) throws Exception {
        String topic = op.str("topic");
        int spread = op.integer("queues", 0);
        int groups = op.integer("messageGroups", 0);
        DefaultMQProducer p = producer();
        Map<MessageQueue, Long> sentUpTo = new HashMap<>();
        for (int i = 0; i < op.integer("count", 1); i++) {
            int slot = groups > 0 ? i % groups : i;
            MessageQueue mq = spread > 0
                ? new MessageQueue(topic, cluster.brokerName(slot % cluster.brokerCount()), (slot / cluster.brokerCount()) % spread)
                : new MessageQueue(topic, cluster.brokerName(b), op.integer("queue", 0));
            String key = result.label.replaceAll("[^a-z0-9.]", "") + "-" + (nextKey++);
            Message m = new Message(topic, "*", key, key.getBytes(StandardCharsets.UTF_8));
            if (groups > 0) {
                String group = "g" + slot;
                int seq = nextSeq.merge(group, 1, Integer::sum) - 1;
                MessageAccessor.putProperty(m, MessageConst.PROPERTY_SHARDING_KEY, group);
                m.putUserProperty(SEQUENCE_PROPERTY, Integer.toString(seq));
                result.groupSeqs.put(key, new RunResult.GroupSeq(group, seq));
            }
            long deadline = System.currentTimeMillis() + 30_000;
            while (true) {
                try {
                    sentUpTo.merge(mq, p.send(m, mq).getQueueOffset() + 1, Math::max);
                    break;
                } catch (MQClientException | org.apache.rocketmq.remoting.exception.RemotingException e) {
                    // the topic's route reaches the name server a moment after it is created; a restarting broker
                    if (System.currentTimeMillis() > deadline) {
                        throw e;
                    }
                    Thread.sleep(200);
                } catch (org.apache.rocketmq.client.exception.MQBrokerException e) {
                    // a busy broker's flow control (SYSTEM_BUSY, e.g. TIMEOUT_CLEAN_QUEUE on a loaded machine) stores
                    // nothing: send again, as a producer's retry would
                    if (e.getResponseCode() != org.apache.rocketmq.remoting.protocol.ResponseCode.SYSTEM_BUSY
                        || System.currentTimeMillis() > deadline) {
                        throw e;
                    }
                    Thread.sleep(200);
                }
            }
            result.topicOf.put(key, topic);
            result.produced.add(key);
        }
        awaitDispatched(p, sentUpTo);
    }

    /**
     * Waits until each queue's consume queue holds what was sent to it. A send returns once the message is in the
     * commit log; the broker's dispatch to the consume queue follows, and on a loaded machine it can lag by seconds.
     * A pop in that gap finds only part of the messages, and with the in-flight threshold on (the seed scenario) the
     * pops after it are refused: the scenario would race the broker's own dispatch.
     */
    private static void awaitDispatched(DefaultMQProducer p, Map<MessageQueue, Long> sentUpTo) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        for (Map.Entry<MessageQueue, Long> e : sentUpTo.entrySet()) {
            while (true) {
                long max;
                try {
                    max = p.maxOffset(e.getKey());
                } catch (MQClientException notNow) {
                    max = -1; // a broker restarting: ask again
                }
                if (max >= e.getValue()) {
                    break;
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("the consume queue of " + e.getKey() + " holds " + max
                        + " messages, " + e.getValue() + " were sent to it, after 30 s");
                }
                Thread.sleep(20);
            }
        }
    }

    private DefaultMQProducer producer() throws MQClientException {
        if (producer == null) {
            producer = new DefaultMQProducer("plg-producer");
            producer.setNamesrvAddr(cluster.namesrvAddr());
            producer.setInstanceName("plg-" + UUID.randomUUID());
            producer.setSendMsgTimeout(5_000);
            producer.start();
        }
        return producer;
    }

    private PopTestClient client(int broker) {
        return clients.computeIfAbsent(broker, i -> new PopTestClient(cluster.brokerAddr(i), cluster.brokerName(i)));
    }

    private ConsumerProcesses consumerProcesses() {
        if (consumerProcesses == null) {
            consumerProcesses = new ConsumerProcesses(cluster, result,
                System.currentTimeMillis() - elapsedMs());
        }
        return consumerProcesses;
    }

    /**
     * Switches the guard off and on on every broker until durationMs passed, leaving it on. A broker that is down
     * (killed by the scenario meanwhile) misses that switch; every broker is switched on at the end, retried while
     * one is still restarting.
     */
    private void flapGuard(int periodMs, int durationMs) throws Exception {
        long until = System.currentTimeMillis() + durationMs;
        boolean on = true;
        while (System.currentTimeMillis() < until) {
            Thread.sleep(periodMs);
            on = !on;
            for (int i : allBrokers()) {
                try {
                    client(i).updateBrokerConfig("popLockGuardEnable", Boolean.toString(on));
                } catch (Exception brokerDown) {
                    // killed or restarting: it keeps whatever it had, the final switch-on below reaches it
                }
            }
        }
        for (int i : allBrokers()) {
            long deadline = System.currentTimeMillis() + 60_000;
            for (;;) {
                try {
                    client(i).updateBrokerConfig("popLockGuardEnable", "true");
                    break;
                } catch (Exception brokerDown) {
                    if (System.currentTimeMillis() > deadline) {
                        throw brokerDown;
                    }
                    Thread.sleep(500);
                }
            }
        }
        result.marks.add(new RunResult.Mark("guardFlap", elapsedMs()));
    }

    /**
     * Switches the group's consumeEnable off and on on every broker until durationMs passed, leaving it on, then marks
     * "consumeEnableFlap". A broker that is down misses that switch; every broker is switched on at the end, retried
     * while one is still restarting.
     */
    private void flapConsumeEnable(String group, int periodMs, int durationMs) throws Exception {
        long until = System.currentTimeMillis() + durationMs;
        boolean on = true;
        while (System.currentTimeMillis() < until) {
            Thread.sleep(periodMs);
            on = !on;
            for (int i : allBrokers()) {
                try {
                    client(i).setConsumeEnable(group, on);
                    synchronized (result) {
                        result.consumeEnableSwitches++;
                    }
                } catch (Exception brokerDown) {
                    // killed or restarting: it keeps whatever it had, the final switch-on below reaches it
                }
            }
        }
        for (int i : allBrokers()) {
            long deadline = System.currentTimeMillis() + 60_000;
            for (;;) {
                try {
                    client(i).setConsumeEnable(group, true);
                    break;
                } catch (Exception brokerDown) {
                    if (System.currentTimeMillis() > deadline) {
                        throw brokerDown;
                    }
                    Thread.sleep(500);
                }
            }
        }
        if (!on) {
            synchronized (result) {
                result.consumeEnableSwitches += cluster.brokerCount();
            }
        }
        result.marks.add(new RunResult.Mark("consumeEnableFlap", elapsedMs()));
    }

    private int[] allBrokers() {
        int[] all = new int[cluster.brokerCount()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }

    private List<MessageExt> held(String group) {
        return held.computeIfAbsent(group, g -> new ArrayList<>());
    }

    private long elapsedMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private double cpu() {
        double sum = 0;
        for (int i = 0; i < cluster.brokerCount(); i++) {
            sum += Math.max(0, cluster.brokerCpuSeconds(i));
        }
        return sum;
    }

    @Override
    public void close() {
        if (backgroundPool != null) {
            backgroundPool.shutdownNow();
        }
        if (consumerProcesses != null) {
            try {
                consumerProcesses.close();
            } catch (IOException e) {
                System.err.println("ScenarioRunner: could not remove the consumer processes' files: " + e);
            }
        }
        if (grpc != null) {
            grpc.close();
        }
        if (producer != null) {
            producer.shutdown();
        }
        clients.values().forEach(PopTestClient::close);
    }
}
