/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.admin;

import io.netty.channel.ChannelHandlerContext;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.auth.authentication.enums.UserType;
import org.apache.rocketmq.auth.authentication.manager.AuthenticationMetadataManager;
import org.apache.rocketmq.auth.authentication.model.User;
import org.apache.rocketmq.auth.authorization.context.DefaultAuthorizationContext;
import org.apache.rocketmq.auth.authorization.factory.AuthorizationFactory;
import org.apache.rocketmq.auth.authorization.model.Resource;
import org.apache.rocketmq.auth.config.AuthConfig;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.common.action.Action;
import org.apache.rocketmq.remoting.common.RemotingHelper;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

/**
 * The guard's admin requests under the broker's ACL 2.0 (5.3+). Reading the lock table needs {@code Get} on the
 * broker's cluster (it shows every topic and group of the broker); a forced release needs a SUPER account and
 * authentication on (so the account name is proven by the request's signature). SUPER accounts may do both.
 */
final class AuthAccess implements AdminAccess {
    private static final long LOOKUP_TIMEOUT_MS = 3_000;

    private final AuthConfig config;
    private final AuthenticationMetadataManager users;

    private AuthAccess(AuthConfig config, AuthenticationMetadataManager users) {
        this.config = config;
        this.users = users;
    }

    /** Throws LinkageError on brokers without ACL 2.0 (the caller falls back). */
    static AdminAccess of(BrokerController controller) {
        AuthConfig config = controller.getAuthConfig();
        if (config == null) {
            return OPEN;
        }
        return new AuthAccess(config, controller.getAuthenticationMetadataManager());
    }

    @Override
    public String refusal(ChannelHandlerContext ctx, RemotingCommand request, boolean adminOnly) {
        if (!config.isAuthenticationEnabled() && !config.isAuthorizationEnabled()) {
            return null;
        }
        Map<String, String> ext = request.getExtFields();
        String account = ext == null ? null : ext.get(SessionCredentials.ACCESS_KEY);
        if (account == null || account.isEmpty()) {
            return "this broker has ACL on: sign the request with an account (scripts/poplock --access-key AK --secret-key SK)";
        }
        User user = lookup(account);
        if (user != null && user.getUserType() == UserType.SUPER) {
            return config.isAuthenticationEnabled() || !adminOnly ? null
                : "forced release under ACL needs authenticationEnabled=true, so the account is proven";
        }
        if (adminOnly) {
            return "account '" + account + "' is not an admin (SUPER) account; forced release needs one";
        }
        if (!config.isAuthorizationEnabled()) {
            return null; // authenticated by the broker, and nothing more is asked of anyone on this broker
        }
        String ip = ctx == null ? "" : stripPort(RemotingHelper.parseChannelRemoteAddr(ctx.channel()));
        DefaultAuthorizationContext read = DefaultAuthorizationContext.of(User.of(account),
            Resource.ofCluster(config.getClusterName()), Action.GET, ip);
        if (ctx != null) {
            read.setChannelId(ctx.channel().id().asLongText());
        }
        read.setRpcCode(String.valueOf(request.getCode()));
        try {
            AuthorizationFactory.getEvaluator(config).evaluate(Collections.singletonList(read));
            return null;
        } catch (RuntimeException denied) {
            return "account '" + account + "' may not read the lock table: it needs Get on Cluster:"
                + config.getClusterName() + " (" + denied.getMessage() + ")";
        }
    }

    private User lookup(String account) {
        try {
            return users == null ? null : users.getUser(account).get(LOOKUP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            return null; // unknown or unreadable: treated as an ordinary account
        }
    }

    private static String stripPort(String addr) {
        int colon = addr.lastIndexOf(':');
        return colon > 0 ? addr.substring(0, colon) : addr;
    }
}
