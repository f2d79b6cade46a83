/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import static io.poplockguard.it.inprocess.PopLockCliTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.it.inprocess.PopLockCliTest.Result;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.auth.authentication.enums.UserType;
import org.apache.rocketmq.auth.authentication.model.User;
import org.apache.rocketmq.auth.authorization.enums.Decision;
import org.apache.rocketmq.auth.authorization.model.Acl;
import org.apache.rocketmq.auth.authorization.model.Environment;
import org.apache.rocketmq.auth.authorization.model.Resource;
import org.apache.rocketmq.common.action.Action;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The guard's admin requests with the broker's ACL 2.0 on (authentication and authorization, 5.3+): the lock table
 * needs Get on the cluster, a forced release an admin (SUPER) account; unsigned and badly signed requests are refused.
 * With ACL off, the same requests need no account (PopLockCliTest).
 */
@Tag("inprocess")
class AdminAclTest {
    private static final String KEY = LockKey.queue("acl-topic", "acl-group", 0);

    /** True when the broker is 5.5.1 and its rocketmq-auth an older one (the harness's 5.5.0 substitute). */
    static boolean authModuleOlderThanBroker() {
        try {
            org.apache.rocketmq.auth.authorization.AuthorizationEvaluator.class.getMethod("evaluate",
                org.apache.rocketmq.remoting.protocol.RemotingCommand.class, java.util.List.class);
            return false;
        } catch (NoSuchMethodException e) {
            return InProcessBroker.version().equals("V5_5_1");
        }
    }

    @Test
    @Timeout(120)
    void lockTableNeedsReadPermissionAndForcedReleaseAnAdmin() throws Exception {
        assumeFalse(InProcessBroker.version().startsWith("V5_2_"), "5.2.x has the older plain ACL, not ACL 2.0");
        assumeFalse(authModuleOlderThanBroker(), "the 5.5.1 broker's authorization calls "
            + "AuthorizationEvaluator.evaluate(RemotingCommand, List), which the rocketmq-auth on this classpath "
            + "lacks (5.5.0: Maven Central has no rocketmq-auth 5.5.1), so ACL 2.0 cannot run here");
        try (InProcessBroker b = InProcessBroker.start("messageStorePlugIn=" + InProcessBroker.GUARD,
            "popLockGuardEnable=true", "popLockGuardAllowForceRelease=true", "popLockGuardUnownedLeaseMs=600000",
            // the broker's auth factories cache their objects per broker name, JVM-wide: a name of its own
            "brokerName=plg-acl-test", "authenticationEnabled=true", "authorizationEnabled=true",
            "authenticationProvider=org.apache.rocketmq.auth.authentication.provider.DefaultAuthenticationProvider",
            "authenticationMetadataProvider=org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider",
            "authorizationProvider=org.apache.rocketmq.auth.authorization.provider.DefaultAuthorizationProvider",
            "authorizationMetadataProvider=org.apache.rocketmq.auth.authorization.provider.LocalAuthorizationMetadataProvider",
            "initAuthenticationUser={\"username\":\"admin\",\"password\":\"admin-secret\"}",
            "innerClientAuthenticationCredentials={\"accessKey\":\"admin\",\"secretKey\":\"admin-secret\"}")) {
            b.controller().getAuthenticationMetadataManager()
                .createUser(User.of("reader", "reader-secret", UserType.NORMAL)).get(10, TimeUnit.SECONDS);
            b.controller().getAuthorizationMetadataManager().createAcl(Acl.of(User.of("reader"),
                Collections.singletonList(Resource.ofCluster("plg-test-cluster")), Collections.singletonList(Action.GET),
                Environment.of("127.0.0.1"), Decision.ALLOW)).get(10, TimeUnit.SECONDS);
            b.controller().getAuthenticationMetadataManager()
                .createUser(User.of("writer", "writer-secret", UserType.NORMAL)).get(10, TimeUnit.SECONDS);
            b.controller().getAuthorizationMetadataManager().createAcl(Acl.of(User.of("writer"),
                Collections.singletonList(Resource.ofTopic("acl-topic")), Collections.singletonList(Action.PUB),
                Environment.of("127.0.0.1"), Decision.ALLOW)).get(10, TimeUnit.SECONDS);
            assertTrue(LockWaitProbe.locks(b).tryLock(KEY));

            Result r = cli("--broker", b.addr(), "locks");
            assertEquals(1, r.code, "unsigned: " + r.out);
            assertTrue(r.err.contains("refused") || r.err.contains("answered code"), r.err);

            r = cli("--broker", b.addr(), "--access-key", "reader", "--secret-key", "wrong", "locks");
            assertEquals(1, r.code, "bad signature: " + r.out);

            r = cli("--broker", b.addr(), "--access-key", "reader", "--secret-key", "reader-secret", "locks");
            assertEquals(0, r.code, r.err);
            assertTrue(r.out.contains(KEY), r.out);

            r = cli("--broker", b.addr(), "--access-key", "writer", "--secret-key", "writer-secret", "locks");
            assertEquals(1, r.code, r.out);
            assertTrue(r.err.contains("may not read the lock table") && r.err.contains("Get on Cluster:plg-test-cluster"), r.err);

            r = cli("--broker", b.addr(), "--access-key", "reader", "--secret-key", "reader-secret", "release", "--key", KEY);
            assertEquals(1, r.code, r.out);
            assertTrue(r.err.contains("not an admin (SUPER) account"), r.err);
            assertTrue(b.isQueueLockHeld("acl-topic", "acl-group", 0), "a refused release leaves the lock");

            r = cli("--broker", b.addr(), "--access-key", "admin", "--secret-key", "admin-secret", "release", "--key", KEY);
            assertEquals(0, r.code, r.err);
            assertFalse(b.isQueueLockHeld("acl-topic", "acl-group", 0), "the admin released it");

            r = cli("--broker", b.addr(), "--access-key", "admin", "--secret-key", "admin-secret", "--json", "stats");
            assertEquals(0, r.code, r.err);
            assertTrue(r.out.contains("\"reclaimedForced\":1"), r.out);
        }
    }
}
