/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.scenario;

import java.util.Map;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.ClientRemotingProcessor;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;

/**
 * Creates a FIFO topic on one broker: the admin request the tools send ({@code updateTopic -a +message.type=FIFO}),
 * with the topic attribute the proxy reads to treat the topic as FIFO. ("+" adds the attribute; the broker only
 * accepts attributes it knows.)
 */
final class FifoTopic {
    static final Map<String, String> FIFO_ATTRIBUTES = Map.of("+message.type", "FIFO");
    /** Like PopTestClient's admin timeout: the broker answers after registering the topic with the name server. */
    private static final long TIMEOUT_MS = 15_000;

    private FifoTopic() {
    }

    static void create(String brokerAddr, String topic, int queues) throws Exception {
        MQClientAPIImpl api = new MQClientAPIImpl(new NettyClientConfig(), new ClientRemotingProcessor(null), null,
            new ClientConfig());
        api.start();
        try {
            TopicConfig config = new TopicConfig(topic, queues, queues);
            config.setAttributes(FIFO_ATTRIBUTES);
            api.createTopic(brokerAddr, TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC, config, TIMEOUT_MS);
        } finally {
            api.shutdown();
        }
    }
}
