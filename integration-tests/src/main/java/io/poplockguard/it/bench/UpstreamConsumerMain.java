/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.bench;

import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.cli.Options;
import org.apache.rocketmq.client.hook.ConsumeMessageContext;
import org.apache.rocketmq.client.hook.ConsumeMessageHook;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.client.impl.consumer.DefaultMQPushConsumerImpl;
import org.apache.rocketmq.client.impl.consumer.MQConsumerInner;
import org.apache.rocketmq.client.impl.consumer.RebalanceImpl;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.SerializeType;

/**
 * RocketMQ's own benchmark consumer ({@code org.apache.rocketmq.example.benchmark.Consumer}, unmodified, from the
 * rocketmq-example jar on this JVM's classpath) with a latency hook added from outside: it runs the upstream main,
 * finds the consumer it started in the client's factory table, registers a {@link ConsumeMessageHook} that records
 * now minus each message's born timestamp, and answers the bench's window (see {@link LatencyRecorder}).
 *
 * <p><b>POP.</b> A 5.x DefaultMQPushConsumer pops only when it does not rebalance on the client
 * ({@code RebalancePushImpl.clientRebalance}: {@code clientRebalance=false}, not orderly, clustering): it then asks the
 * broker for its queues (QUERY_ASSIGNMENT), and the broker answers POP for a group set to POP
 * ({@code mqadmin setConsumeMode -m POP}). The upstream Consumer reads that switch from {@code -c}, but 5.5.0 never
 * declares the option, so {@code -c false} is refused by its command-line parser (exit 1) and the consumer always
 * pulls. Where the option is declared this passes {@code -c false}; otherwise it sets the same property on the started
 * consumer ({@code setClientRebalance(false)}, what {@code -c false} would have set) and asks for a rebalance, which
 * drops the pull queues and pops. Either way it is ready only once the consumer pops the topic and pulls none of it.
 *
 * <p><b>Serialization.</b> The upstream main first sets {@code rocketmq.serialize.type=ROCKETMQ}, whose binary header
 * carries the request code in 16 bits: POP_MESSAGE (200050) reaches the broker as 3442 and every pop is refused
 * ("request type 3442 not supported"; upstream issues 5684 and 6953, closed unfixed). RemotingCommand reads that
 * property once, when its class initializes, so this initializes it before the upstream main runs: the consumer keeps
 * the client's default serialization (JSON), which carries the code whole, and the run fails if it did not.
 *
 * <p>Arguments: {@code DIR GROUP TOPIC upstream-consumer-args...} (the upstream args without {@code -c}).
 */
public final class UpstreamConsumerMain {
    static final String READY_LINE = "upstream consumer pops, latency hook registered";
    static final String UPSTREAM_CONSUMER = "org.apache.rocketmq.example.benchmark.Consumer";
    private static final long POP_SWITCH_TIMEOUT_MS = 60_000;

    private UpstreamConsumerMain() {
    }

    public static void main(String[] args) {
        try {
            run(Paths.get(args[0]), args[1], args[2], Arrays.copyOfRange(args, 3, args.length));
        } catch (Throwable t) {
            // the upstream consumer's threads would keep this JVM alive: exit, so the bench sees the failure at once
            System.out.println("upstream consumer wrapper failed: " + t);
            t.printStackTrace(System.out);
            System.out.flush();
            System.exit(3);
        }
    }

