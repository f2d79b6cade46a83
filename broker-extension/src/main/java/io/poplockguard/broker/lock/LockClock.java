package io.poplockguard.broker.lock;

/**
 * The time source of the lock table, passed in so that expiry and back-off can be tested with a frozen clock.
 * Durations use {@link #nanoTime()} (monotonic, immune to wall-clock jumps); {@link #currentTimeMillis()} is only
 * for reporting when something happened.
 */
public interface LockClock {
    long nanoTime();

    long currentTimeMillis();

    LockClock SYSTEM = new LockClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }
    };
}
