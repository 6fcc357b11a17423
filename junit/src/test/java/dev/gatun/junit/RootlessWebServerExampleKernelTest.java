package dev.gatun.junit;

import org.junit.jupiter.api.Tag;

/**
 * {@link WebServerExampleKernelTest} in the unprivileged lane: tagged {@code rootless}, so the
 * root build leaves it out and {@code .ci/unprivileged-lane} runs it as {@code gatun-ci} (the
 * sandbox root in a user namespace of its own, ports published through pasta, no cgroup limits
 * in the lane "none").
 */
@Tag("rootless")
class RootlessWebServerExampleKernelTest extends WebServerExampleKernelTest {}
