package dev.gatun.core.linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Syscall numbers by name, per architecture, from {@code syscalls.tsv} (generated from
 * libseccomp's table by {@code core/src/build/GenerateSyscallTable.java}).
 *
 * <p>The spawn engine emits only the generic syscalls every architecture has ({@code openat},
 * {@code dup3}, {@code mkdirat} ...): aarch64 has no {@code open}, {@code dup2} or {@code fork}.
 * Immutable and thread-safe; loaded once.
 */
public final class SyscallTable {

    private static final Map<Arch, SyscallTable> TABLES = load();

    private final Arch arch;
    private final Map<String, Integer> numbers;
    private final Map<Integer, String> names;

    private SyscallTable(Arch arch, Map<String, Integer> numbers) {
        this.arch = arch;
        this.numbers = Collections.unmodifiableMap(numbers);
        Map<Integer, String> byNumber = new HashMap<>();
        for (Map.Entry<String, Integer> e : numbers.entrySet()) {
            byNumber.putIfAbsent(e.getValue(), e.getKey());
        }
        this.names = Collections.unmodifiableMap(byNumber);
    }

    /** The table of the architecture this JVM runs on. */
    public static SyscallTable current() {
        return of(Arch.current());
    }

    /** The table of {@code arch}. */
    public static SyscallTable of(Arch arch) {
        return TABLES.get(arch);
    }

    /** The architecture of this table. */
    public Arch arch() {
        return arch;
    }

    /** The number of syscall {@code name}, or empty when this architecture has no such call. */
    public OptionalInt find(String name) {
        Integer nr = numbers.get(name);
        return nr == null ? OptionalInt.empty() : OptionalInt.of(nr);
    }

    /**
     * The number of syscall {@code name}.
     *
     * @throws UnsupportedOperationException when this architecture has no such call
     */
    public int number(String name) {
        Integer nr = numbers.get(name);
        if (nr == null) {
            throw new UnsupportedOperationException("no syscall " + name + " on " + arch.tableName());
        }
        return nr;
    }

    /** The name of syscall number {@code nr}, for rendering; empty when unknown. */
    public Optional<String> name(int nr) {
        return Optional.ofNullable(names.get(nr));
    }

    /** Every syscall name this architecture has. */
    public Set<String> names() {
        return numbers.keySet();
    }

    private static Map<Arch, SyscallTable> load() {
        Map<Arch, Map<String, Integer>> byArch = new EnumMap<>(Arch.class);
        try (InputStream in = SyscallTable.class.getResourceAsStream("syscalls.tsv")) {
            if (in == null) {
                throw new IllegalStateException("syscalls.tsv missing from dev.gatun.core.linux");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String[] header = null;
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("#name")) {
                    header = line.substring(1).split("\t");
                    continue;
                }
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t");
                for (int i = 1; i < f.length; i++) {
                    if (!f[i].equals("-")) {
                        Arch arch = archOf(header, i);
                        byArch.computeIfAbsent(arch, a -> new HashMap<>()).put(f[0], Integer.parseInt(f[i]));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<Arch, SyscallTable> tables = new EnumMap<>(Arch.class);
        for (Arch arch : Arch.values()) {
            tables.put(arch, new SyscallTable(arch, byArch.getOrDefault(arch, Map.of())));
        }
        return tables;
    }

    private static Arch archOf(String[] header, int column) {
        if (header == null) {
            throw new IllegalStateException("syscalls.tsv has no #name header line");
        }
        for (Arch arch : Arch.values()) {
            if (arch.tableName().equals(header[column])) {
                return arch;
            }
        }
        throw new IllegalStateException("syscalls.tsv column " + header[column] + " is no known architecture");
    }
}
