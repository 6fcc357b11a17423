package dev.gatun.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class ErrnoExceptionTest {

    @Test
    void theMessageReadsLikeTheFailedCall() {
        ErrnoException e = new ErrnoException(1, "mount", "\"proc\", \"/r/rootfs/proc\"");
        assertThat(e.getMessage()).isEqualTo("mount(\"proc\", \"/r/rootfs/proc\"): Operation not permitted (EPERM)");
        assertThat(e.errnoName()).isEqualTo("EPERM");
        assertThat(e.syscall()).isEqualTo("mount");
    }

    @Test
    void fileErrnosBecomeTheJdkExceptionWithTheErrnoAsCause() {
        IOException missing = ErrnoException.forFile(2, "openat", "/x", "AT_FDCWD, \"/x\", O_RDONLY, 00");
        assertThat(missing).isInstanceOf(NoSuchFileException.class);
        assertThat(((NoSuchFileException) missing).getFile()).isEqualTo("/x");
        assertThat(ErrnoException.errnoOf(missing)).hasValue(2);
        assertThat(ErrnoException.forFile(13, "openat", "/x", "")).isInstanceOf(AccessDeniedException.class);
        assertThat(ErrnoException.forFile(16, "umount2", "/x", "\"/x\", 0")).isExactlyInstanceOf(ErrnoException.class)
                .hasMessage("umount2(\"/x\", 0): Device or resource busy (EBUSY)");
    }

    @Test
    void anUnknownErrnoStillHasANameAndAMessage() {
        assertThat(new ErrnoException(4000, "x", "").getMessage()).isEqualTo("x(): Unknown error 4000 (E4000)");
    }
}
