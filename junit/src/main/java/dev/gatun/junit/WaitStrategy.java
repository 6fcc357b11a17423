package dev.gatun.junit;

/** What {@link TestContainer#start()} waits for before it returns; {@link Wait} makes them. */
public interface WaitStrategy {

    /**
     * Returns once {@code container} is ready.
     *
     * @throws WaitTimeoutException when it was not ready in time, or its init ended first
     */
    void waitUntilReady(TestContainer container);
}
