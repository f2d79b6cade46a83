/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.rocketmq.client.apis.ClientConfiguration;
import org.apache.rocketmq.client.apis.ClientException;
import org.apache.rocketmq.client.apis.ClientServiceProvider;
import org.apache.rocketmq.client.apis.consumer.FilterExpression;
import org.apache.rocketmq.client.apis.consumer.MessageListener;
import org.apache.rocketmq.client.apis.consumer.PushConsumer;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.MessageView;

/**
 * The 5.x gRPC clients of a run: one SimpleConsumer per group, connected to the cluster's proxy, and the messages each
 * holds (received, not yet acked); PushConsumers for the ops that use one. Public for the upstream bench's gRPC
 * consumer JVM (bench/GrpcBenchConsumerMain), which pops through the same client settings.
 */
public final class GrpcConsumers implements AutoCloseable {
    private final String endpoint;
    private final Map<String, SimpleConsumer> consumers = new HashMap<>();
    private final Map<String, List<MessageView>> held = new HashMap<>();

    public GrpcConsumers(String endpoint) {
        if (endpoint == null) {
            throw new IllegalStateException("the scenario uses gRPC ops but the cluster has no proxy (ClusterSpec.withProxy())");
        }
        this.endpoint = endpoint;
    }

    public SimpleConsumer consumer(String group, String topic) throws ClientException {
        SimpleConsumer c = consumers.get(group);
        if (c == null) {
            ClientConfiguration cfg = config(); // before the provider loads: see quietClientLogging
            c = ClientServiceProvider.loadService().newSimpleConsumerBuilder().setClientConfiguration(cfg)
                .setConsumerGroup(group).setAwaitDuration(Duration.ofSeconds(2))
                .setSubscriptionExpressions(Collections.singletonMap(topic, FilterExpression.SUB_ALL)).build();
            consumers.put(group, c);
        }
        return c;
    }

    /**
     * A new PushConsumer of the group on the topic; the caller closes it. Whether it consumes FIFO (one message of a
     * queue at a time, in order) the proxy decides from the group (consumeMessageOrderly).
     */
    PushConsumer push(String group, String topic, MessageListener listener) throws ClientException {
        ClientConfiguration cfg = config(); // before the provider loads: see quietClientLogging
        return ClientServiceProvider.loadService().newPushConsumerBuilder().setClientConfiguration(cfg)
            .setConsumerGroup(group).setMessageListener(listener)
            .setSubscriptionExpressions(Collections.singletonMap(topic, FilterExpression.SUB_ALL)).build();
    }

    private ClientConfiguration config() {
        quietClientLogging();
        return ClientConfiguration.newBuilder().setEndpoints(endpoint).enableSsl(false)
            .setRequestTimeout(Duration.ofSeconds(10)).build();
    }

    /**
     * The gRPC client's shaded logback also reads logback.statusListenerClass, whose value here names the broker's
     * shading and makes the client print a stack trace; point it at the client's own no-op listener while the
     * client's logging starts.
     */
    static synchronized void quietClientLogging() {
        String key = "logback.statusListenerClass";
        String previous = System.getProperty(key);
        if (previous == null) {
            return;
        }
        System.setProperty(key, "org.apache.rocketmq.shaded.ch.qos.logback.core.status.NopStatusListener");
        try {
            Class.forName("org.apache.rocketmq.client.java.impl.ClientImpl");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("rocketmq-client-java is not on the classpath", e);
        } finally {
            System.setProperty(key, previous);
        }
    }

    List<MessageView> held(String group) {
        return held.computeIfAbsent(group, g -> new ArrayList<>());
    }

    @Override
    public void close() {
        for (SimpleConsumer c : consumers.values()) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing a client of a cluster that is going away
            }
        }
    }
}
