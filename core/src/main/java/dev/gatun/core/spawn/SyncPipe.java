package dev.gatun.core.spawn;

/**
 * The ends of the two pipes a {@link Handshake} spawn creates between parent and child. A
 * program names them through {@link Arg#sync(SyncPipe)}; the spawner puts the real fd numbers in
 * when it compiles the program. All four are created {@code O_CLOEXEC}.
 */
public enum SyncPipe {
    /** The child reads here to wait until the parent {@linkplain Handshake#release() releases} it. */
    RELEASE_READ("release[0]"),
    /** The parent's end of the release pipe; the child closes its copy first (else no EOF when the parent dies). */
    RELEASE_WRITE("release[1]"),
    /** The parent's end of the stage pipe: {@link Handshake#awaitStage()} reads here. */
    STAGE_READ("stage[0]"),
    /** The child writes one byte here to tell the parent it reached a stage. */
    STAGE_WRITE("stage[1]");

    private final String rendered;

    SyncPipe(String rendered) {
        this.rendered = rendered;
    }

    /** How the fd shows in the rendering, e.g. {@code release[0]}. */
    public String rendered() {
        return rendered;
    }
}
