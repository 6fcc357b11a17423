/** Runnable programs a newcomer starts from; the README's main command runs {@code Demo}. */
module dev.gatun.examples {
    requires dev.gatun.core;
}
