package dev.gatun.cli;

import dev.gatun.core.Gatun;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code gatun}: the runc-compatible OCI runtime command line. Commands arrive with their issue. */
@Command(name = "gatun", mixinStandardHelpOptions = true, version = "gatun 0.1.0-SNAPSHOT",
        description = "An OCI runtime for Linux containers, written in Java.")
public final class Main implements Callable<Integer> {

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() {
        System.out.println(Gatun.isSupported()
                ? "gatun can run containers here (kernel " + Gatun.kernelRelease() + ")"
                : "gatun cannot run containers here: " + Gatun.unsupportedCause().orElseThrow());
        return Gatun.isSupported() ? 0 : 1;
    }
}
