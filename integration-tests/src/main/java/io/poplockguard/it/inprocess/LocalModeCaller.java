/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.poplockguard.it.client.PopTestClient;
import java.util.concurrent.CompletableFuture;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.broker.processor.ChangeInvisibleTimeProcessor;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.CommandCustomHeader;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;

/**
 * Calls the broker's pop-path processors the way a proxy in Local mode does ({@code mqbroker --enable-proxy}: the
 * proxy's LocalMessageService reads {@code brokerController.getPopMessageProcessor()} and friends on every request and
 * calls {@code processRequest} on its own thread, no remoting server in between). A response the processor writes
 * later (a pop parked in long polling) arrives on the call's own channel.
 */
public final class LocalModeCaller {
    private final BrokerController controller;

    public LocalModeCaller(BrokerController controller) {
        this.controller = controller;
    }

    /** One direct call's answer: returned at once, or written to the channel later (then {@code returned} is null). */
    public static final class Call {
        public final RemotingCommand returned;
        public final CompletableFuture<RemotingCommand> written;

        Call(RemotingCommand returned, CompletableFuture<RemotingCommand> written) {
            this.returned = returned;
            this.written = written;
        }

        /** The answer, whichever way it came. */
        public CompletableFuture<RemotingCommand> answer() {
            return returned != null ? CompletableFuture.completedFuture(returned) : written;
        }
    }

    public Call pop(String topic, String group, int queueId, int max, long pollMs, boolean orderly) throws Exception {
        RemotingCommand request = request(RequestCode.POP_MESSAGE,
            PopTestClient.popHeader(topic, group, queueId, max, pollMs, orderly, 60_000));
        Channel channel = new Channel();
        return new Call(controller.getPopMessageProcessor().processRequest(channel.ctx, request), channel.written);
    }

    public RemotingCommand ack(MessageExt m, String group) throws Exception {
        RemotingCommand request = request(RequestCode.ACK_MESSAGE, PopTestClient.ackHeader(m, group));
        return controller.getAckMessageProcessor().processRequest(new Channel().ctx, request);
    }

    /** Change invisible time through {@code processRequest} (what the 5.2-5.4 Local-mode proxies call). */
    public RemotingCommand changeInvisibleTime(MessageExt m, String group, long invisibleMs) throws Exception {
        RemotingCommand request = request(RequestCode.CHANGE_MESSAGE_INVISIBLETIME,
            PopTestClient.changeInvisibleTimeHeader(m, group, invisibleMs));
        return controller.getChangeInvisibleTimeProcessor().processRequest(new Channel().ctx, request);
    }

    /**
     * Change invisible time through {@code processRequestAsync} (what the 5.5 Local-mode proxy calls); false from
     * {@link #hasAsyncChangeInvisibleTime()} on versions without it.
     */
    public CompletableFuture<RemotingCommand> changeInvisibleTimeAsync(MessageExt m, String group, long invisibleMs)
        throws Exception {
        RemotingCommand request = request(RequestCode.CHANGE_MESSAGE_INVISIBLETIME,
            PopTestClient.changeInvisibleTimeHeader(m, group, invisibleMs));
        return controller.getChangeInvisibleTimeProcessor().processRequestAsync(new Channel().ctx.channel(), request,
            true);
    }

    public static boolean hasAsyncChangeInvisibleTime() {
        try {
            ChangeInvisibleTimeProcessor.class.getMethod("processRequestAsync", io.netty.channel.Channel.class,
                RemotingCommand.class, boolean.class);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** The request as the processor decodes it: header fields in extFields, as if it had come over the wire. */
    private static RemotingCommand request(int code, CommandCustomHeader header) {
        RemotingCommand request = RemotingCommand.createRequestCommand(code, header);
        request.makeCustomHeaderToNet();
        return request;
    }

    /** A channel of one call: whatever the broker writes to it completes {@link #written}. */
    static final class Channel {
        final CompletableFuture<RemotingCommand> written = new CompletableFuture<>();
        final ChannelHandlerContext ctx;

        Channel() {
            ChannelOutboundHandlerAdapter capture = new ChannelOutboundHandlerAdapter() {
                @Override
                public void write(ChannelHandlerContext c, Object msg, ChannelPromise promise) {
                    if (msg instanceof RemotingCommand) {
                        written.complete((RemotingCommand) msg);
                    }
                    promise.setSuccess();
                }
            };
            EmbeddedChannel channel = new EmbeddedChannel(capture);
            ctx = channel.pipeline().context(capture);
        }
    }
}
