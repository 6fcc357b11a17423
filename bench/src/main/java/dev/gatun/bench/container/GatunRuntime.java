package dev.gatun.bench.container;

import java.nio.file.Path;

/** Gatun in-process: the bundle through the library, in this JVM. */
final class GatunRuntime implements RuntimeComparison.Runtime {

    private GatunRuntime() {}

    static GatunRuntime create() {
        return new GatunRuntime();
    }

    @Override
    public String name() {
        return "gatun";
    }

    @Override
    public void runOnce(Path bundle, String id) {
        throw new UnsupportedOperationException("Container.fromBundle arrives with issue 7");
    }
}
