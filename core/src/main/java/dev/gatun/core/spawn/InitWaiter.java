package dev.gatun.core.spawn;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.linux.LibC;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/**
 * The waiting step of a container that outlives the JVM that created it (the {@code gatun} CLI's
 * containers): a tiny static ELF, about 250 bytes, that the init execs as its last program step
 * instead of the command. It blocks opening {@value #FIFO} in the container's state directory for
 * writing, which completes when {@code gatun start} opens it for reading, and then execs the
 * command ({@code core/src/main/asm/waiter_<arch>.S} says exactly how, and what it reports).
 *
 * <p>Why an exec first: until its exec a cloned init shares the JVM's memory ({@code CLONE_VM}),
 * so an init that waited there would keep the whole JVM's address space alive after the JVM
 * exits, and show the JVM's binary as its {@code /proc/<pid>/exe}. The waiter has an address space
 * of one page and an exe nothing can write: a sealed memfd.
 *
 * <p>The ELF is made here: a 64-byte header, one program header (a read+execute {@code PT_LOAD} of
 * the whole file at {@value #BASE}) and the code, whose last 14 bytes are the state directory's
 * fd number (patched) and the FIFO's name. {@code InitWaiterCodeTest} re-assembles the sources
 * and compares the code.
 */
public final class InitWaiter {

    /** The FIFO's name in the state directory. */
    public static final String FIFO = "exec.fifo";

    /** {@code as --64} + {@code objcopy -O binary -j .text} of waiter_x86_64.S. */
    static final String X86_64 =
            "4c8b24244c8d6c24084f8d74e508b8010100008b3d5b000000488d3558000000ba010008004531d20f054885c0783749"
            + "89c7b8030000008b3d370000000f05b83b000000498b7d00498d75084c89f20f05f7d850b8010000004c89ff4889e6ba"
            + "040000000f05b8e7000000bf7f0000000f050f0b00000000657865632e6669666f00";

    /** {@code aarch64-linux-gnu-as} + {@code objcopy -O binary -j .text} of waiter_aarch64.S. */
    static final String AARCH64 =
            "f30340f9f4230091950e138bb52200918003001881030010220080d20201a0f2030080d2080780d2010000d42002f8b7"
            + "f60300aa60020018280780d2010000d4800240f981220091e20315aaa81b80d2010000d4e903004be90f1fb8e00316aa"
            + "e1030091820080d2080880d2010000d4e00f80d2c80b80d2010000d40000000000000000657865632e6669666f00";

    private static final long BASE = 0x400000;
    private static final int HEADERS = 64 + 56;
    private static final int MFD_CLOEXEC = 1;
    private static final int MFD_ALLOW_SEALING = 2;
    private static final int F_ADD_SEALS = 1033;
    private static final int SEALS = 1 | 2 | 4 | 8; // F_SEAL_SEAL | SHRINK | GROW | WRITE

    private InitWaiter() {}

    /** The code for {@code arch}, as assembled (the fd word is 0). */
    static byte[] code(Arch arch) {
        return HexFormat.of().parseHex(switch (arch) {
            case X86_64 -> X86_64;
            case AARCH64 -> AARCH64;
            default -> throw new IllegalArgumentException("no init waiter for " + arch);
        });
    }

    /** The waiter as an ELF executable for {@code arch} that opens the FIFO relative to {@code dirfd}. */
    public static byte[] elf(Arch arch, int dirfd) {
        byte[] code = code(arch);
        // the fd word sits before the NUL-terminated name, which ends the code
        ByteBuffer.wrap(code, code.length - FIFO.length() - 1 - 4, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(dirfd);
        int size = HEADERS + code.length;
        ByteBuffer elf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little-endian */, 1 /* version */, 0 /* SysV */});
        elf.put(new byte[8]);
        elf.putShort((short) 2); // ET_EXEC
        elf.putShort((short) (arch == Arch.X86_64 ? 62 : 183)); // EM_X86_64, EM_AARCH64
        elf.putInt(1);
        elf.putLong(BASE + HEADERS); // entry
        elf.putLong(64); // program headers right after this header
        elf.putLong(0); // no section headers
        elf.putInt(0); // flags
        elf.putShort((short) 64).putShort((short) 56).putShort((short) 1); // ehsize, phentsize, phnum
        elf.putShort((short) 0).putShort((short) 0).putShort((short) 0); // shentsize, shnum, shstrndx
        elf.putInt(1); // PT_LOAD
        elf.putInt(5); // PF_R | PF_X
        elf.putLong(0).putLong(BASE).putLong(BASE); // offset, vaddr, paddr
        elf.putLong(size).putLong(size).putLong(0x1000); // filesz, memsz, align
        elf.put(code);
        return elf.array();
    }

    /**
     * A sealed memfd (O_CLOEXEC) holding {@link #elf(Arch, int)} for this machine: the init execs it
     * with {@code execveat(fd, "", ..., AT_EMPTY_PATH)}. The caller closes it.
     */
    public static int memfd(int dirfd) throws IOException {
        byte[] elf = elf(Arch.current(), dirfd);
        int fd = LibC.memfdCreate("gatun-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        try {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment bytes = arena.allocate(elf.length);
                bytes.copyFrom(MemorySegment.ofArray(elf));
                long written = LibC.write(fd, bytes);
                if (written != elf.length) {
                    throw new IOException("short write of the init waiter to its memfd: " + written + " of " + elf.length);
                }
            }
            LibC.fcntl(fd, F_ADD_SEALS, SEALS, "F_ADD_SEALS, F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE");
            return fd;
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }
}
