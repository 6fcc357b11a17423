package dev.gatun.oci;

import java.util.Optional;

/**
 * A resource of setrlimit(2), as named in {@code process.rlimits[].type} ({@code RLIMIT_NOFILE}),
 * with its resource number on Linux's generic ABI (x86-64 and aarch64; not mips, sparc or alpha).
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/getrlimit.2.html">getrlimit(2)</a>
 */
public enum RlimitType {
    RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS, RLIMIT_NPROC,
    RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS, RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE,
    RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME;

    /** Returns the resource number passed to prlimit(2). */
    public int number() {
        // declared in the order of asm-generic/resource.h, from 0
        return ordinal();
    }

    /**
     * Returns the resource named {@code name} ({@code RLIMIT_NOFILE}).
     *
     * @throws IllegalArgumentException naming the value, when it is not a known resource
     */
    public static RlimitType parse(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException(
                "unknown rlimit type " + (name == null ? "null" : "\"" + name + "\"")));
    }

    /** Returns the resource named {@code name}, or empty; never throws. */
    public static Optional<RlimitType> find(String name) {
        for (RlimitType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
