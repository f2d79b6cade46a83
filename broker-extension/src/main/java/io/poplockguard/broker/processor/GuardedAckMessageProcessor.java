/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.processor;

import io.netty.channel.ChannelHandlerContext;
import org.apache.rocketmq.broker.processor.AckMessageProcessor;
import org.apache.rocketmq.remoting.exception.RemotingCommandException;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

/**
 * The broker's ack processor (ACK_MESSAGE and BATCH_ACK_MESSAGE) with every {@code processRequest} run as a segment,
 * so an orderly ack waiting for a queue lock parks with a deadline, whoever calls it (remoting server or Local-mode
 * proxy). Allocated and filled by {@code BrokerShape.sharedStateCopy}, like {@link GuardedPopMessageProcessor}.
 */
public final class GuardedAckMessageProcessor extends AckMessageProcessor implements GuardedEntry {
    private volatile SegmentScope scope;

    private GuardedAckMessageProcessor() {
        super(null); // never runs: see the class comment
        throw new AssertionError("allocated by BrokerShape.sharedStateCopy, never constructed");
    }

    @Override
    public void bind(SegmentScope scope) {
        this.scope = scope;
    }

    @Override
    public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request)
        throws RemotingCommandException {
        // an ack response has no custom header
        return scope.run("ack", request, null, () -> super.processRequest(ctx, request));
    }
}
