/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.rocketmq.common.MixAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Validation through the broker's own bean machinery (MixAll.properties2Object / object2Properties). */
@Tag("unit")
class PopLockGuardConfigTest {

    private static PopLockGuardConfig load(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        PopLockGuardConfig c = new PopLockGuardConfig();
        MixAll.properties2Object(p, c.bean());
        c.checkUnknownKeys(p);
        return c;
    }

    @Test
    void defaultsAndGoodValues() {
        PopLockGuardConfig c = load("popLockGuardEnable", "true", "popLockGuardWaitDeadlineMs", " 2500 ");
        c.failOnStartupErrors();
        assertTrue(c.guardEnabled());
        assertEquals(2500, c.waitDeadlineMs());
        assertEquals(30_000, c.unownedLeaseMs());
        assertFalse(c.strict());
    }

    @Test
    void badValueAtStartStopsTheBrokerNamingKeyValueAndRange() {
        PopLockGuardConfig c = load("popLockGuardWaitDeadlineMs", "5", "popLockGuardEnable", "yes",
            "popLockGuardReadBoundMs", "abc");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::failOnStartupErrors);
        String m = e.getMessage();
        assertTrue(m.contains("popLockGuardWaitDeadlineMs=5 is out of range, allowed 10..60000 (ms)"), m);
        assertTrue(m.contains("popLockGuardEnable=yes is not a boolean, allowed true or false"), m);
        assertTrue(m.contains("popLockGuardReadBoundMs=abc is not a whole number"), m);
        assertTrue(m.contains("live update"), "says the value may come from a persisted live update: " + m);
    }

    @Test
    void unknownKeyWithOurPrefixIsAnError() {
        PopLockGuardConfig c = load("popLockGuardEnabled", "true");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::failOnStartupErrors);
        assertTrue(e.getMessage().contains("unknown key popLockGuardEnabled=true"), e.getMessage());
        assertTrue(e.getMessage().contains("popLockGuardEnable"), "lists the known keys");
    }

    @Test
    void badLiveValueKeepsThePreviousValueAndIsNotPersisted() {
        PopLockGuardConfig c = load("popLockGuardWaitDeadlineMs", "2000");
        c.failOnStartupErrors();
        List<String> changes = new ArrayList<>();
        c.addListener((k, v) -> changes.add(k.key() + "=" + v));
        Properties live = new Properties();
        live.setProperty("popLockGuardWaitDeadlineMs", "-1");
        MixAll.properties2Object(live, c.bean()); // what Configuration.update does
        assertEquals(2000, c.waitDeadlineMs());
        assertEquals("2000", MixAll.object2Properties(c.bean()).getProperty("popLockGuardWaitDeadlineMs"),
            "what the broker persists is the kept value");
        live.setProperty("popLockGuardWaitDeadlineMs", "4000");
        live.setProperty("popLockGuardEnable", "true");
        MixAll.properties2Object(live, c.bean());
        assertEquals(4000, c.waitDeadlineMs());
        assertTrue(c.guardEnabled());
        assertTrue(changes.contains("popLockGuardWaitDeadlineMs=4000") && changes.contains("popLockGuardEnable=true"));
    }

    @Test
    void theBrokerSeesExactlyTheKeys() {
        Properties shown = MixAll.object2Properties(new PopLockGuardConfig().bean());
        List<String> keys = new ArrayList<>();
        for (ConfigKey k : ConfigKey.values()) {
            keys.add(k.key());
        }
        assertEquals(keys.size(), shown.size(), "no field but the keys reaches getBrokerConfig: " + shown);
        assertTrue(shown.keySet().containsAll(keys), shown.toString());
    }
}
