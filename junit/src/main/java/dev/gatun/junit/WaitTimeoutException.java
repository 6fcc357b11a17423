package dev.gatun.junit;

import java.time.Duration;
import java.util.List;

/**
 * A {@link WaitStrategy} gave up: its message says what it waited for, for how long, why it gave
 * up, and shows the last lines of the container's output.
 */
public final class WaitTimeoutException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** How many lines of output the message shows. */
    public static final int TAIL_LINES = 20;

    WaitTimeoutException(TestContainer container, String waitedFor, Duration timeout, String why) {
        super(message(container, waitedFor, timeout, why));
    }

    private static String message(TestContainer container, String waitedFor, Duration timeout, String why) {
        List<String> tail = container.logTail(TAIL_LINES);
        StringBuilder s = new StringBuilder("container ").append(container.id()).append(": waited for ")
                .append(waitedFor).append(" (timeout ").append(timeout).append("): ").append(why)
                .append("; last ").append(tail.size()).append(" lines of its output:");
        tail.forEach(l -> s.append("\n  ").append(l));
        return s.toString();
    }
}
