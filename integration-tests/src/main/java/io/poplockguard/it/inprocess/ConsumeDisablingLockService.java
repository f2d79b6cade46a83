/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.broker.pop.PopConsumerLockService;
import org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig;

/**
 * Wraps the broker's consumer lock service (stock or guarded, which still does the locking) and switches a group's
 * consumeEnable off right after the next successful take of its lock: the moment PopConsumerService.popAsync checks it
 * again and returns without unlocking (5.5.1). See {@link KvPopPath#disableConsumeOnNextLock}.
 */
final class ConsumeDisablingLockService extends PopConsumerLockService {
    private final PopConsumerLockService inner;
    private final BrokerController controller;
    private final String group;
    private final AtomicBoolean armed;

    ConsumeDisablingLockService(PopConsumerLockService inner, BrokerController controller, String group,
        AtomicBoolean armed) {
        super(1);
        this.inner = inner;
        this.controller = controller;
        this.group = group;
        this.armed = armed;
    }

    @Override
    public boolean tryLock(String groupId, String topicId) {
        boolean locked = inner.tryLock(groupId, topicId);
        if (locked && groupId.equals(group) && armed.compareAndSet(true, false)) {
            SubscriptionGroupConfig g = controller.getSubscriptionGroupManager().findSubscriptionGroupConfig(group);
            g.setConsumeEnable(false);
        }
        return locked;
    }

    @Override
    public boolean tryLock(String key) {
        return inner.tryLock(key);
    }

    @Override
    public void unlock(String groupId, String topicId) {
        inner.unlock(groupId, topicId);
    }

    @Override
    public void unlock(String key) {
        inner.unlock(key);
    }

    @Override
    public boolean isLockTimeout(String groupId, String topicId) {
        return inner.isLockTimeout(groupId, topicId);
    }

    @Override
    public void removeTimeout() {
        inner.removeTimeout();
    }
}
