package dev.gatun.core.plan;

import dev.gatun.core.linux.Arch;
import dev.gatun.core.security.SeccompCompiler;
import dev.gatun.core.security.SeccompProgram;
import dev.gatun.oci.Seccomp;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The classic-BPF programs of the last few seccomp sections compiled, by section and
 * architecture. Every container of {@code Container.builder()} carries the same default profile
 * (some 400 rules), whose compilation cost more than the rest of a container's planning; a spec
 * section is an immutable record, so an equal one compiles to the same program. Holds at most
 * {@value #SIZE} programs (a few kilobytes each), least recently used out first. Thread-safe;
 * two threads may compile the same section at once, and either result serves.
 */
final class SeccompCache {

    private static final int SIZE = 8;

    private record Key(Seccomp section, Arch arch) {}

    private static final Map<Key, SeccompProgram> PROGRAMS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, SeccompProgram> eldest) {
            return size() > SIZE;
        }
    };

    private SeccompCache() {}

    /**
     * The program for {@code section} on {@code arch}, compiled now or earlier.
     *
     * @throws IllegalArgumentException as {@link SeccompMapping#toPolicy} and
     *     {@link SeccompCompiler#compile} throw it for a section they refuse (never cached)
     */
    static SeccompProgram compile(Seccomp section, Arch arch) {
        Key key = new Key(section, arch);
        synchronized (PROGRAMS) {
            SeccompProgram known = PROGRAMS.get(key);
            if (known != null) {
                return known;
            }
        }
        SeccompProgram program = SeccompCompiler.compile(SeccompMapping.toPolicy(section, arch));
        synchronized (PROGRAMS) {
            PROGRAMS.put(key, program);
        }
        return program;
    }
}
