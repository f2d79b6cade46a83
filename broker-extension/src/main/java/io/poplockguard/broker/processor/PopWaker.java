package io.poplockguard.broker.processor;

import io.poplockguard.broker.lock.LockListener;
import io.poplockguard.broker.shape.BrokerShape.PopWakeUp;
import org.apache.rocketmq.common.MixAll;

/**
 * Wake on release: a pop that failed to take a queue lock is parked in long polling and, in the stock broker, only a
 * new message or its poll timeout wakes it. When such a lock is released this asks the pop long-polling service to
 * re-run the parked pops of that topic, group and queue (and those polling all queues of the topic).
 */
public final class PopWaker implements LockListener {
    private final PopWakeUp wakeUp;

    public PopWaker(PopWakeUp wakeUp) {
        this.wakeUp = wakeUp;
    }

    @Override
    public void wakePops(String key) {
        int q = key.lastIndexOf('@');
        int g = q <= 0 ? -1 : key.lastIndexOf('@', q - 1);
        if (g <= 0) {
            return; // not a pop lock key
        }
        String topic = key.substring(0, g);
        String group = key.substring(g + 1, q);
        int queueId;
        try {
            queueId = Integer.parseInt(key.substring(q + 1));
        } catch (NumberFormatException e) {
            return;
        }
        String original = originalTopicOfRetry(topic, group);
        if (original != null) {
            // pops wait under the topic they asked for, not the retry topic they also read
            wakeUp.wake(original, -1, group);
            return;
        }
        wakeUp.wake(topic, queueId, group);
        wakeUp.wake(topic, -1, group);
    }

    /** The topic a pop retry topic ({@code %RETRY%group_topic} or {@code %RETRY%group+topic}) belongs to, or null. */
    static String originalTopicOfRetry(String topic, String group) {
        String prefix = MixAll.RETRY_GROUP_TOPIC_PREFIX + group;
        if (topic.startsWith(prefix) && topic.length() > prefix.length() + 1) {
            char sep = topic.charAt(prefix.length());
            if (sep == '_' || sep == '+') {
                return topic.substring(prefix.length() + 1);
            }
        }
        return null;
    }
}
