package dev.gatun.bench.spawn;

import dev.gatun.core.spawn.ExitStatus;
import dev.gatun.core.spawn.Program;
import dev.gatun.core.spawn.SpawnOptions;
import dev.gatun.core.spawn.Spawner;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Spawn to reap of {@code /bin/true}: (a) through the executor with no namespaces, (b) through the
 * executor in new pid, mnt, uts, ipc and net namespaces, (c) with {@code ProcessBuilder}. The
 * target (issue 4) is (b) at most half of (c). Run as root:
 * {@code java -jar bench/target/benchmarks.jar Spawn -f 1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SpawnBenchmark {

    private static final long NAMESPACES = 0x20000000L | 0x20000L | 0x04000000L | 0x08000000L | 0x40000000L;

    private Program binTrue;

    @Setup
    public void setUp() {
        binTrue = Program.builder().closeRangeCloexec(3).unblockSignals()
                .execve("/bin/true", List.of("true"), List.of("PATH=/bin")).build();
    }

    @Benchmark
    public ExitStatus a_executorPlain() throws IOException, InterruptedException {
        return Spawner.get().spawn(binTrue, SpawnOptions.defaults()).waitFor();
    }

    @Benchmark
    public ExitStatus b_executorPidMntUtsIpcNetNamespaces() throws IOException, InterruptedException {
        return Spawner.get().spawn(binTrue, SpawnOptions.defaults().namespaces(NAMESPACES)).waitFor();
    }

    /** Not a target: (b) without the net namespace, whose creation is the most expensive part of (b). */
    @Benchmark
    public ExitStatus d_executorPidMntUtsIpcNamespaces() throws IOException, InterruptedException {
        return Spawner.get().spawn(binTrue, SpawnOptions.defaults().namespaces(NAMESPACES & ~0x40000000L)).waitFor();
    }

    @Benchmark
    public int c_processBuilder() throws IOException, InterruptedException {
        return new ProcessBuilder("/bin/true").start().waitFor();
    }
}