    private static void run(Path dir, String group, String topic, String[] upstreamArgs) throws Exception {
        Class<?> upstream = Class.forName(UPSTREAM_CONSUMER);
        boolean declaresC = ((Options) upstream.getMethod("buildCommandlineOptions", Options.class)
            .invoke(null, new Options())).hasOption("c");
        // before the upstream main sets its serialization property (see the class comment): JSON from here on
        SerializeType serialization = RemotingCommand.getSerializeTypeConfigInThisServer();
        List<String> a = new ArrayList<>(Arrays.asList(upstreamArgs));
        if (declaresC) {
            a.add("-c");
            a.add("false");
        }
        // reflection: rocketmq-example is on this JVM's classpath only, not on the harness's (its tree is large)
        try {
            upstream.getMethod("main", String[].class).invoke(null, (Object) a.toArray(new String[0]));
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("the upstream Consumer's main failed", e.getCause());
        }
        if (RemotingCommand.getSerializeTypeConfigInThisServer() != SerializeType.JSON) {
            throw new IllegalStateException("the consumer's requests are serialized as "
                + RemotingCommand.getSerializeTypeConfigInThisServer() + ", whose 16-bit request code cannot carry a pop;"
                + " was rocketmq.serialize.type or ROCKETMQ_SERIALIZE_TYPE set for this JVM? (it was " + serialization
                + " before the upstream main ran)");
        }
        DefaultMQPushConsumerImpl consumer = find(group);
        // registered before the producer starts (the bench waits for READY_LINE), so no consume request has yet
        // checked for hooks: the client looks at its hook list once before and once after each consume
        LatencyRecorder recorder = new LatencyRecorder();
        consumer.registerConsumeMessageHook(new LatencyHook(recorder));
        if (!declaresC) {
            consumer.getDefaultMQPushConsumer().setClientRebalance(false);
            System.out.println("the upstream Consumer has no -c option: set clientRebalance=false on the started consumer");
        }
        awaitPopOnly(consumer, topic);
        System.out.println(READY_LINE);
        System.out.flush();
        recorder.answerWindow(dir);
    }

    /** The push consumer of {@code group} that the upstream main started, from the client's factory table. */
    private static DefaultMQPushConsumerImpl find(String group) {
        List<String> seen = new ArrayList<>();
        for (MQClientInstance instance : MQClientManager.getInstance().getFactoryTable().values()) {
            MQConsumerInner inner = instance.selectConsumer(group);
            if (inner instanceof DefaultMQPushConsumerImpl) {
                return (DefaultMQPushConsumerImpl) inner;
            }
            seen.add(instance.getClientId() + ": " + (inner == null ? "no consumer of " + group : inner.getClass()));
        }
        throw new IllegalStateException("no DefaultMQPushConsumerImpl of group " + group + " in the client factory table "
            + seen + ": did the upstream Consumer get -g " + group + "?");
    }

    /** Until the consumer pops {@code topic} and pulls none of its queues, asking for a rebalance every second. */
    private static void awaitPopOnly(DefaultMQPushConsumerImpl consumer, String topic) throws InterruptedException {
        RebalanceImpl rebalance = consumer.getRebalanceImpl();
        long deadline = System.currentTimeMillis() + POP_SWITCH_TIMEOUT_MS;
        for (int i = 0; System.currentTimeMillis() < deadline; i++) {
            boolean pops = rebalance.getPopProcessQueueTable().keySet().stream().anyMatch(q -> topic.equals(q.getTopic()));
            boolean pulls = rebalance.getProcessQueueTable().keySet().stream().anyMatch(q -> topic.equals(q.getTopic()));
            if (pops && !pulls) {
                return;
            }
            if (i % 10 == 0) {
                consumer.getmQClientFactory().rebalanceImmediately();
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the consumer did not switch to POP on " + topic + " within "
            + POP_SWITCH_TIMEOUT_MS + " ms: pop queues " + rebalance.getPopProcessQueueTable().keySet() + ", pull queues "
            + rebalance.getProcessQueueTable().keySet() + " (is the group set to POP on the broker?)");
    }

    /** Records each message as the upstream listener is about to get it. */
    private static final class LatencyHook implements ConsumeMessageHook {
        private final LatencyRecorder recorder;

        LatencyHook(LatencyRecorder recorder) {
            this.recorder = recorder;
        }

        @Override
        public String hookName() {
            return "poplockguard-upstream-bench-latency";
        }

        @Override
        public void consumeMessageBefore(ConsumeMessageContext context) {
            long now = System.currentTimeMillis();
            for (MessageExt m : context.getMsgList()) {
                // a popped message carries its pop checkpoint; a pulled one does not
                recorder.record(now, now - m.getBornTimestamp(), m.getProperty(MessageConst.PROPERTY_POP_CK) != null);
            }
        }

        @Override
        public void consumeMessageAfter(ConsumeMessageContext context) {
        }
    }
}
