package dev.gatun.core.linux;

import java.util.Locale;

/**
 * The CPU architectures whose syscall numbers Gatun knows. Gatun spawns on {@link #X86_64} and
 * {@link #AARCH64}; the others appear only as seccomp sub-architectures (a 64-bit kernel also
 * runs i386, x32 and arm32 code, and a seccomp filter must say what it does with them).
 */
public enum Arch {
    /** x86-64 (AUDIT_ARCH_X86_64). */
    X86_64("x86_64", 0xC000_003EL),
    /** 64-bit ARM (AUDIT_ARCH_AARCH64). */
    AARCH64("aarch64", 0xC000_00B7L),
    /** 32-bit x86 (AUDIT_ARCH_I386). */
    X86("x86", 0x4000_0003L),
    /** x32: x86-64 with 32-bit pointers; shares AUDIT_ARCH_X86_64 and sets bit 30 in the number. */
    X32("x32", 0xC000_003EL),
    /** 32-bit ARM EABI (AUDIT_ARCH_ARM). */
    ARM("arm", 0x4000_0028L);

    private final String tableName;
    private final long auditArch;

    Arch(String tableName, long auditArch) {
        this.tableName = tableName;
        this.auditArch = auditArch;
    }

    /** The column name in {@code syscalls.tsv} (libseccomp's name for the architecture). */
    public String tableName() {
        return tableName;
    }

    /** The {@code AUDIT_ARCH_*} value the kernel reports in {@code seccomp_data.arch}. */
    public long auditArch() {
        return auditArch;
    }

    /**
     * The architecture this JVM runs on.
     *
     * @throws UnsupportedOperationException on any architecture Gatun cannot spawn on, naming it
     */
    public static Arch current() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw new UnsupportedOperationException(
                    "Gatun spawns containers on x86_64 and aarch64 only; this JVM runs on " + arch);
        };
    }
}
