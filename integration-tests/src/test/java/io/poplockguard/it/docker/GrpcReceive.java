/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.docker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.rocketmq.client.apis.ClientConfiguration;
import org.apache.rocketmq.client.apis.ClientServiceProvider;
import org.apache.rocketmq.client.apis.consumer.FilterExpression;
import org.apache.rocketmq.client.apis.consumer.SimpleConsumer;
import org.apache.rocketmq.client.apis.message.MessageView;

/** A 5.x gRPC SimpleConsumer through a proxy, as a user's client would pop: receive and ack until enough arrived. */
final class GrpcReceive {
    private GrpcReceive() {
    }

    /** Receives (and acks) until {@code expected} messages arrived or 60 s passed; returns how many arrived. */
    static int receive(String endpoint, String group, String topic, int expected) throws Exception {
        ClientConfiguration cfg = ClientConfiguration.newBuilder().setEndpoints(endpoint).enableSsl(false)
            .setRequestTimeout(Duration.ofSeconds(10)).build();
        List<MessageView> got = new ArrayList<>();
        try (SimpleConsumer c = ClientServiceProvider.loadService().newSimpleConsumerBuilder().setClientConfiguration(cfg)
            .setConsumerGroup(group).setAwaitDuration(Duration.ofSeconds(2))
            .setSubscriptionExpressions(Collections.singletonMap(topic, FilterExpression.SUB_ALL)).build()) {
            long deadline = System.currentTimeMillis() + 60_000;
            while (got.size() < expected && System.currentTimeMillis() < deadline) {
                for (MessageView m : c.receive(16, Duration.ofSeconds(30))) {
                    c.ack(m);
                    got.add(m);
                }
            }
        }
        return got.size();
    }
}
