/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.processor;

import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.lock.LockTableSettings;
import io.poplockguard.broker.lock.PopLockWaitTimeoutException;
import io.poplockguard.broker.lock.Segment;
import java.util.concurrent.CompletableFuture;
import org.apache.rocketmq.remoting.CommandCustomHeader;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/**
 * Runs one entry into the pop path - a pop, ack, batch ack or change-invisible-time request, whoever calls it: a
 * remoting server, the pop long-polling service, or a Local-mode proxy calling the broker's processor directly - as
 * one segment of the lock table. Whatever lock the stock code takes and forgets on some early-return branch is
 * reclaimed when the call returns, and a wait for a queue lock that passed popLockGuardWaitDeadlineMs is answered
 * with {@code SYSTEM_BUSY} instead of spinning on.
 */
public final class SegmentScope {
    /** The stock processor's call; its checked exception passes through unchanged. */
    public interface Call<T, E extends Exception> {
        T call() throws E;
    }

    private final LockTable table;
    private final LockTableSettings settings;

    public SegmentScope(LockTable table, LockTableSettings settings) {
        this.table = table;
        this.settings = settings;
    }

    /**
     * One synchronous request. {@code responseHeader} is the custom header type of the stock processor's responses:
     * callers in the proxy read it from every response, so the busy answer carries one too.
     */
    public <E extends Exception> RemotingCommand run(String kind, RemotingCommand request,
        Class<? extends CommandCustomHeader> responseHeader, Call<RemotingCommand, E> call) throws E {
        return run(kind, request, responseHeader, -1, call);
    }

    /**
     * One synchronous request whose client waits {@code clientWaitsMs} more for the answer (negative: unknown); a
     * store read still in flight when that time is up loses its lock (see LockTable.beginSegment).
     */
    public <E extends Exception> RemotingCommand run(String kind, RemotingCommand request,
        Class<? extends CommandCustomHeader> responseHeader, long clientWaitsMs, Call<RemotingCommand, E> call)
        throws E {
        if (!settings.guardEnabled()) {
            return call.call();
        }
        Segment segment = table.beginRequestSegment(kind, clientWaitsMs);
        try {
            return call.call();
        } catch (PopLockWaitTimeoutException e) {
            return busy(request, responseHeader, e);
        } finally {
            table.endSegment(segment);
        }
    }

    /**
     * One request whose answer comes as a future (change invisible time in 5.5+, which a Local-mode proxy calls
     * directly). The queue lock is taken and released on the calling thread, so the segment is the call itself.
     */
    public <E extends Exception> CompletableFuture<RemotingCommand> runAsync(String kind, RemotingCommand request,
        Class<? extends CommandCustomHeader> responseHeader, Call<CompletableFuture<RemotingCommand>, E> call) throws E {
        if (!settings.guardEnabled()) {
            return call.call();
        }
        Segment segment = table.beginSegment(kind);
        try {
            return call.call();
        } catch (PopLockWaitTimeoutException e) {
            return CompletableFuture.completedFuture(busy(request, responseHeader, e));
        } finally {
            table.endSegment(segment);
        }
    }

    /**
     * The answer to a request whose lock wait passed its deadline: SYSTEM_BUSY is the broker's own "retry later"
     * (proxies map it to TOO_MANY_REQUESTS where they map codes; every client treats a failed ack as retryable).
     */
    static RemotingCommand busy(RemotingCommand request, Class<? extends CommandCustomHeader> responseHeader,
        PopLockWaitTimeoutException e) {
        RemotingCommand busy = RemotingCommand.createResponseCommand(responseHeader); // null: no header
        busy.setCode(ResponseCode.SYSTEM_BUSY);
        busy.setRemark(e.getMessage());
        busy.setOpaque(request.getOpaque());
        return busy;
    }
}
