package dev.gatun.namespaces;

import dev.gatun.testing.HostSnapshot;

/** {@link HostSnapshot#assertNoLeaksSince} with a short settling time for the JDK's own fds. */
final class Leaks {

    private Leaks() {}

    /**
     * Checks for up to one second: the JDK closes a pipe of its process launcher shortly
     * <em>after</em> a short-lived child has exited (every other start, here), which is not a
     * leak; a real one is still there after a second.
     */
    static void assertNoneSince(HostSnapshot before) {
        AssertionError last = null;
        for (int i = 0; i < 20; i++) {
            try {
                HostSnapshot.take().assertNoLeaksSince(before);
                return;
            } catch (AssertionError e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw last;
    }
}
