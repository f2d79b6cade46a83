package io.poplockguard.it.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poplockguard.broker.PopLockGuardPlugin;
import io.poplockguard.it.fault.FaultInjectingStore;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.apache.rocketmq.store.MessageStore;
import org.junit.jupiter.api.Test;

/**
 * On the RocketMQ version on this classpath: every MessageStore method resolves to a concrete implementation in the
 * plugin stores (AbstractPluginMessageStore leaves some abstract, and which ones differs by version), and the
 * classpath is the version this module claims to test.
 */
class PluginCompletenessTest {

    @Test
    void noMessageStoreMethodIsLeftAbstract() throws Exception {
        for (Class<?> store : new Class<?>[] {PopLockGuardPlugin.class, FaultInjectingStore.class}) {
            List<String> missing = new ArrayList<>();
            for (Method m : MessageStore.class.getMethods()) {
                Method impl = store.getMethod(m.getName(), m.getParameterTypes());
                if (Modifier.isAbstract(impl.getModifiers())) {
                    missing.add(m.toGenericString());
                }
            }
            assertEquals(List.of(), missing, store.getSimpleName() + " on " + InProcessBroker.version());
        }
    }

    @Test
    void classpathIsTheVersionUnderTest() {
        String expected = System.getProperty("poplockguard.expectedRocketmqVersion");
        if (expected != null && !expected.isEmpty()) {
            assertEquals("V" + expected.replace('.', '_'), InProcessBroker.version());
        }
    }
}
