/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The scenario file format: shipped files parse; bad input fails before anything runs, naming line and field. */
@Tag("unit")
class ScenarioFileTest {

    @Test
    void shippedScenariosParse() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("src/test/resources/scenarios"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                assertTrue(ScenarioFile.read(f).size() > 3, f.toString());
            }
        }
    }

    @Test
    void badLinesNameTheLineAndTheField() {
        assertError("line 2: unknown op 'popp'", "{\"op\":\"wait\",\"ms\":1}", "{\"op\":\"popp\",\"topic\":\"t\"}");
        assertError("line 1: op produce needs field 'count'", "{\"op\":\"produce\",\"topic\":\"t\"}");
        assertError("line 1: op wait has no field 'secs'", "{\"op\":\"wait\",\"ms\":1,\"secs\":2}");
        assertError("line 1: field 'count' of op produce must be a whole number >= 0, got many",
            "{\"op\":\"produce\",\"topic\":\"t\",\"count\":\"many\"}");
        assertError("line 3: malformed JSON", "", "# comment", "{\"op\":\"wait\",");
        assertError("line 1: field 'op' is missing", "{\"ms\":1}");
    }

    @Test
    void fifoGrpcAndThreadFieldsAreChecked() {
        List<Op> ops = ScenarioFile.parse(List.of(
            "{\"op\":\"createTopic\",\"topic\":\"t\",\"queues\":2,\"fifo\":true}",
            "{\"op\":\"produce\",\"topic\":\"t\",\"count\":20,\"messageGroups\":4}",
            "{\"op\":\"grpcPush\",\"topic\":\"t\",\"group\":\"g\",\"untilCount\":20,\"limitMs\":60000}",
            "{\"op\":\"grpcAck\",\"group\":\"g\",\"ackLimitMs\":5000}",
            "{\"op\":\"wait\",\"ms\":3000,\"busiestThread\":true}"));
        assertEquals(OpType.GRPC_PUSH, ops.get(2).type());
        assertTrue(ops.get(4).bool("busiestThread"));
        assertError("line 1: field 'fifo' of op createTopic must be true or false, got yes",
            "{\"op\":\"createTopic\",\"topic\":\"t\",\"queues\":1,\"fifo\":\"yes\"}");
        assertError("line 1: op grpcPush needs field 'untilCount'",
            "{\"op\":\"grpcPush\",\"topic\":\"t\",\"group\":\"g\",\"limitMs\":1}");
        assertError("line 1: op grpcPush has no field 'ack'",
            "{\"op\":\"grpcPush\",\"topic\":\"t\",\"group\":\"g\",\"untilCount\":1,\"limitMs\":1,\"ack\":true}");
    }

    @Test
    void concurrentConsumersAndDrainsUntilAcked() {
        List<Op> ops = ScenarioFile.parse(List.of(
            "{\"op\":\"consume\",\"topic\":\"t\",\"group\":\"g\",\"consumers\":4,\"durationMs\":1000,"
                + "\"orderly\":true,\"background\":true}",
            "{\"op\":\"drain\",\"topic\":\"t\",\"group\":\"g\",\"limitMs\":1000,\"untilAcked\":true}",
            "{\"op\":\"fault\",\"mode\":\"async\"}"));
        assertTrue(ops.get(0).bool("orderly") && ops.get(0).bool("background"));
        assertTrue(ops.get(1).bool("untilAcked"));
        assertError("line 1: field 'background' of op consume must be true or false, got 1",
            "{\"op\":\"consume\",\"topic\":\"t\",\"group\":\"g\",\"consumers\":1,\"durationMs\":1,\"background\":1}");
        assertError("line 1: op drain has no field 'untilAck'",
            "{\"op\":\"drain\",\"topic\":\"t\",\"group\":\"g\",\"limitMs\":1,\"untilAck\":true}");
    }

    @Test
    void consumeEnableSwitchesAreCheckedAndReplay() {
        List<Op> ops = ScenarioFile.parse(List.of(
            "{\"op\":\"createGroup\",\"group\":\"g\",\"consumeEnable\":false}",
            "{\"op\":\"flapConsumeEnable\",\"group\":\"g\",\"periodMs\":300,\"durationMs\":6000}",
            "{\"op\":\"flapConsumeEnable\",\"group\":\"g\",\"periodMs\":400,\"durationMs\":4000,"
                + "\"background\":true}",
            "{\"op\":\"consume\",\"topic\":\"t\",\"group\":\"g\",\"consumers\":8,\"durationMs\":1000,"
                + "\"pollMs\":50}"));
        assertEquals(OpType.CREATE_GROUP, ops.get(0).type());
        assertTrue(ops.get(0).fields().containsKey("consumeEnable") && !ops.get(0).bool("consumeEnable"));
        assertEquals(OpType.FLAP_CONSUME_ENABLE, ops.get(1).type());
        assertEquals("flapConsumeEnable", OpType.FLAP_CONSUME_ENABLE.wireName());
        assertEquals(300, ops.get(1).integer("periodMs", 0));
        assertTrue(!ops.get(1).bool("background") && ops.get(2).bool("background"));
        assertEquals(50, ops.get(3).integer("pollMs", 500));
        // what the runner records replays as the same op
        Op back = ScenarioFile.parse(List.of(ScenarioFile.line(ops.get(2), 1500))).get(0);
        assertEquals(OpType.FLAP_CONSUME_ENABLE, back.type());
        assertEquals(1500, back.at());
        assertEquals("g", back.str("group"));
        assertEquals(4000, back.integer("durationMs", 0));
        assertTrue(back.bool("background"));
        assertError("line 1: op flapConsumeEnable needs field 'periodMs'",
            "{\"op\":\"flapConsumeEnable\",\"group\":\"g\",\"durationMs\":1}");
        assertError("line 1: field 'consumeEnable' of op createGroup must be true or false, got off",
            "{\"op\":\"createGroup\",\"group\":\"g\",\"consumeEnable\":\"off\"}");
    }

    @Test
    void recordedLinesReplay() {
        Op op = Op.of(OpType.PRODUCE, "topic", "t", "count", 3);
        List<Op> back = ScenarioFile.parse(List.of(ScenarioFile.line(op, 1234)));
        assertEquals(OpType.PRODUCE, back.get(0).type());
        assertEquals(1234, back.get(0).at());
        assertEquals(3, back.get(0).integer("count", 0));
    }

    private static void assertError(String expected, String... lines) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ScenarioFile.parse(Arrays.asList(lines)));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }
}
