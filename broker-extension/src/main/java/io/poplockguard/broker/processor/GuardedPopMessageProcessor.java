package io.poplockguard.broker.processor;

import io.netty.channel.ChannelHandlerContext;
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
        return scope.run("pop", request, PopMessageResponseHeader.class, () -> super.processRequest(ctx, request));
    }
}
