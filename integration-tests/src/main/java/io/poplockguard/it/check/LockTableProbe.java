package io.poplockguard.it.check;

import io.poplockguard.broker.admin.LockTableProcessor;
import io.poplockguard.it.inprocess.PopTestClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.ResponseCode;

/** Asks a guarded broker for its lock table (the plugin's admin request) to check it is empty at quiescence. */
public final class LockTableProbe {
    private LockTableProbe() {
    }

    /** The locks still held, as the broker's JSON "locks" array text; "[]" when none. */
    public static String heldLocks(String brokerAddr, String brokerName) throws Exception {
        try (PopTestClient c = new PopTestClient(brokerAddr, brokerName)) {
            RemotingCommand r = c.adminRequest(LockTableProcessor.LOCK_TABLE);
            if (r.getCode() != ResponseCode.SUCCESS) {
                throw new IllegalStateException("lock-table request refused by " + brokerAddr + ": code " + r.getCode()
                    + " " + r.getRemark());
            }
            String json = PopTestClient.body(r);
            int start = json.indexOf("\"locks\":[") + "\"locks\":".length();
            int depth = 0;
            for (int i = start; i < json.length(); i++) {
                char ch = json.charAt(i);
                depth += ch == '[' ? 1 : ch == ']' ? -1 : 0;
                if (depth == 0) {
                    return json.substring(start, i + 1);
                }
            }
            return json;
        }
    }
}
