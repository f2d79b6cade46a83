/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.client;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.consumer.AckCallback;
import org.apache.rocketmq.client.consumer.AckResult;
import org.apache.rocketmq.client.consumer.PopCallback;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.client.impl.ClientRemotingProcessor;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.constant.ConsumeInitMode;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig;
import org.apache.rocketmq.common.message.MessageConst;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageRequestMode;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.header.AckMessageRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.ChangeInvisibleTimeRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.ExtraInfoUtil;
import org.apache.rocketmq.remoting.protocol.header.PopMessageRequestHeader;

/**
 * The classic remoting client's own pop/ack calls (what DefaultMQPushConsumer in pop mode sends), aimed at one broker
 * address. Results come back as futures so tests can time them.
 */
public final class PopTestClient implements AutoCloseable {
    /**
     * Admin requests (topic, group, broker config) get a longer timeout than pops: the broker answers a topic
     * change only after registering it with the name server, and that registration queues behind the broker's own
     * start-up registration (both synchronized on the BrokerController). Right after boot, with two clusters
     * starting on two cores, that has taken more than 3 s. They are set-up, not what a scenario measures.
     */
    private static final long ADMIN_TIMEOUT_MS = 15_000;

    private final MQClientAPIImpl api;
    private final String addr;
    private final String brokerName;

    public PopTestClient(String addr, String brokerName) {
        this.addr = addr;
        this.brokerName = brokerName;
        NettyClientConfig ncc = new NettyClientConfig();
        this.api = new MQClientAPIImpl(ncc, new ClientRemotingProcessor(null), null, new ClientConfig());
        this.api.start();
    }

    public CompletableFuture<PopResult> pop(String topic, String group, int queueId, int max, long pollMs,
        boolean orderly, long timeoutMs) throws Exception {
        return pop(topic, group, queueId, max, pollMs, orderly, timeoutMs, TimeUnit.SECONDS.toMillis(60));
    }

