/**
 * Gatun's JUnit 5 extension: {@link dev.gatun.junit.Gatun @Gatun} on a test class starts the
 * {@link dev.gatun.junit.TestContainer} fields marked {@link dev.gatun.junit.GatunContainer @GatunContainer}.
 */
module dev.gatun.junit {
    requires transitive dev.gatun.core;
    requires transitive org.junit.jupiter.api;
    requires org.slf4j;

    exports dev.gatun.junit;
}
