/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.admin;

import io.netty.channel.ChannelHandlerContext;
import io.poplockguard.broker.config.PopLockGuardConfig;
import io.poplockguard.broker.lock.Lease;
import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.broker.lock.LockStats;
import io.poplockguard.broker.lock.LockTable;
import java.nio.charset.StandardCharsets;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.constant.LoggerName;
import org.apache.rocketmq.logging.org.slf4j.Logger;
import org.apache.rocketmq.logging.org.slf4j.LoggerFactory;
import org.apache.rocketmq.remoting.common.RemotingHelper;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/**
 * The guard's own admin requests on the broker's remoting servers:
 * {@link #LOCK_TABLE} (read-only: the lock table and counters as JSON) and {@link #FORCE_RELEASE} (ext field
 * {@code key}; refused unless popLockGuardAllowForceRelease=true). With the broker's ACL on, {@link AdminAccess} decides
 * who may send them.
 */
public final class LockTableProcessor implements NettyRequestProcessor {
    public static final int LOCK_TABLE = 34700;
    public static final int FORCE_RELEASE = 34701;
    public static final String KEY_FIELD = "key";
    private static final Logger LOG = LoggerFactory.getLogger(LoggerName.BROKER_LOGGER_NAME);

    private final LockTable table;
    private final LockStats stats;
    private final PopLockGuardConfig config;
    private final AdminAccess access;

    public LockTableProcessor(LockTable table, LockStats stats, PopLockGuardConfig config, AdminAccess access) {
        this.table = table;
        this.stats = stats;
        this.config = config;
        this.access = access;
    }

    @Override
    public RemotingCommand processRequest(ChannelHandlerContext ctx, RemotingCommand request) {
        switch (request.getCode()) {
            case LOCK_TABLE:
                String refused = access.refusal(ctx, request, false);
                return refused != null ? error(request, ResponseCode.NO_PERMISSION, refused) : lockTable(request);
            case FORCE_RELEASE:
                return forceRelease(ctx, request);
            default:
                return error(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, "request code " + request.getCode()
                    + " is not a PopLockGuard request");
        }
    }

    private RemotingCommand lockTable(RemotingCommand request) {
        byte[] body = request.getBody();
        if (body != null && body.length > 0 && !new String(body, StandardCharsets.UTF_8).trim().isEmpty()) {
            return error(request, ResponseCode.SYSTEM_ERROR, "the lock-table request takes no body (got "
                + body.length + " bytes)");
        }
        String json = LockTableJson.render(true, config.guardEnabled(), MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION),
            table.heldLocks(), stats);
        RemotingCommand response = RemotingCommand.createResponseCommand(ResponseCode.SUCCESS, null);
        response.setOpaque(request.getOpaque());
        response.setBody(json.getBytes(StandardCharsets.UTF_8));
        return response;
    }

    private RemotingCommand forceRelease(ChannelHandlerContext ctx, RemotingCommand request) {
        String key = request.getExtFields() == null ? null : request.getExtFields().get(KEY_FIELD);
        if (key == null || key.trim().isEmpty()) {
            return error(request, ResponseCode.SYSTEM_ERROR, "force release needs the ext field 'key' ("
                + LockKey.Kind.QUEUE.shape + " or " + LockKey.Kind.CONSUMER.shape + ")");
        }
        try {
            LockKey.parse(key.trim());
        } catch (IllegalArgumentException e) {
            return error(request, ResponseCode.SYSTEM_ERROR, "ext field '" + KEY_FIELD + "': " + e.getMessage());
        }
        if (!config.allowForceRelease()) {
            return error(request, ResponseCode.NO_PERMISSION,
                "force release is off on this broker (popLockGuardAllowForceRelease=false)");
        }
        String refused = access.refusal(ctx, request, true);
        if (refused != null) {
            return error(request, ResponseCode.NO_PERMISSION, refused);
        }
        Lease ended = table.forceRelease(key.trim());
        String from = ctx == null ? "?" : RemotingHelper.parseChannelRemoteAddr(ctx.channel());
        LOG.warn("PopLockGuard forced release requested, key={}, from={}, released={}", key, from, ended);
        if (ended == null) {
            return error(request, ResponseCode.SYSTEM_ERROR, "key " + key + " is not locked");
        }
        RemotingCommand response = RemotingCommand.createResponseCommand(ResponseCode.SUCCESS,
            "released lease " + ended.id() + " owned by " + ended.ownerLabel());
        response.setOpaque(request.getOpaque());
        return response;
    }

    private static RemotingCommand error(RemotingCommand request, int code, String remark) {
        RemotingCommand r = RemotingCommand.createResponseCommand(code, remark);
        r.setOpaque(request.getOpaque());
        return r;
    }

    @Override
    public boolean rejectRequest() {
        return false;
    }
}
