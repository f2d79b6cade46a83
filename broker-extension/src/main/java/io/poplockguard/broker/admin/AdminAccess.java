/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.admin;

import io.netty.channel.ChannelHandlerContext;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.common.constant.LoggerName;
import org.apache.rocketmq.logging.org.slf4j.Logger;
import org.apache.rocketmq.logging.org.slf4j.LoggerFactory;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

/**
 * Who may use the guard's admin requests. The broker's ACL knows nothing of our request codes: it authenticates them
 * (5.3+, authenticationEnabled: every request must be signed by a known account) but finds nothing to authorize, so
 * the guard authorizes them itself: the lock table needs read permission, a forced release an admin account.
 */
public interface AdminAccess {
    /** Why this request is refused, or null when it may go ahead. */
    String refusal(ChannelHandlerContext ctx, RemotingCommand request, boolean adminOnly);

    /** No ACL on this broker: everyone who can reach the port may read; forced release has its own switch. */
    AdminAccess OPEN = (ctx, request, adminOnly) -> null;

    /** The access rules of this broker: ACL 2.0 (5.3+) when its AuthConfig is there, otherwise open. */
    static AdminAccess of(BrokerController controller) {
        Logger log = LoggerFactory.getLogger(LoggerName.BROKER_LOGGER_NAME);
        try {
            return AuthAccess.of(controller);
        } catch (LinkageError e) {
            // 5.2.x has the older plain ACL (aclEnable) and no AuthConfig: its own RPC hook decides, we add nothing
            log.info("PopLockGuard admin requests: this broker has no ACL 2.0 (AuthConfig), access follows its RPC hooks");
            return OPEN;
        }
    }
}
