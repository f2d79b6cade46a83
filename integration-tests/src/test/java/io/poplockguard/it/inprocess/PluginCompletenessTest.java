/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poplockguard.broker.store.DelegatingMessageStore;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.TreeSet;
import org.apache.rocketmq.store.MessageStore;
import org.apache.rocketmq.store.plugin.AbstractPluginMessageStore;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On the RocketMQ version on this classpath: every MessageStore method that AbstractPluginMessageStore leaves abstract
 * (which ones differs by version) is forwarded by the plugin's DelegatingMessageStore, and the classpath is the
 * version this module claims to test.
 */
@Tag("inprocess")
class PluginCompletenessTest {

    @Test
    void everyMethodLeftAbstractByTheBrokerIsForwarded() throws Exception {
        List<String> missing = new ArrayList<>();
        for (Method m : MessageStore.class.getMethods()) {
            Method inherited = AbstractPluginMessageStore.class.getMethod(m.getName(), m.getParameterTypes());
            if (Modifier.isAbstract(inherited.getModifiers()) && !DelegatingMessageStore.FORWARDED.contains(signature(m))) {
                missing.add(signature(m));
            }
        }
        assertEquals(List.of(), missing, "left abstract on " + InProcessBroker.version() + " and not forwarded");
    }

    /** Only where every type of the forwarded signatures exists (the newest version) can the class be reflected on. */
    @Test
    void theForwardedListIsWhatTheClassDeclares() {
        TreeSet<String> declared = new TreeSet<>();
        try {
            for (Method m : DelegatingMessageStore.class.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers()) && !m.getName().equals("next")) {
                    declared.add(signature(m));
                }
            }
        } catch (NoClassDefFoundError olderBroker) {
            return; // expected below 5.4.0: the 5.4+ types in the signatures do not exist there
        }
        assertEquals(new TreeSet<>(DelegatingMessageStore.FORWARDED), declared);
    }

    @Test
    void classpathIsTheVersionUnderTest() {
        String expected = System.getProperty("poplockguard.expectedRocketmqVersion");
        if (expected != null && !expected.isEmpty()) {
            assertEquals("V" + expected.replace('.', '_'), InProcessBroker.version());
        }
    }

    private static String signature(Method m) {
        StringJoiner j = new StringJoiner(",", m.getName() + "(", ")");
        for (Class<?> p : m.getParameterTypes()) {
            j.add(p.getSimpleName());
        }
        return j.toString();
    }
}
