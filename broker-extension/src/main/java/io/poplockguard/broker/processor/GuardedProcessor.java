package io.poplockguard.broker.processor;

import io.netty.channel.ChannelHandlerContext;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.lock.LockTableSettings;
import io.poplockguard.broker.lock.PopLockWaitTimeoutException;
import io.poplockguard.broker.lock.Segment;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/**
 * Wraps one of the broker's pop-path processors (pop, ack, batch ack, change invisible time) so that each
 * {@code processRequest} - long-polling re-runs included - is one segment of the lock table: whatever lock the stock
 * code takes and forgets on some early-return branch is reclaimed when the request returns.
 */
public final class GuardedProcessor implements NettyRequestProcessor {
    private final String kind;
    private final NettyRequestProcessor delegate;
    private final LockTable table;
    private final LockTableSettings settings;

    public GuardedProcessor(String kind, NettyRequestProcessor delegate, LockTable table, LockTableSettings settings) {
        this.kind = kind;
        this.delegate = delegate;
        this.table = table;
        this.settings = settings;
    }

    public NettyRequestProcessor delegate() {
        return delegate;
    }

    public String kind() {
        return kind;
    }

    @Override
    public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) throws Exception {
        if (!settings.guardEnabled()) {
            return delegate.processRequest(ctx, request);
        }
        Segment segment = table.beginSegment(kind);
        try {
            return delegate.processRequest(ctx, request);
        } catch (PopLockWaitTimeoutException e) {
            // the stock code would have spun forever; the client gets a retryable answer instead
            RemotingCommand busy = RemotingCommand.createResponseCommand(ResponseCode.SYSTEM_BUSY, e.getMessage());
            busy.setOpaque(request.getOpaque());
            return busy;
        } finally {
            table.endSegment(segment);
        }
    }

    @Override
    public boolean rejectRequest() {
        return delegate.rejectRequest();
    }
}
