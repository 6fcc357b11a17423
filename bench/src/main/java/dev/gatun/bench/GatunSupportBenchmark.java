package dev.gatun.bench;

import dev.gatun.core.KernelVersion;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The harness's own check: a trivial benchmark proves the JMH wiring of this module. */
@State(Scope.Benchmark)
public class GatunSupportBenchmark {

    private final String release = "6.1.0-56-amd64";

    @Benchmark
    public KernelVersion parseKernelRelease() {
        return KernelVersion.parse(release);
    }
}
