/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.InstallProbes;
import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.broker.lock.GuardedQueueLockManager;
import io.poplockguard.broker.lock.LockKey;
import io.poplockguard.broker.lock.LockTable;
import io.poplockguard.broker.processor.GuardedEntry;
import io.poplockguard.it.client.PopTestClient;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.broker.processor.AckMessageProcessor;
import org.apache.rocketmq.broker.processor.ChangeInvisibleTimeProcessor;
import org.apache.rocketmq.broker.processor.PopMessageProcessor;
import org.apache.rocketmq.client.consumer.PopResult;
import org.apache.rocketmq.client.consumer.PopStatus;
import org.apache.rocketmq.common.Pair;
import org.apache.rocketmq.common.constant.LoggerName;
import org.apache.rocketmq.remoting.RemotingServer;
import org.apache.rocketmq.remoting.netty.NettyRequestProcessor;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Install is all or nothing: a failure at any step of PopLockGuardPlugin's install sequence (injected through the
 * plugin's step probe, as a RuntimeException or as the NoSuchFieldError a runtime incompatibility looks like) undoes
 * every change made before it, logs exactly one ERROR naming the step, and the broker starts stock; with
 * popLockGuardStrict=true the start fails naming the step. If an undo fails too, the log says PARTIALLY installed and
 * which parts are in place, never stock.
 */
@Tag("inprocess")
class InstallRollbackTest {
    private static final String GUARD = "messageStorePlugIn=" + InProcessBroker.GUARD;
    private static final int[] GUARDED_CODES = {RequestCode.POP_MESSAGE, RequestCode.ACK_MESSAGE,
        RequestCode.BATCH_ACK_MESSAGE, RequestCode.CHANGE_MESSAGE_INVISIBLETIME};
    private static final int[] ADMIN_CODES = {LockTableProcessor.LOCK_TABLE, LockTableProcessor.FORCE_RELEASE};

    @AfterEach
    void noProbe() {
        InstallProbes.set(null);
    }

