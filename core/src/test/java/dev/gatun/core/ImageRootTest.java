package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a rootless image root is made on a given kernel and upper file system; needs nothing. */
class ImageRootTest {

    @Test
    void rootlessTheInitMountsTheOverlayFromLinux511AndCopiesBefore() {
        assertThat(ImageRoot.kind(KernelVersion.parse("5.10.209"), "ext4")).isEqualTo(ImageRoot.Kind.COPY);
        assertThat(ImageRoot.kind(KernelVersion.parse("5.11.0"), "ext4")).isEqualTo(ImageRoot.Kind.CHILD_OVERLAY);
        assertThat(ImageRoot.kind(KernelVersion.parse("6.1.0-56-amd64"), "xfs")).isEqualTo(ImageRoot.Kind.CHILD_OVERLAY);
    }

    @Test
    void anUpperOnATmpfsWithoutUserXattrsBeforeLinux66IsACopy() {
        assertThat(ImageRoot.kind(KernelVersion.parse("6.1.0-56-amd64"), "tmpfs")).isEqualTo(ImageRoot.Kind.COPY);
        assertThat(ImageRoot.kind(KernelVersion.parse("6.6.0"), "tmpfs")).isEqualTo(ImageRoot.Kind.CHILD_OVERLAY);
        assertThat(ImageRoot.kind(KernelVersion.parse("6.18.0"), "tmpfs")).isEqualTo(ImageRoot.Kind.CHILD_OVERLAY);
    }
}
