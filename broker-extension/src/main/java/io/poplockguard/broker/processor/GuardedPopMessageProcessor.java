/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.processor;

import io.netty.channel.ChannelHandlerContext;
import java.util.Map;
import org.apache.rocketmq.broker.processor.PopMessageProcessor;
import org.apache.rocketmq.remoting.exception.RemotingCommandException;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.header.PopMessageResponseHeader;

/**
 * The broker's pop processor with every {@code processRequest} run as a segment. It takes the stock processor's place
 * in the {@code BrokerController}, on the remoting servers and in the pop long-polling service, so every road into the
 * pop path - remoting clients, long-polling re-runs, a Local-mode proxy calling {@code getPopMessageProcessor()} -
 * goes through it.
 *
 * <p>It is never constructed: {@code BrokerShape.sharedStateCopy} allocates it and copies every field of the stock
 * processor into it, so both share one long-polling service, buffer-merge service and lock manager, and every method
 * not overridden here behaves exactly as the stock one.
 */
public final class GuardedPopMessageProcessor extends PopMessageProcessor implements GuardedEntry {
    /** Set once, before the instance is published to the broker. */
    private volatile SegmentScope scope;

    private GuardedPopMessageProcessor() {
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
        return scope.run("pop", request, PopMessageResponseHeader.class,
            clientWaitsMs(request, System.currentTimeMillis()), () -> super.processRequest(ctx, request));
    }

    /** Beyond its long-polling time a client gives a pop this much more (the clients' default request timeout). */
    static final long CLIENT_GRACE_MS = 3_000;

    /**
     * How much longer the client of this pop waits for its answer: what is left of its long-polling time, plus the
     * grace. The request's own header fields are read (not decoded) so this costs two map lookups; a client clock
     * that disagrees with ours is trusted only as far as the poll time, so the answer is always within
     * [grace, pollTime + grace]. Negative when the request carries no poll time.
     */
    static long clientWaitsMs(RemotingCommand request, long nowMillis) {
        Map<String, String> fields = request.getExtFields();
        long pollTime = fields == null ? -1 : parse(fields.get("pollTime"));
        if (pollTime < 0) {
            return -1;
        }
        long bornTime = parse(fields.get("bornTime"));
        long elapsed = bornTime < 0 ? 0 : Math.max(0, Math.min(pollTime, nowMillis - bornTime));
        return pollTime - elapsed + CLIENT_GRACE_MS;
    }

    private static long parse(String value) {
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
