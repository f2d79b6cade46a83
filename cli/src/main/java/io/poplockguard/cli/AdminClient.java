/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.cli;

import io.poplockguard.broker.admin.LockTableProcessor;
import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.remoting.exception.RemotingConnectException;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.apache.rocketmq.remoting.exception.RemotingTimeoutException;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/**
 * The guard's admin requests over the broker's remoting protocol, signed with the broker's ACL hook when credentials
 * are given. Every failure becomes a {@link CliFailure} that names the broker and what went wrong.
 */
final class AdminClient implements AutoCloseable {
    private final String broker;
    private final long timeoutMs;
    private final NettyRemotingClient client;

    AdminClient(String broker, long timeoutMs, String accessKey, String secretKey) {
        this.broker = broker;
        this.timeoutMs = timeoutMs;
        NettyClientConfig cfg = new NettyClientConfig();
        cfg.setConnectTimeoutMillis((int) Math.min(timeoutMs, 3_000));
        this.client = new NettyRemotingClient(cfg);
        if (accessKey != null) {
            client.registerRPCHook(new AclClientRPCHook(new SessionCredentials(accessKey, secretKey)));
        }
        client.start();
    }

    /** The lock table and counters, as the broker's JSON. */
    String lockTable() throws CliFailure {
        RemotingCommand r = call(RemotingCommand.createRequestCommand(LockTableProcessor.LOCK_TABLE, null));
        return new String(r.getBody(), StandardCharsets.UTF_8);
    }

    /** Forced release of one key; returns the broker's account of what it released. */
    String forceRelease(String key) throws CliFailure {
        RemotingCommand request = RemotingCommand.createRequestCommand(LockTableProcessor.FORCE_RELEASE, null);
        request.addExtField(LockTableProcessor.KEY_FIELD, key);
        return call(request).getRemark();
    }

    private RemotingCommand call(RemotingCommand request) throws CliFailure {
        RemotingCommand r;
        try {
            r = client.invokeSync(broker, request, timeoutMs);
        } catch (RemotingConnectException e) {
            throw new CliFailure("cannot reach broker " + broker + " (connection refused or closed); check --broker");
        } catch (RemotingTimeoutException e) {
            throw new CliFailure("broker " + broker + " did not answer within " + timeoutMs + " ms");
        } catch (RemotingException e) {
            throw new CliFailure("request to broker " + broker + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted");
        }
        if (r == null) {
            throw new CliFailure("broker " + broker + " gave no response");
        }
        switch (r.getCode()) {
            case ResponseCode.SUCCESS:
                return r;
            case ResponseCode.REQUEST_CODE_NOT_SUPPORTED:
                throw new CliFailure("broker " + broker + " does not have PopLockGuard installed (request code "
                    + request.getCode() + " not supported); see the README's Install section");
            case ResponseCode.NO_PERMISSION:
                throw new CliFailure("refused by broker " + broker + ": " + r.getRemark());
            default:
                throw new CliFailure("broker " + broker + " answered code " + r.getCode() + ": " + r.getRemark());
        }
    }

    @Override
    public void close() {
        client.shutdown();
    }
}