    @Test
    @Timeout(300)
    void aFailureAtAnyStepLeavesTheBrokerStockAndSaysSoOnce(@TempDir Path dir) throws Exception {
        List<String> steps = installSteps();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            String step = steps.get(i);
            Throwable injected = i % 2 == 0 ? new IllegalStateException("injected") : new NoSuchFieldError("injected");
            failAt(step, injected, null);
            Path trace = dir.resolve("trace-" + i + ".jsonl");
            try (LogCapture log = capture();
                 InProcessBroker b = InProcessBroker.start(GUARD, "popLockGuardEnable=true",
                     "popLockGuardTraceFile=" + trace)) {
                List<String> notStock = notStock(b, trace);
                if (!notStock.isEmpty()) {
                    problems.add(step + " (" + injected + "): not stock: " + notStock);
                }
                List<String> errors = log.errors("PopLockGuard");
                if (errors.size() != 1 || !errors.get(0).contains("broker runs with stock pop locks")
                    || !errors.get(0).contains("step " + step + " failed") || errors.get(0).contains("PARTIALLY")) {
                    problems.add(step + " (" + injected + "): expected one ERROR naming the step and saying stock, got "
                        + errors);
                }
            } catch (Exception | Error e) {
                problems.add(step + " (" + injected + "): the broker did not start: " + causes(e));
            }
        }
        assertTrue(problems.isEmpty(), steps.size() + " steps, " + problems.size() + " wrong:\n"
            + String.join("\n", problems));
    }

    @Test
    @Timeout(120)
    void aBrokerLeftStockServesPops() throws Exception {
        List<String> steps = installSteps();
        failAt(steps.get(steps.size() - 1), new IllegalStateException("injected"), null);
        try (InProcessBroker b = InProcessBroker.start(GUARD, "popLockGuardEnable=true");
             PopTestClient c = new PopTestClient(b.addr(), "plg-test")) {
            assertFalse(b.guard().isInstalled());
            b.createTopic("rollback-topic", 1);
            b.createGroup("rollback-group", false);
            b.put("rollback-topic", 0, 3);
            // a stock 5.3.0 broker sometimes answers a fresh group's pop POLLING_NOT_FOUND with messages in the queue
            // (seen on a broker without the plugin too): a few pops, counted, not timed
            int delivered = 0;
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 10 && delivered < 3; i++) {
                PopResult r = c.pop("rollback-topic", "rollback-group", 0, 8, 0, false, 3_000).get(5, TimeUnit.SECONDS);
                answers.add(r.getPopStatus().name());
                delivered += r.getPopStatus() == PopStatus.FOUND ? r.getMsgFoundList().size() : 0;
            }
            assertEquals(3, delivered, answers.toString());
            assertFalse(b.isQueueLockHeld("rollback-topic", "rollback-group", 0));
        }
    }

    @Test
    @Timeout(120)
    void strictModeRefusesToStartNamingTheStep() throws Exception {
        String step = firstStepStartingWith("register ");
        failAt(step, new IllegalStateException("injected"), null);
        Throwable e = assertThrows(Throwable.class, () -> InProcessBroker.start(GUARD, "popLockGuardEnable=true",
            "popLockGuardStrict=true").close());
        String chain = causes(e);
        assertTrue(chain.contains("step " + step + " failed") && chain.contains("popLockGuardStrict=true"), chain);
    }

    @Test
    @Timeout(120)
    void aFailedUndoIsReportedAsPartiallyInstalledNeverStock() throws Exception {
        List<String> steps = installSteps();
        String failing = steps.get(steps.size() - 1);
        String undoFails = "publish BrokerController processors";
        assertTrue(steps.contains(undoFails), steps.toString());
        failAt(failing, new IllegalStateException("injected"), undoFails);
        try (LogCapture log = capture();
             InProcessBroker b = InProcessBroker.start(GUARD, "popLockGuardEnable=true")) {
            List<String> errors = log.errors("PopLockGuard");
            assertEquals(1, errors.size(), errors.toString());
            String line = errors.get(0);
            assertTrue(line.contains("PARTIALLY installed") && line.contains("step " + failing + " failed")
                && line.contains(undoFails) && line.contains("replace queue lock manager"), line);
            assertFalse(line.contains("runs with stock") || line.contains("runs stock"), line);
            // what the line says is in place is in place; everything installed after it was undone
            BrokerController c = b.controller();
            assertTrue(c.getPopMessageProcessor() instanceof GuardedEntry);
            assertTrue(c.getPopMessageProcessor().getQueueLockManager() instanceof GuardedQueueLockManager);
            for (RemotingServer s : servers(c)) {
                for (int code : GUARDED_CODES) {
                    Pair<NettyRequestProcessor, ?> pair = s.getProcessorPair(code);
                    assertFalse(pair != null && pair.getObject1() instanceof GuardedEntry, "code " + code);
                }
                for (int code : ADMIN_CODES) {
                    assertEquals(null, s.getProcessorPair(code), "admin code " + code);
                }
            }
        }
        failAt(failing, new IllegalStateException("injected"), undoFails);
        Throwable e = assertThrows(Throwable.class, () -> InProcessBroker.start(GUARD, "popLockGuardEnable=true",
            "popLockGuardStrict=true").close());
        String chain = causes(e);
        assertTrue(chain.contains("PARTIALLY installed") && chain.contains("popLockGuardStrict=true"), chain);
    }

    // ------------------------------------------------------------------ helpers

    /** The steps of a clean install on this broker version, in order, as the probe sees them. */
    private static List<String> installSteps() throws Exception {
        List<String> seen = new ArrayList<>();
        InstallProbes.set(seen::add);
        try (InProcessBroker b = InProcessBroker.start(GUARD, "popLockGuardEnable=true")) {
            assertTrue(b.guard().isInstalled());
        } finally {
            InstallProbes.set(null);
        }
        assertTrue(seen.size() > 5, seen.toString());
        return seen;
    }

    private static String firstStepStartingWith(String prefix) throws Exception {
        for (String s : installSteps()) {
            if (s.startsWith(prefix)) {
                return s;
            }
        }
        throw new AssertionError("no install step starts with " + prefix);
    }

    /** The next install fails at {@code step}; with {@code undoFails}, undoing that step fails too. */
    private static void failAt(String step, Throwable failure, String undoFails) {
        InstallProbes.set(new InstallProbes.Probe() {
            @Override
            public void beforeStep(String s) throws Exception {
                if (s.equals(step)) {
                    throwIt(failure);
                }
            }

            @Override
            public void beforeUndo(String s) {
                if (s.equals(undoFails)) {
                    throw new IllegalStateException("injected undo failure");
                }
            }
        });
    }

    private static void throwIt(Throwable t) throws Exception {
        if (t instanceof Error) {
            throw (Error) t;
        }
        throw (Exception) t;
    }

    private static LogCapture capture() {
        return new LogCapture(LoggerName.BROKER_LOGGER_NAME, LoggerName.ROCKETMQ_POP_LOGGER_NAME);
    }

    /** Everything in the broker that is not as a stock broker has it (empty: stock). */
    private static List<String> notStock(InProcessBroker b, Path trace) throws Exception {
        List<String> out = new ArrayList<>();
        BrokerController c = b.controller();
        if (b.guard().isInstalled()) {
            out.add("the plugin says installed");
        }
        PopMessageProcessor pop = c.getPopMessageProcessor();
        expectClass(out, "popMessageProcessor", pop, PopMessageProcessor.class);
        expectClass(out, "ackMessageProcessor", c.getAckMessageProcessor(), AckMessageProcessor.class);
        expectClass(out, "changeInvisibleTimeProcessor", c.getChangeInvisibleTimeProcessor(),
            ChangeInvisibleTimeProcessor.class);
        if (pop.getQueueLockManager() instanceof GuardedQueueLockManager) {
            out.add("PopMessageProcessor.queueLockManager is guarded");
        }
        if (field(pop.getPopBufferMergeService(), "queueLockManager") != pop.getQueueLockManager()) {
            out.add("PopBufferMergeService.queueLockManager is not the pop processor's");
        }
        if (field(pop.getPopLongPollingService(), "processor") != pop) {
            out.add("PopLongPollingService.processor is not the stock pop processor");
        }
        for (RemotingServer s : servers(c)) {
            for (int code : GUARDED_CODES) {
                Pair<NettyRequestProcessor, ?> pair = s.getProcessorPair(code);
                if (pair != null && pair.getObject1() instanceof GuardedEntry) {
                    out.add("request code " + code + " registered to a guarded processor");
                }
            }
            for (int code : ADMIN_CODES) {
                if (s.getProcessorPair(code) != null) {
                    out.add("admin request code " + code + " registered");
                }
            }
        }
        // the lock table's observers are gone: an acquire is neither counted nor traced
        LockTable table = b.guard().lockTable();
        long counted = b.guard().stats().acquired();
        if (table.tryLock(LockKey.queue("rollback", "probe", 0))) {
            table.unLock(LockKey.queue("rollback", "probe", 0));
        }
        if (b.guard().stats().acquired() != counted) {
            out.add("the stats still listen to the lock table");
        }
        if (Files.exists(trace) && new String(Files.readAllBytes(trace), StandardCharsets.UTF_8).contains("acquire")) {
            out.add("the trace writer still listens to the lock table");
        }
        return out;
    }

    private static void expectClass(List<String> out, String what, Object o, Class<?> expected) {
        if (o == null || o.getClass() != expected) {
            out.add("BrokerController." + what + " is " + (o == null ? "null" : o.getClass().getName()));
        }
    }

    private static Object field(Object target, String name) throws ReflectiveOperationException {
        for (Class<?> k = target.getClass(); k != null; k = k.getSuperclass()) {
            try {
                Field f = k.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(target);
            } catch (NoSuchFieldException e) {
                // the superclass may declare it
            }
        }
        throw new NoSuchFieldException(target.getClass().getName() + "." + name);
    }

    private static Set<RemotingServer> servers(BrokerController c) throws ReflectiveOperationException {
        Set<RemotingServer> out = new LinkedHashSet<>();
        try {
            for (Object s : ((Map<?, ?>) field(c, "remotingServerMap")).values()) {
                if (s instanceof RemotingServer) {
                    out.add((RemotingServer) s);
                }
            }
        } catch (NoSuchFieldException older) {
            // the getters below
        }
        if (c.getRemotingServer() != null) {
            out.add(c.getRemotingServer());
        }
        if (c.getFastRemotingServer() != null) {
            out.add(c.getFastRemotingServer());
        }
        return out;
    }

    private static String causes(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t).append(" <- ");
        }
        return sb.toString();
    }
}
