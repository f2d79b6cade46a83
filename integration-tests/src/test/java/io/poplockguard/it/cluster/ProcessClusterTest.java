package io.poplockguard.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.it.inprocess.PopTestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The process backend itself: start, serve, kill -9 and restart, clean up, and clear errors. */
class ProcessClusterTest {

    @Test
    @Timeout(300)
    void guardedClusterServesSurvivesKillAndStopsEveryProcess() throws Exception {
        long brokerPid;
        try (ProcessCluster c = ProcessCluster.start(ClusterSpec.of("5.3.0").guarded(true));
             PopTestClient client = new PopTestClient(c.brokerAddr(0), c.brokerName(0))) {
            RemotingCommand r = client.adminRequest(LockTableProcessor.LOCK_TABLE);
            assertEquals(ResponseCode.SUCCESS, r.getCode(), c.brokerLogTail(0, 40));
            assertTrue(PopTestClient.body(r).contains("\"installed\":true"));
            assertTrue(c.brokerCpuSeconds(0) > 0);

            c.killBroker(0);
            assertFalse(LoopbackPorts.open(Integer.parseInt(c.brokerAddr(0).split(":")[1])), "killed");
            // the killed broker's self-signed TLS files stay in its own temp dir (deleted with the cluster), not /tmp
            try (Stream<Path> tmp = Files.list(c.home("broker-0").resolve("tmp"))) {
                assertTrue(tmp.anyMatch(f -> f.getFileName().toString().startsWith("keyutil_")),
                    "netty's certificate files are written to the process temp dir");
            }
            c.restartBroker(0);
            assertEquals(ResponseCode.SUCCESS, client.adminRequest(LockTableProcessor.LOCK_TABLE).getCode());
            brokerPid = c.brokerPid(0);
        }
        assertFalse(ProcessHandle.of(brokerPid).map(ProcessHandle::isAlive).orElse(false), "broker stopped by PID");
    }

    @Test
    void unknownVersionNamesTheAvailableOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterSpec.of("5.9.9"));
        assertTrue(e.getMessage().contains("5.3.0") && e.getMessage().contains("5.5.0"), e.getMessage());
    }
}
