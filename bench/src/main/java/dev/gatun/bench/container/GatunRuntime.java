package dev.gatun.bench.container;

import dev.gatun.core.Container;
import dev.gatun.core.ContainerProcess;
import java.nio.file.Path;

/**
 * Gatun in-process: {@link Container#fromBundle} of the same bundle, then run, wait and delete,
 * in this JVM. stdio goes to the JVM's own (inherited), as the external runtimes' does.
 */
final class GatunRuntime implements RuntimeComparison.Runtime, RuntimeComparison.LimitsCheck {

    private GatunRuntime() {}

    static GatunRuntime create() {
        return new GatunRuntime();
    }

    @Override
    public String name() {
        return "gatun";
    }

    @Override
    public String verifyLimits(Path bundle, String id, String cgroupsPath) throws Exception {
        try (Container c = Container.fromBundle(bundle, id).inheritIO()) {
            c.create();
            return RuntimeComparison.readLimits(cgroupsPath);
        }
    }

    @Override
    public void runOnce(Path bundle, String id) throws Exception {
        try (Container c = Container.fromBundle(bundle, id).inheritIO()) {
            ContainerProcess p = c.run();
            int code = p.waitFor();
            if (code != 0) {
                throw new IllegalStateException("gatun container " + id + " exited with " + code);
            }
        }
    }
}