    public CompletableFuture<PopResult> pop(String topic, String group, int queueId, int max, long pollMs,
        boolean orderly, long timeoutMs, long invisibleMs) throws Exception {
        PopMessageRequestHeader h = popHeader(topic, group, queueId, max, pollMs, orderly, invisibleMs);
        CompletableFuture<PopResult> f = new CompletableFuture<>();
        api.popMessageAsync(brokerName, addr, h, timeoutMs, new PopCallback() {
            @Override
            public void onSuccess(PopResult popResult) {
                f.complete(popResult);
            }

            @Override
            public void onException(Throwable e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Acks one popped message; completes with the broker's answer (an exception for a non-success code). */
    public CompletableFuture<AckResult> ack(MessageExt m, String group, long timeoutMs) throws Exception {
        AckMessageRequestHeader h = ackHeader(m, group);
        CompletableFuture<AckResult> f = new CompletableFuture<>();
        api.ackMessageAsync(addr, timeoutMs, new AckCallback() {
            @Override
            public void onSuccess(AckResult ackResult) {
                f.complete(ackResult);
            }

            @Override
            public void onException(Throwable e) {
                f.completeExceptionally(e);
            }
        }, h);
        return f;
    }

    /** A pop request header as the 5.x clients send it (an orderly pop carries an attempt id). */
    public static PopMessageRequestHeader popHeader(String topic, String group, int queueId, int max, long pollMs,
        boolean orderly, long invisibleMs) {
        PopMessageRequestHeader h = new PopMessageRequestHeader();
        h.setConsumerGroup(group);
        h.setTopic(topic);
        h.setQueueId(queueId);
        h.setMaxMsgNums(max);
        h.setInvisibleTime(invisibleMs);
        h.setPollTime(pollMs);
        h.setBornTime(System.currentTimeMillis());
        h.setInitMode(ConsumeInitMode.MIN);
        h.setOrder(orderly);
        if (orderly) {
            h.setAttemptId("attempt-" + System.nanoTime());
        }
        return h;
    }

    /** A pop sent as a raw request, so the test sees the broker's response code (SYSTEM_BUSY at the deadline). */
    public CompletableFuture<RemotingCommand> popRaw(PopMessageRequestHeader h, long timeoutMs) {
        return sendRaw(RemotingCommand.createRequestCommand(RequestCode.POP_MESSAGE, h), timeoutMs);
    }

    /** An ack sent as a raw request, so the test sees the broker's response code (SYSTEM_BUSY at the deadline). */
    public CompletableFuture<RemotingCommand> ackRaw(MessageExt m, String group, long timeoutMs) {
        return sendRaw(RemotingCommand.createRequestCommand(RequestCode.ACK_MESSAGE, ackHeader(m, group)), timeoutMs);
    }

    /** The ack header for a popped message, from the pop checkpoint info the broker put in its properties. */
    public static AckMessageRequestHeader ackHeader(MessageExt m, String group) {
        String extraInfo = m.getProperty(MessageConst.PROPERTY_POP_CK);
        String[] ei = ExtraInfoUtil.split(extraInfo);
        AckMessageRequestHeader h = new AckMessageRequestHeader();
        h.setConsumerGroup(group);
        h.setTopic(ExtraInfoUtil.getRealTopic(ei, m.getTopic(), group));
        h.setQueueId(ExtraInfoUtil.getQueueId(ei));
        h.setExtraInfo(extraInfo);
        h.setOffset(m.getQueueOffset());
        return h;
    }

    /** Change invisible time as a raw request (for an orderly message it waits on the queue lock). */
    public CompletableFuture<RemotingCommand> changeInvisibleTimeRaw(MessageExt m, String group, long invisibleMs,
        long timeoutMs) {
        ChangeInvisibleTimeRequestHeader h = changeInvisibleTimeHeader(m, group, invisibleMs);
        return sendRaw(RemotingCommand.createRequestCommand(RequestCode.CHANGE_MESSAGE_INVISIBLETIME, h), timeoutMs);
    }

    /** The change-invisible-time header for a popped message. */
    public static ChangeInvisibleTimeRequestHeader changeInvisibleTimeHeader(MessageExt m, String group,
        long invisibleMs) {
        String extraInfo = m.getProperty(MessageConst.PROPERTY_POP_CK);
        String[] ei = ExtraInfoUtil.split(extraInfo);
        ChangeInvisibleTimeRequestHeader h = new ChangeInvisibleTimeRequestHeader();
        h.setConsumerGroup(group);
        h.setTopic(ExtraInfoUtil.getRealTopic(ei, m.getTopic(), group));
        h.setQueueId(ExtraInfoUtil.getQueueId(ei));
        h.setExtraInfo(extraInfo);
        h.setOffset(m.getQueueOffset());
        h.setInvisibleTime(invisibleMs);
        return h;
    }

    private CompletableFuture<RemotingCommand> sendRaw(RemotingCommand request, long timeoutMs) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return api.getRemotingClient().invokeSync(addr, request, timeoutMs);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
    }

    /** One BATCH_ACK_MESSAGE request for popped messages of one topic (what the 5.x clients send). */
    public CompletableFuture<AckResult> batchAck(List<MessageExt> messages, String topic, String group, long timeoutMs)
        throws Exception {
        List<String> extraInfos = new java.util.ArrayList<>();
        for (MessageExt m : messages) {
            extraInfos.add(m.getProperty(MessageConst.PROPERTY_POP_CK));
        }
        CompletableFuture<AckResult> f = new CompletableFuture<>();
        api.batchAckMessageAsync(addr, timeoutMs, new AckCallback() {
            @Override
            public void onSuccess(AckResult ackResult) {
                f.complete(ackResult);
            }

            @Override
            public void onException(Throwable e) {
                f.completeExceptionally(e);
            }
        }, topic, group, extraInfos);
        return f;
    }

    public void ackAll(List<MessageExt> messages, String group) throws Exception {
        for (MessageExt m : messages) {
            ack(m, group, 3_000).get(5, TimeUnit.SECONDS);
        }
    }

    /** Creates (or updates) a topic on this broker through the admin request the tools use. */
    public void createTopic(String topic, int queues) throws Exception {
        api.createTopic(addr, TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC, new TopicConfig(topic, queues, queues),
            ADMIN_TIMEOUT_MS);
    }

    public void createGroup(String group, boolean orderly) throws Exception {
        createGroup(group, orderly, true);
    }

    /** Creates (or replaces: the broker swaps in the new config) a subscription group on this broker. */
    public void createGroup(String group, boolean orderly, boolean consumeEnable) throws Exception {
        SubscriptionGroupConfig g = new SubscriptionGroupConfig();
        g.setGroupName(group);
        g.setConsumeMessageOrderly(orderly);
        g.setConsumeEnable(consumeEnable);
        api.createSubscriptionGroup(addr, g, ADMIN_TIMEOUT_MS);
    }

    /**
     * Switches a group's consumeEnable live, keeping the rest of its config: the broker's config of the group is read
     * back (getSubscriptionGroupConfig) and sent again with only consumeEnable changed (updateAndCreateSubscriptionGroup,
     * as mqadmin updateSubGroup does).
     */
    public void setConsumeEnable(String group, boolean enable) throws Exception {
        SubscriptionGroupConfig g = api.getSubscriptionGroupConfig(addr, group, ADMIN_TIMEOUT_MS);
        if (g == null) {
            throw new IllegalStateException("no subscription group " + group + " on " + addr);
        }
        g.setConsumeEnable(enable);
        // attributes go as changes ("+key=value"); none sent keeps the group's own
        g.setAttributes(new java.util.HashMap<>());
        api.createSubscriptionGroup(addr, g, ADMIN_TIMEOUT_MS);
    }

    /**
     * Sets how the broker assigns a group's queues of a topic to remoting push consumers that ask it (clientRebalance
     * off): POP or PULL. The request {@code mqadmin setConsumeMode -b ADDR -t TOPIC -g GROUP -m POP -q N} sends; with
     * popShareQueueNum 0 (mqadmin's default) every consumer pops every queue.
     */
    public void setMessageRequestMode(String topic, String group, MessageRequestMode mode, int popShareQueueNum)
        throws Exception {
        api.setMessageRequestMode(addr, topic, group, mode, popShareQueueNum, ADMIN_TIMEOUT_MS);
    }

    public void updateBrokerConfig(String key, String value) throws Exception {
        Properties p = new Properties();
        p.setProperty(key, value);
        api.updateBrokerConfig(addr, p, ADMIN_TIMEOUT_MS);
    }

    public Properties brokerConfig() throws Exception {
        return api.getBrokerConfig(addr, ADMIN_TIMEOUT_MS);
    }

    /** The guard's lock-table admin request; returns the raw response. */
    public RemotingCommand adminRequest(int code) throws Exception {
        return invoke(RemotingCommand.createRequestCommand(code, null));
    }

    /** Any request, sent as is (3 s timeout). */
    public RemotingCommand invoke(RemotingCommand request) throws Exception {
        return api.getRemotingClient().invokeSync(addr, request, 3_000);
    }

    public static String body(RemotingCommand r) {
        return r.getBody() == null ? "" : new String(r.getBody(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        api.shutdown();
    }
}
