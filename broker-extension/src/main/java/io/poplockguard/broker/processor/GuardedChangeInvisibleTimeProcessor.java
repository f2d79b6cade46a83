/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.processor;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.CompletableFuture;
import org.apache.rocketmq.broker.processor.ChangeInvisibleTimeProcessor;
import org.apache.rocketmq.remoting.exception.RemotingCommandException;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.header.ChangeInvisibleTimeResponseHeader;

/**
 * The broker's change-invisible-time processor with both of its entries run as segments: {@code processRequest}
 * (remoting servers; the 5.2-5.4 Local-mode proxy) and {@code processRequestAsync} (the 5.5 Local-mode proxy; absent
 * before 5.5, where nobody calls it). On 5.5 the first calls the second, which then runs as a nested segment.
 * Allocated and filled by {@code BrokerShape.sharedStateCopy}, like {@link GuardedPopMessageProcessor}.
 */
public final class GuardedChangeInvisibleTimeProcessor extends ChangeInvisibleTimeProcessor implements GuardedEntry {
    private volatile SegmentScope scope;

    private GuardedChangeInvisibleTimeProcessor() {
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
        return scope.run("changeInvisible", request, ChangeInvisibleTimeResponseHeader.class,
            () -> super.processRequest(ctx, request));
    }

    @Override
    public CompletableFuture<RemotingCommand> processRequestAsync(Channel channel, RemotingCommand request,
        boolean brokerAllowSuspend) throws RemotingCommandException {
        return scope.runAsync("changeInvisible", request, ChangeInvisibleTimeResponseHeader.class,
            () -> super.processRequestAsync(channel, request, brokerAllowSuspend));
    }
}
